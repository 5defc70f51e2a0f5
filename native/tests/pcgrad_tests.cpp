// Tests of the PCGrad C API against a naive sequential reference (direct projections
// of double vectors, the algorithm as written in the paper). Plain C++, no framework:
// prints one line per failure and "N passed, N failed" at the end; exit code 1 on failure.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mtl4j_pcgrad.h"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string& what) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAIL: %s\n", what.c_str());
    }
}

using Grads = std::vector<std::vector<float>>;
const double EPS = 1e-12;

std::vector<double> reference(const Grads& g, const std::vector<int32_t>* orders, int reduction) {
    const int T = static_cast<int>(g.size());
    const size_t n = g[0].size();
    std::vector<double> out(n, 0.0);
    for (int i = 0; i < T; ++i) {
        std::vector<double> gi(g[i].begin(), g[i].end());
        for (int p = 0; p < T - 1; ++p) {
            int j = orders ? (*orders)[i * (T - 1) + p] : (p < i ? p : p + 1);
            double dot = 0, norm2 = 0;
            for (size_t x = 0; x < n; ++x) {
                dot += gi[x] * g[j][x];
                norm2 += double(g[j][x]) * g[j][x];
            }
            if (dot < 0)
                for (size_t x = 0; x < n; ++x) gi[x] -= dot / (norm2 + EPS) * g[j][x];
        }
        for (size_t x = 0; x < n; ++x) out[x] += gi[x];
    }
    if (reduction == MTL4J_PCGRAD_MEAN)
        for (double& v : out) v /= T;
    return out;
}

std::vector<const float*> pointers(const Grads& g) {
    std::vector<const float*> p;
    for (const auto& v : g) p.push_back(v.data());
    return p;
}

double norm(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x * x;
    return std::sqrt(s);
}

// |out - ref| relative to the larger of |ref| and the largest |g_k|: float rounding
// scales with the inputs, and ref itself can be ~0 (opposite gradients).
double relative_error(const std::vector<float>& out, const std::vector<double>& ref, const Grads& g) {
    double diff = 0, scale = norm(ref);
    for (size_t x = 0; x < ref.size(); ++x) diff += (out[x] - ref[x]) * (out[x] - ref[x]);
    for (const auto& v : g) scale = std::max(scale, norm(std::vector<double>(v.begin(), v.end())));
    return scale == 0 ? std::sqrt(diff) : std::sqrt(diff) / scale;
}

std::vector<int32_t> random_orders(int T, std::mt19937_64& rng) {
    std::vector<int32_t> orders;
    for (int i = 0; i < T; ++i) {
        std::vector<int32_t> row;
        for (int j = 0; j < T; ++j)
            if (j != i) row.push_back(j);
        std::shuffle(row.begin(), row.end(), rng);
        orders.insert(orders.end(), row.begin(), row.end());
    }
    return orders;
}

// Runs apply_f32 and compares with the reference; returns the total number of conflicts.
int compare(const std::string& name, const Grads& g, const std::vector<int32_t>* orders,
            int reduction = MTL4J_PCGRAD_SUM) {
    const int T = static_cast<int>(g.size());
    const int64_t n = static_cast<int64_t>(g[0].size());
    std::vector<float> out(n, std::nanf(""));
    std::vector<int32_t> conflicts(T, -1);
    auto p = pointers(g);
    int status = mtl4j_pcgrad_apply_f32(p.data(), T, n, orders ? orders->data() : nullptr, reduction,
                                        EPS, out.data(), nullptr, conflicts.data());
    check(status == MTL4J_PCGRAD_OK, name + ": status " + std::to_string(status) + " " + mtl4j_pcgrad_last_error());
    double err = relative_error(out, reference(g, orders, reduction), g);
    check(err <= 1e-5, name + ": relative error " + std::to_string(err));
    int total = 0;
    for (int c : conflicts) total += c;
    return total;
}

// Gradients with strong conflicts: a shared direction with a random sign per task, plus noise.
Grads conflicting_grads(int T, int64_t n, std::mt19937_64& rng) {
    std::normal_distribution<float> normal;
    std::vector<float> shared(n);
    for (auto& v : shared) v = normal(rng);
    Grads g(T, std::vector<float>(n));
    for (int k = 0; k < T; ++k) {
        float sign = (k % 2 == 0) ? 1.0f : -0.7f;
        for (int64_t x = 0; x < n; ++x) g[k][x] = sign * shared[x] + 0.5f * normal(rng);
    }
    return g;
}

void test_hand_computed() {
    // g1 = (1,0), g2 = (-1,1): g1' = (0.5,0.5), g2' = (0,1), sum (0.5,1.5).
    Grads g = {{1, 0}, {-1, 1}};
    auto p = pointers(g);
    float out[2];
    double w[2];
    int32_t c[2];
    int status = mtl4j_pcgrad_apply_f32(p.data(), 2, 2, nullptr, MTL4J_PCGRAD_SUM, 0.0, out, w, c);
    check(status == 0 && out[0] == 0.5f && out[1] == 1.5f,
          "hand-computed sum: got (" + std::to_string(out[0]) + ", " + std::to_string(out[1]) + ")");
    check(w[0] == 2.0 && w[1] == 1.5 && c[0] == 1 && c[1] == 1, "hand-computed weights and conflicts");
    status = mtl4j_pcgrad_apply_f32(p.data(), 2, 2, nullptr, MTL4J_PCGRAD_MEAN, 0.0, out, w, c);
    check(status == 0 && out[0] == 0.25f && out[1] == 0.75f, "hand-computed mean");
}

void test_random(std::mt19937_64& rng) {
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{1000003}}) {
        for (int T = 2; T <= 8; ++T) {
            Grads g = conflicting_grads(T, n, rng);
            std::string name = "random T=" + std::to_string(T) + " n=" + std::to_string(n);
            int fixed_conflicts = compare(name + " fixed", g, nullptr);
            auto orders = random_orders(T, rng);
            compare(name + " shuffled", g, &orders);
            compare(name + " shuffled mean", g, &orders, MTL4J_PCGRAD_MEAN);
            if (n > 1000) check(fixed_conflicts > 0, name + ": the data must produce conflicts");
        }
    }
}

void test_all_conflicting() {
    // The vertices of a regular simplex (e_k minus the centroid): every pair has a
    // negative dot product. Padded with zeros to n = 13.
    for (int T = 2; T <= 8; ++T) {
        Grads g(T, std::vector<float>(13, 0.0f));
        for (int k = 0; k < T; ++k)
            for (int x = 0; x < T; ++x) g[k][x] = (x == k ? 1.0f : 0.0f) - 1.0f / T;
        int conflicts = compare("simplex T=" + std::to_string(T), g, nullptr);
        check(conflicts > 0, "simplex T=" + std::to_string(T) + " has conflicts");
    }
    std::mt19937_64 rng(7);
    Grads opposite = conflicting_grads(1, 1000, rng);
    opposite.push_back(opposite[0]);
    for (float& v : opposite[1]) v = -v;
    compare("opposite pair", opposite, nullptr);
}

void test_identical_and_zero(std::mt19937_64& rng) {
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{1000003}}) {
        Grads g = conflicting_grads(1, n, rng);
        g.resize(5, g[0]);
        check(compare("identical n=" + std::to_string(n), g, nullptr) == 0, "identical: no conflicts");
        Grads zero(4, std::vector<float>(n, 0.0f));
        check(compare("zero n=" + std::to_string(n), zero, nullptr) == 0, "zero: no conflicts");
        Grads some_zero = conflicting_grads(4, n, rng);
        std::fill(some_zero[1].begin(), some_zero[1].end(), 0.0f);
        compare("one zero gradient n=" + std::to_string(n), some_zero, nullptr);
    }
}

void test_order_matters() {
    // g0 conflicts with both g1 and g2; projecting on g1 first or g2 first differs.
    Grads g = {{1, 0, 0}, {-1, 1, 0}, {-1, 0.2f, 1}};
    std::vector<int32_t> a = {1, 2, 0, 2, 0, 1};
    std::vector<int32_t> b = {2, 1, 2, 0, 1, 0};
    compare("order a", g, &a);
    compare("order b", g, &b);
    auto ra = reference(g, &a, MTL4J_PCGRAD_SUM), rb = reference(g, &b, MTL4J_PCGRAD_SUM);
    double d = 0;
    for (size_t x = 0; x < ra.size(); ++x) d += std::fabs(ra[x] - rb[x]);
    check(d > 1e-3, "the two orders give different results");
}

void test_in_place_and_pieces(std::mt19937_64& rng) {
    Grads g = conflicting_grads(3, 5000, rng);
    auto ref = reference(g, nullptr, MTL4J_PCGRAD_SUM);
    Grads copy = g;
    auto p = pointers(copy);
    int status = mtl4j_pcgrad_apply_f32(p.data(), 3, 5000, nullptr, MTL4J_PCGRAD_SUM, EPS,
                                        copy[0].data(), nullptr, nullptr);
    check(status == 0 && relative_error(copy[0], ref, g) <= 1e-5, "in place into grads[0]");

    // gram + solve + combine by hand equal apply.
    auto q = pointers(g);
    double gram[9], w[3];
    std::vector<float> out(5000);
    check(mtl4j_pcgrad_gram_f32(q.data(), 3, 5000, gram) == 0, "gram ok");
    check(gram[1] == gram[3] && gram[2] == gram[6], "gram symmetric");
    check(mtl4j_pcgrad_solve(gram, 3, nullptr, MTL4J_PCGRAD_SUM, -1.0, w, nullptr) == 0, "solve ok");
    check(mtl4j_pcgrad_combine_f32(q.data(), 3, 5000, w, out.data()) == 0, "combine ok");
    check(relative_error(out, ref, g) <= 1e-5, "gram + solve + combine");
}

void expect_error(int status, int expected, const std::string& fragment, const std::string& what) {
    std::string message = mtl4j_pcgrad_last_error();
    check(status == expected && message.find(fragment) != std::string::npos,
          what + ": status " + std::to_string(status) + ", message \"" + message + "\"");
}

void test_errors() {
    Grads g(3, std::vector<float>(10, 1.0f));
    auto p = pointers(g);
    float out[10];
    double gram[9], w[3];
    const int bad = MTL4J_PCGRAD_E_INVALID_ARGUMENT;
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 1, 10, nullptr, 0, EPS, out, nullptr, nullptr), bad,
                 "got T = 1", "T = 1");
    expect_error(mtl4j_pcgrad_gram_f32(p.data(), 65, 10, gram), bad, "got T = 65", "T = 65");
    expect_error(mtl4j_pcgrad_gram_f32(p.data(), 3, 0, gram), bad, "n = 0", "n = 0");
    expect_error(mtl4j_pcgrad_combine_f32(p.data(), 3, -5, w, out), bad, "n = -5", "n < 0");
    expect_error(mtl4j_pcgrad_gram_f32(nullptr, 3, 10, gram), bad, "grads is NULL", "grads NULL");
    const float* with_null[3] = {g[0].data(), nullptr, g[2].data()};
    expect_error(mtl4j_pcgrad_gram_f32(with_null, 3, 10, gram), bad, "grads[1] is NULL", "grads[1] NULL");
    expect_error(mtl4j_pcgrad_gram_f32(p.data(), 3, 10, nullptr), bad, "gram_out is NULL", "gram_out NULL");
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 3, 10, nullptr, 0, EPS, nullptr, nullptr, nullptr), bad,
                 "out is NULL", "out NULL");
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 3, 10, nullptr, 2, EPS, out, nullptr, nullptr), bad,
                 "reduction", "bad reduction");

    int32_t self[6] = {0, 2, 0, 2, 0, 1};
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 3, 10, self, 0, EPS, out, nullptr, nullptr), bad,
                 "must not be in its own order", "order containing i");
    int32_t twice[6] = {1, 1, 0, 2, 0, 1};
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 3, 10, twice, 0, EPS, out, nullptr, nullptr), bad,
                 "appears twice", "order with a duplicate");
    int32_t range[6] = {1, 2, 0, 3, 0, 1};
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 3, 10, range, 0, EPS, out, nullptr, nullptr), bad,
                 "out of range", "order out of range");

    g[2][7] = std::nanf("");
    expect_error(mtl4j_pcgrad_apply_f32(p.data(), 3, 10, nullptr, 0, EPS, out, nullptr, nullptr),
                 MTL4J_PCGRAD_E_NON_FINITE, "task 2", "NaN in task 2");
    g[2][7] = 1.0f;
    g[1][0] = std::numeric_limits<float>::infinity();
    expect_error(mtl4j_pcgrad_gram_f32(p.data(), 3, 10, gram), MTL4J_PCGRAD_E_NON_FINITE, "task 1", "inf in task 1");
    g[1][0] = 1.0f;

    double nan_gram[4] = {1, 0, 0, std::nan("")};
    expect_error(mtl4j_pcgrad_solve(nan_gram, 2, nullptr, 0, EPS, w, nullptr), MTL4J_PCGRAD_E_NON_FINITE,
                 "task 1", "solve on a NaN diagonal");
    double inf_weights[3] = {1, HUGE_VAL, 1};
    expect_error(mtl4j_pcgrad_combine_f32(p.data(), 3, 10, inf_weights, out), bad, "weights[1]", "inf weight");

    check(mtl4j_pcgrad_gram_f32(p.data(), 3, 10, gram) == 0 && mtl4j_pcgrad_last_error()[0] == '\0',
          "a successful call clears the last error");
}

void test_features_and_cuda() {
    std::string features = mtl4j_pcgrad_features();
    std::printf("features: %s; cuda available: %d\n", features.c_str(), mtl4j_pcgrad_cuda_available());
    check(features.rfind("pcgrad: cpu", 0) == 0, "features starts with \"pcgrad: cpu\": " + features);
    if (mtl4j_pcgrad_cuda_available()) {
        std::printf("note: a CUDA device is present; the CUDA kernels are tested from Java (LibTorch tensors)\n");
        return;
    }
    // No device: every CUDA entry point fails cleanly with the reason, never crashes.
    float host = 1.0f;
    const void* grads[2] = {&host, &host};
    double gram[4], w[2] = {1, 1};
    expect_error(mtl4j_pcgrad_gram_cuda(grads, MTL4J_PCGRAD_F32, MTL4J_PCGRAD_ACCUM_F32, 2, 1, gram, nullptr),
                 MTL4J_PCGRAD_E_CUDA_UNAVAILABLE, "CUDA unavailable", "gram_cuda without a device");
    expect_error(mtl4j_pcgrad_combine_cuda(grads, MTL4J_PCGRAD_BF16, MTL4J_PCGRAD_ACCUM_F64, 2, 1, w, &host, nullptr),
                 MTL4J_PCGRAD_E_CUDA_UNAVAILABLE, "CUDA unavailable", "combine_cuda without a device");
    expect_error(mtl4j_pcgrad_gram_cuda(grads, 7, MTL4J_PCGRAD_ACCUM_F32, 2, 1, gram, nullptr),
                 MTL4J_PCGRAD_E_INVALID_ARGUMENT, "dtype", "gram_cuda with a bad dtype");
    int major = -1, minor = -1;
    expect_error(mtl4j_pcgrad_capability_cuda(0, &major, &minor), MTL4J_PCGRAD_E_CUDA_UNAVAILABLE,
                 "CUDA unavailable", "capability_cuda without a device");
    expect_error(mtl4j_pcgrad_capability_cuda(0, nullptr, &minor), MTL4J_PCGRAD_E_INVALID_ARGUMENT, "NULL",
                 "capability_cuda with a NULL out pointer");
}

}  // namespace

int main() {
    std::mt19937_64 rng(20200119);
    test_hand_computed();
    test_random(rng);
    test_all_conflicting();
    test_identical_and_zero(rng);
    test_order_matters();
    test_in_place_and_pieces(rng);
    test_errors();
    test_features_and_cuda();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
