/*
 * mtl4j_pcgrad: PCGrad (Yu et al. 2020, "Gradient Surgery for Multi-Task Learning")
 * as a small C library with a CPU implementation and an optional CUDA one.
 *
 * For each task i and each other task j, in an order given per i:
 *   if g_i' . g_j < 0:  g_i' <- g_i' - (g_i' . g_j / (|g_j|^2 + eps)) g_j
 * always projecting onto the ORIGINAL g_j, g_i' updated as it goes (g_i' starts as g_i).
 * The result is sum_i g_i' (or the mean).
 *
 * The library computes this in two passes over memory: the T x T Gram matrix of the
 * gradients, a T x T solve on the host giving one weight per task, and a weighted sum
 * (see pcgrad_solve.cpp for why that is exact).
 *
 * Conventions
 *  - Every function returns MTL4J_PCGRAD_OK (0) or a nonzero status; on error
 *    mtl4j_pcgrad_last_error() returns a message for the calling thread. No C++ exception
 *    ever crosses this API.
 *  - T (number of tasks) is in [2, MTL4J_PCGRAD_MAX_TASKS]; n (elements per gradient) > 0.
 *  - gram is a dense row-major T x T array of doubles (symmetric).
 *  - orders is NULL for the fixed order (j ascending, skipping i), or T rows of T-1
 *    int32 each: row i is a permutation of {0..T-1} \ {i}.
 */
#ifndef MTL4J_PCGRAD_H
#define MTL4J_PCGRAD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MTL4J_PCGRAD_API __declspec(dllexport)
#else
#define MTL4J_PCGRAD_API __attribute__((visibility("default")))
#endif

#define MTL4J_PCGRAD_MAX_TASKS 64
#define MTL4J_PCGRAD_DEFAULT_EPS 1e-12

/* Status codes. */
#define MTL4J_PCGRAD_OK 0
#define MTL4J_PCGRAD_E_INVALID_ARGUMENT 1 /* T, n, null pointer, bad order, ... */
#define MTL4J_PCGRAD_E_NON_FINITE 2       /* a gradient holds NaN or inf */
#define MTL4J_PCGRAD_E_CUDA_UNAVAILABLE 3 /* CUDA not compiled in, no driver or no device */
#define MTL4J_PCGRAD_E_CUDA 4             /* a CUDA call failed */
#define MTL4J_PCGRAD_E_INTERNAL 5         /* out of memory, unexpected exception */

/* Reductions. */
#define MTL4J_PCGRAD_SUM 0
#define MTL4J_PCGRAD_MEAN 1

/* Element types (CUDA entry points; the CPU ones are float32 only). */
#define MTL4J_PCGRAD_F32 0
#define MTL4J_PCGRAD_BF16 1

/* Accumulation types of the CUDA kernels. */
#define MTL4J_PCGRAD_ACCUM_F32 0
#define MTL4J_PCGRAD_ACCUM_F64 1

/* Message of the last error on the calling thread ("" if none). Valid until the next
 * call into this library on the same thread. */
MTL4J_PCGRAD_API const char* mtl4j_pcgrad_last_error(void);

/* "pcgrad: cpu" or "pcgrad: cpu, cuda (sm_75, sm_80, ...)": what was compiled in and
 * could be loaded. Says nothing about whether a device is present: see below. */
MTL4J_PCGRAD_API const char* mtl4j_pcgrad_features(void);

/* 1 when the CUDA part is built, loadable and sees at least one device; 0 otherwise
 * (never an error). */
MTL4J_PCGRAD_API int mtl4j_pcgrad_cuda_available(void);

/* The compute capability of CUDA device `device` (e.g. 8 and 0 for an A100), for callers that
 * choose a precision by it (bfloat16 is native from 8.0). MTL4J_PCGRAD_E_CUDA_UNAVAILABLE
 * without CUDA, MTL4J_PCGRAD_E_INVALID_ARGUMENT for a device that does not exist. */
MTL4J_PCGRAD_API int mtl4j_pcgrad_capability_cuda(int device, int* major, int* minor);

/* ---- CPU, float32 ----------------------------------------------------------------- */

/* gram_out[i*T+j] = g_i . g_j. Partial sums in float32 over blocks, reduced in double.
 * Returns MTL4J_PCGRAD_E_NON_FINITE (naming the first task) when a diagonal entry is not
 * finite; gram_out is filled all the same. */
MTL4J_PCGRAD_API int mtl4j_pcgrad_gram_f32(const float* const* grads, int T, int64_t n,
                                           double* gram_out);

/* out[x] = sum_k weights[k] * grads[k][x], accumulated in float32.
 * out may be one of grads (in place). */
MTL4J_PCGRAD_API int mtl4j_pcgrad_combine_f32(const float* const* grads, int T, int64_t n,
                                              const double* weights, float* out);

/* gram + solve + combine. weights_out (T doubles) and conflicts_out (T int32) may be NULL. */
MTL4J_PCGRAD_API int mtl4j_pcgrad_apply_f32(const float* const* grads, int T, int64_t n,
                                            const int32_t* orders, int reduction, double eps,
                                            float* out, double* weights_out,
                                            int32_t* conflicts_out);

/* ---- host solve, shared by CPU and CUDA -------------------------------------------- */

/* From the Gram matrix, the weights w with  result = sum_k w_k g_k.
 * conflicts_out (may be NULL): T int32, conflicts_out[i] = how many projections were
 * applied to g_i. eps < 0 means MTL4J_PCGRAD_DEFAULT_EPS. */
MTL4J_PCGRAD_API int mtl4j_pcgrad_solve(const double* gram, int T, const int32_t* orders,
                                        int reduction, double eps, double* weights_out,
                                        int32_t* conflicts_out);

/* ---- CUDA ------------------------------------------------------------------------- */
/* grads and out are device pointers; stream is a cudaStream_t (NULL: the legacy default
 * stream). dtype: MTL4J_PCGRAD_F32 or MTL4J_PCGRAD_BF16; accum: MTL4J_PCGRAD_ACCUM_*.
 * gram_cuda blocks until gram_out_host is filled; combine_cuda is asynchronous on stream.
 * Without CUDA (not built, no driver, no device) they return
 * MTL4J_PCGRAD_E_CUDA_UNAVAILABLE with the reason. */

MTL4J_PCGRAD_API int mtl4j_pcgrad_gram_cuda(const void* const* grads, int dtype, int accum,
                                            int T, int64_t n, double* gram_out_host,
                                            void* stream);

/* out (same dtype as grads) may be one of grads. */
MTL4J_PCGRAD_API int mtl4j_pcgrad_combine_cuda(const void* const* grads, int dtype,
                                               int accum, int T, int64_t n,
                                               const double* weights_host, void* out,
                                               void* stream);

MTL4J_PCGRAD_API int mtl4j_pcgrad_apply_cuda(const void* const* grads, int dtype, int accum,
                                             int T, int64_t n, const int32_t* orders,
                                             int reduction, double eps, void* out,
                                             double* weights_out, int32_t* conflicts_out,
                                             void* stream);

#ifdef __cplusplus
}
#endif

#endif /* MTL4J_PCGRAD_H */
