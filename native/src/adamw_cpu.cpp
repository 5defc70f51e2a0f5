// The fused AdamW step (mtl4j_adamw.h): one pass over blocks of the buffer, each element's
// update in PyTorch's order and in float, as LibTorch's in-place ops compute it, so the result
// matches the unfused LibTorch version up to rounding. Blocks are split over std::threads.
#include <cmath>

#include "parallel.h"
#include "pcgrad_internal.h"

namespace mtl4j::pcgrad {

namespace {

constexpr int64_t BLOCK = 4096;

// HasDecay/HasScale select the loop at compile time, so that each variant vectorises.
template <bool HasDecay, bool HasScale>
void adamw_range(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                 const float* __restrict decay, const float* __restrict scale, int64_t begin, int64_t end,
                 float decay_value, bool decays, float w1, float b2, float one_minus_b2, float bc2_sqrt, float eps,
                 float step_value) {
    for (int64_t i = begin; i < end; ++i) {
        float pi = p[i];
        const float gi = g[i];
        if (decays) pi = pi + decay_value * pi * (HasDecay ? decay[i] : 1.0f);  // addcmul_(p, decay, -lr*wd)
        const float mi = m[i] + w1 * (gi - m[i]);                                 // lerp_(g, 1-beta1), weight < 0.5
        const float vi = v[i] * b2 + one_minus_b2 * gi * gi;                      // mul_(beta2).addcmul_(g, g, 1-beta2)
        const float denom = std::sqrt(vi) / bc2_sqrt + eps;                       // sqrt().div_(sqrt(bc2)).add_(eps)
        const float numer = HasScale ? mi * scale[i] : mi;
        p[i] = pi + step_value * numer / denom;                                   // addcdiv_(numer, denom, -lr/bc1)
        m[i] = mi;
        v[i] = vi;
    }
}

}  // namespace

void adamw_f32(float* p, const float* g, float* m, float* v, const float* decay, const float* scale, int64_t n,
               double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step) {
    const float decay_value = static_cast<float>(-lr * weight_decay);
    const bool decays = weight_decay != 0;
    const float w1 = static_cast<float>(1 - beta1);
    const float b2 = static_cast<float>(beta2);
    const float one_minus_b2 = static_cast<float>(1 - beta2);
    const double bc1 = 1 - std::pow(beta1, static_cast<double>(step));
    const double bc2 = 1 - std::pow(beta2, static_cast<double>(step));
    const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    const float feps = static_cast<float>(eps);
    const float step_value = static_cast<float>(-lr / bc1);
    const int64_t nblocks = (n + BLOCK - 1) / BLOCK;
    // 4 streams read, 3 written (plus the optional masks).
    parallel_blocks(nblocks, BLOCK * 7, [&](int64_t b0, int64_t b1, int) {
        const int64_t begin = b0 * BLOCK;
        const int64_t end = std::min(n, b1 * BLOCK);
        if (decay && scale)
            adamw_range<true, true>(p, g, m, v, decay, scale, begin, end, decay_value, decays, w1, b2, one_minus_b2,
                                    bc2_sqrt, feps, step_value);
        else if (decay)
            adamw_range<true, false>(p, g, m, v, decay, scale, begin, end, decay_value, decays, w1, b2, one_minus_b2,
                                     bc2_sqrt, feps, step_value);
        else if (scale)
            adamw_range<false, true>(p, g, m, v, decay, scale, begin, end, decay_value, decays, w1, b2, one_minus_b2,
                                     bc2_sqrt, feps, step_value);
        else
            adamw_range<false, false>(p, g, m, v, decay, scale, begin, end, decay_value, decays, w1, b2,
                                      one_minus_b2, bc2_sqrt, feps, step_value);
    });
}

}  // namespace mtl4j::pcgrad
