// Tests of mtl4j_adamw_step_f32 against a naive reference: the AdamW update written out per
// element in double, as in the PyTorch documentation. Plain C++, no framework: prints one line
// per failure and "N passed, N failed" at the end; exit code 1 on failure.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "mtl4j_adamw.h"

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

struct State {
    std::vector<double> p, m, v;
};

void reference_step(State& s, const std::vector<float>& g, const std::vector<float>* decay,
                    const std::vector<float>* scale, double lr, double b1, double b2, double eps, double wd, long t) {
    for (size_t i = 0; i < s.p.size(); ++i) {
        double d = decay ? (*decay)[i] : 1.0;
        double sc = scale ? (*scale)[i] : 1.0;
        s.p[i] -= lr * wd * d * s.p[i];
        s.m[i] = b1 * s.m[i] + (1 - b1) * g[i];
        s.v[i] = b2 * s.v[i] + (1 - b2) * double(g[i]) * g[i];
        double mhat = s.m[i] / (1 - std::pow(b1, t));
        double denom = std::sqrt(s.v[i]) / std::sqrt(1 - std::pow(b2, t)) + eps;
        s.p[i] -= lr * sc * mhat / denom;
    }
}

double max_rel(const std::vector<float>& got, const std::vector<double>& want) {
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < got.size(); ++i) scale = std::max(scale, std::fabs(want[i]));
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]) / scale);
    return worst;
}

void run_case(int64_t n, bool with_decay, bool with_scale, double wd) {
    std::mt19937 rng(static_cast<unsigned>(n * 7 + with_decay * 3 + with_scale));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    std::vector<float> p(n), m(n, 0.0f), v(n, 0.0f), decay(n), scale(n);
    State ref{std::vector<double>(n), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
    for (int64_t i = 0; i < n; ++i) {
        p[i] = normal(rng) * 0.02f;
        ref.p[i] = p[i];
        decay[i] = unit(rng) < 0.3f ? 0.0f : 1.0f;
        scale[i] = 0.5f + unit(rng);
    }
    const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    std::string name = "n=" + std::to_string(n) + (with_decay ? " decay" : "") + (with_scale ? " scale" : "") +
                       " wd=" + std::to_string(wd);
    for (long t = 1; t <= 5; ++t) {
        std::vector<float> g(n);
        for (auto& x : g) x = normal(rng) * (t == 3 ? 0.0f : 1.0f);  // one all-zero gradient step
        int status = mtl4j_adamw_step_f32(p.data(), g.data(), m.data(), v.data(), with_decay ? decay.data() : nullptr,
                                          with_scale ? scale.data() : nullptr, n, lr, b1, b2, eps, wd, t);
        check(status == MTL4J_PCGRAD_OK, name + ": status " + std::to_string(status) + " " + mtl4j_pcgrad_last_error());
        reference_step(ref, g, with_decay ? &decay : nullptr, with_scale ? &scale : nullptr, lr, b1, b2, eps, wd, t);
    }
    double rp = max_rel(p, ref.p), rm = max_rel(m, ref.m), rv = max_rel(v, ref.v);
    check(rp < 1e-5 && rm < 1e-5 && rv < 1e-5,
          name + ": max relative error p " + std::to_string(rp) + " m " + std::to_string(rm) + " v " + std::to_string(rv));
}

void bad_arguments() {
    float x = 1, g = 1, m = 0, v = 0;
    check(mtl4j_adamw_step_f32(nullptr, &g, &m, &v, nullptr, nullptr, 1, 1e-3, 0.9, 0.999, 1e-8, 0, 1) ==
              MTL4J_PCGRAD_E_INVALID_ARGUMENT, "null parameter buffer is rejected");
    check(std::string(mtl4j_pcgrad_last_error()).find("null") != std::string::npos, "null buffer: message");
    check(mtl4j_adamw_step_f32(&x, &g, &m, &v, nullptr, nullptr, 0, 1e-3, 0.9, 0.999, 1e-8, 0, 1) ==
              MTL4J_PCGRAD_E_INVALID_ARGUMENT, "n = 0 is rejected");
    check(mtl4j_adamw_step_f32(&x, &g, &m, &v, nullptr, nullptr, 1, 1e-3, 0.9, 0.999, 1e-8, 0, 0) ==
              MTL4J_PCGRAD_E_INVALID_ARGUMENT, "step 0 is rejected");
    check(mtl4j_adamw_step_f32(&x, &g, &m, &v, nullptr, nullptr, 1, 1e-3, 1.0, 0.999, 1e-8, 0, 1) ==
              MTL4J_PCGRAD_E_INVALID_ARGUMENT, "beta1 = 1 is rejected");
    check(mtl4j_adamw_step_f32(&x, &g, &m, &v, nullptr, nullptr, 1, NAN, 0.9, 0.999, 1e-8, 0, 1) ==
              MTL4J_PCGRAD_E_INVALID_ARGUMENT, "NaN learning rate is rejected");
    check(x == 1 && m == 0 && v == 0, "rejected calls leave the buffers alone");
}

}  // namespace

int main() {
    for (int64_t n : {1, 7, 4095, 4096, 4097, 300001}) {
        run_case(n, false, false, 0.0);
        run_case(n, true, false, 0.01);
        run_case(n, true, true, 0.01);
        run_case(n, false, true, 0.1);
    }
    bad_arguments();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
