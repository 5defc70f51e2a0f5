// The PCGrad projections, solved on the T x T Gram matrix alone.
//
// Why this is exact: PCGrad only ever subtracts multiples of the ORIGINAL gradients, so
// every projected gradient is a linear combination of them,
//     g_i' = sum_k c_ik g_k,      c_i starting as the unit vector e_i.
// Everything the projection step needs is then a function of G_kj = g_k . g_j:
//     g_i' . g_j = sum_k c_ik G_kj,     |g_j|^2 = G_jj,
// and the step  g_i' <- g_i' - (g_i'.g_j / (|g_j|^2 + eps)) g_j  becomes
//     c_ij <- c_ij - (g_i'.g_j / (G_jj + eps)).
// The result sum_i g_i' = sum_k w_k g_k with w_k = sum_i c_ik (divided by T for the
// mean). So the library reads the gradients twice -- once for G (T(T+1)/2 dot products,
// fused in one pass), once for the weighted sum -- instead of the T(T-1) sequential
// passes of the direct algorithm, and the solve costs O(T^3) on the host.
#include <cmath>
#include <string>
#include <vector>

#include "pcgrad_internal.h"

namespace mtl4j::pcgrad {

namespace {

// Row i of orders must be a permutation of {0..T-1} \ {i}.
void check_order_row(const int32_t* row, int T, int i) {
    std::vector<bool> seen(T, false);
    for (int p = 0; p < T - 1; ++p) {
        int32_t j = row[p];
        std::string where = "orders[" + std::to_string(i) + "][" + std::to_string(p) + "] = " +
                            std::to_string(j);
        require(j >= 0 && j < T, where + " is out of range [0, " + std::to_string(T) + ")");
        require(j != i, where + ": task " + std::to_string(i) + " must not be in its own order");
        require(!seen[j], where + " appears twice in row " + std::to_string(i));
        seen[j] = true;
    }
}

}  // namespace

void solve(const double* gram, int T, const int32_t* orders, int reduction, double eps,
           double* weights_out, int32_t* conflicts_out) {
    check_gram_diagonal(gram, T);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j)
            if (!std::isfinite(gram[i * T + j]))
                fail(MTL4J_PCGRAD_E_NON_FINITE, "gram[" + std::to_string(i) + "][" +
                                                    std::to_string(j) + "] is not finite");
    if (orders != nullptr)
        for (int i = 0; i < T; ++i) check_order_row(orders + static_cast<int64_t>(i) * (T - 1), T, i);

    std::vector<double> c(static_cast<size_t>(T) * T, 0.0);  // c[i*T+k]
    for (int i = 0; i < T; ++i) {
        double* ci = &c[static_cast<size_t>(i) * T];
        ci[i] = 1.0;
        int conflicts = 0;
        for (int p = 0; p < T - 1; ++p) {
            int j = orders != nullptr ? orders[static_cast<int64_t>(i) * (T - 1) + p] : (p < i ? p : p + 1);
            double dot = 0.0;
            for (int k = 0; k < T; ++k) dot += ci[k] * gram[k * T + j];
            if (dot < 0.0) {
                ci[j] -= dot / (gram[j * T + j] + eps);
                ++conflicts;
            }
        }
        if (conflicts_out != nullptr) conflicts_out[i] = conflicts;
    }
    double scale = reduction == MTL4J_PCGRAD_MEAN ? 1.0 / T : 1.0;
    for (int k = 0; k < T; ++k) {
        double w = 0.0;
        for (int i = 0; i < T; ++i) w += c[static_cast<size_t>(i) * T + k];
        weights_out[k] = w * scale;
    }
}

}  // namespace mtl4j::pcgrad
