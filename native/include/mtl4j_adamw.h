/*
 * mtl4j_adamw: one fused AdamW step (Loshchilov & Hutter 2019) over a flat float32 buffer, in
 * PyTorch's update order, reading the parameters, gradients and both moments once and writing
 * the parameters and moments once (LibTorch's separate in-place ops make ~20 passes):
 *
 *   p <- p - lr * wd * decay[i] * p                        (decoupled weight decay)
 *   m <- lerp(m, g, 1 - beta1);  v <- beta2 * v + (1 - beta2) * g^2
 *   p <- p - (lr / (1 - beta1^t)) * scale[i] * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *
 * decay (per-element weight-decay factor, e.g. 0 for biases and LayerNorm, times the
 * learning-rate scale) and scale (per-element learning-rate scale) may be NULL: all 1.
 * Shares the status codes and mtl4j_pcgrad_last_error() of mtl4j_pcgrad.h; no C++
 * exception crosses this API.
 */
#ifndef MTL4J_ADAMW_H
#define MTL4J_ADAMW_H

#include <stdint.h>

#include "mtl4j_pcgrad.h"

#ifdef __cplusplus
extern "C" {
#endif

/* step is the 1-based step count t (after incrementing). */
MTL4J_PCGRAD_API int mtl4j_adamw_step_f32(float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                                          const float* decay, const float* scale, int64_t n, double lr,
                                          double beta1, double beta2, double eps, double weight_decay,
                                          int64_t step);

#ifdef __cplusplus
}
#endif

#endif
