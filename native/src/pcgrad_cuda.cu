// The CUDA plugin (libmtl4j_pcgrad_cuda.so): the fused Gram kernel and the weighted-sum
// kernel, for float32 or bfloat16 gradients with float32 or float64 accumulation, on
// the caller's stream. Loaded by the main library with dlopen; see pcgrad_cuda_plugin.h.
// The main library has already checked T, n, dtype, accum and the pointers for NULL.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdio>

#include "mtl4j_pcgrad.h"
#include "pcgrad_cuda_plugin.h"
#include "pcgrad_cuda_workspace.h"

#ifndef MTL4J_PCGRAD_CUDA_ARCHS
#define MTL4J_PCGRAD_CUDA_ARCHS "unknown archs"
#endif

#define PLUGIN_API extern "C" __attribute__((visibility("default")))

namespace {

constexpr int THREADS = 256;
constexpr int WARPS = THREADS / 32;
constexpr int FUSED_MAX_T = 8;  // fused kernel keeps T(T+1)/2 accumulators in registers
constexpr int MAX_PAIRS = MTL4J_PCGRAD_MAX_TASKS * (MTL4J_PCGRAD_MAX_TASKS + 1) / 2;

// Passed by value as kernel parameters (well under the 4 KiB limit): no device copy.
struct GradPtrs {
    const void* p[MTL4J_PCGRAD_MAX_TASKS];
};
template <typename Acc>
struct Weights {
    Acc w[MTL4J_PCGRAD_MAX_TASKS];
};

template <typename In>
__device__ __forceinline__ float load(const void* p, int64_t i);
template <>
__device__ __forceinline__ float load<float>(const void* p, int64_t i) {
    return static_cast<const float*>(p)[i];
}
template <>
__device__ __forceinline__ float load<__nv_bfloat16>(const void* p, int64_t i) {
    return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
}

template <typename In, typename Acc>
__device__ __forceinline__ void store(void* p, int64_t i, Acc v);
template <>
__device__ __forceinline__ void store<float, float>(void* p, int64_t i, float v) { static_cast<float*>(p)[i] = v; }
template <>
__device__ __forceinline__ void store<float, double>(void* p, int64_t i, double v) {
    static_cast<float*>(p)[i] = static_cast<float>(v);
}
template <>
__device__ __forceinline__ void store<__nv_bfloat16, float>(void* p, int64_t i, float v) {
    static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16(v);
}
template <>
__device__ __forceinline__ void store<__nv_bfloat16, double>(void* p, int64_t i, double v) {
    static_cast<__nv_bfloat16*>(p)[i] = __double2bfloat16(v);
}

template <typename Acc>
__device__ __forceinline__ Acc warp_sum(Acc v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

// Sums acc[0..P) over the block; thread p < P writes the block's sum of pair p to
// partials[blockIdx.x * P + p].
template <typename Acc, int P>
__device__ void block_sums(const Acc (&acc)[P], Acc* partials) {
    __shared__ Acc warp_sums[WARPS][P];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
#pragma unroll
    for (int p = 0; p < P; ++p) {
        Acc s = warp_sum(acc[p]);
        if (lane == 0) warp_sums[warp][p] = s;
    }
    __syncthreads();
    for (int p = threadIdx.x; p < P; p += blockDim.x) {
        Acc s = 0;
        for (int w = 0; w < WARPS; ++w) s += warp_sums[w][p];
        partials[static_cast<int64_t>(blockIdx.x) * P + p] = s;
    }
}

// Every thread reads the T values at its positions once and accumulates all
// T(T+1)/2 products (pair p enumerates i <= j row by row).
template <typename In, typename Acc, int T>
__global__ void __launch_bounds__(THREADS) gram_fused(GradPtrs g, int64_t n, Acc* partials) {
    constexpr int P = T * (T + 1) / 2;
    Acc acc[P];
#pragma unroll
    for (int p = 0; p < P; ++p) acc[p] = 0;
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; x < n; x += stride) {
        Acc v[T];
#pragma unroll
        for (int k = 0; k < T; ++k) v[k] = static_cast<Acc>(load<In>(g.p[k], x));
        int p = 0;
#pragma unroll
        for (int i = 0; i < T; ++i)
#pragma unroll
            for (int j = i; j < T; ++j) acc[p++] += v[i] * v[j];
    }
    block_sums<Acc, P>(acc, partials);
}

// For T > FUSED_MAX_T: one pair per blockIdx.y (not fused: T(T+1)/2 reads of the data).
template <typename In, typename Acc>
__global__ void __launch_bounds__(THREADS) gram_pairs(GradPtrs g, int T, int64_t n, Acc* partials) {
    int pair = blockIdx.y, i = 0;
    while (pair >= T - i) pair -= T - i++;
    const int j = i + pair;
    Acc acc[1] = {0};
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; x < n; x += stride)
        acc[0] += static_cast<Acc>(load<In>(g.p[i], x)) * static_cast<Acc>(load<In>(g.p[j], x));
    // Stored as if by the fused kernel: partials[block * P + pair].
    Acc* column = partials + blockIdx.y;
    __shared__ Acc warp_sums[WARPS];
    Acc s = warp_sum(acc[0]);
    if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = s;
    __syncthreads();
    if (threadIdx.x == 0) {
        Acc total = 0;
        for (int w = 0; w < WARPS; ++w) total += warp_sums[w];
        column[static_cast<int64_t>(blockIdx.x) * gridDim.y] = total;
    }
}

// result[p] = sum over blocks of partials[b * P + p], in double.
template <typename Acc>
__global__ void reduce_partials(const Acc* partials, int blocks, int P, double* result) {
    __shared__ double sums[THREADS];
    const int p = blockIdx.x;
    double s = 0;
    for (int b = threadIdx.x; b < blocks; b += blockDim.x) s += static_cast<double>(partials[static_cast<int64_t>(b) * P + p]);
    sums[threadIdx.x] = s;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) sums[threadIdx.x] += sums[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) result[p] = sums[0];
}

template <typename In, typename Acc>
__global__ void __launch_bounds__(THREADS) combine(GradPtrs g, Weights<Acc> w, int T, int64_t n, void* out) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; x < n; x += stride) {
        Acc s = 0;
        for (int k = 0; k < T; ++k) s += w.w[k] * static_cast<Acc>(load<In>(g.p[k], x));
        store<In, Acc>(out, x, s);  // all reads of x precede this write: out may alias a gradient
    }
}

// ---- host side ----------------------------------------------------------------------

void set_error(char* err, size_t len, const char* fmt, const char* a, const char* b = "") {
    if (err != nullptr && len > 0) std::snprintf(err, len, fmt, a, b);
}

#define CUDA_CHECK(call)                                                                  \
    do {                                                                                  \
        cudaError_t e_ = (call);                                                          \
        if (e_ != cudaSuccess) {                                                          \
            set_error(err, err_len, "%s failed: %s", #call, cudaGetErrorString(e_));      \
            return MTL4J_PCGRAD_E_CUDA;                                                   \
        }                                                                                 \
    } while (0)

// Checks that every pointer is device (or managed) memory of one device, makes that
// device current (restored by the caller), and reports its SM count. ptrs are the
// gradients, followed by out when last_is_out.
int prepare_device(const void* const* ptrs, int count, bool last_is_out, int* sm_count, char* err,
                   size_t err_len) {
    int device = -1;
    for (int k = 0; k < count; ++k) {
        cudaPointerAttributes attr{};
        cudaError_t e = cudaPointerGetAttributes(&attr, ptrs[k]);
        if (e != cudaSuccess || (attr.type != cudaMemoryTypeDevice && attr.type != cudaMemoryTypeManaged)) {
            (void)cudaGetLastError();
            char which[64];
            if (last_is_out && k == count - 1)
                std::snprintf(which, sizeof which, "out");
            else
                std::snprintf(which, sizeof which, "grads[%d]", k);
            set_error(err, err_len, "%s is not CUDA device memory%s", which,
                      e != cudaSuccess ? "" : " (host pointer passed to a CUDA entry point?)");
            return MTL4J_PCGRAD_E_INVALID_ARGUMENT;
        }
        if (device == -1) device = attr.device;
        if (attr.device != device) {
            set_error(err, err_len, "%s", "all tensors must be on the same CUDA device");
            return MTL4J_PCGRAD_E_INVALID_ARGUMENT;
        }
    }
    CUDA_CHECK(cudaSetDevice(device));
    CUDA_CHECK(cudaDeviceGetAttribute(sm_count, cudaDevAttrMultiProcessorCount, device));
    return MTL4J_PCGRAD_OK;
}

int grid_size(int64_t n, int sm_count) {
    int64_t needed = (n + THREADS - 1) / THREADS;
    int64_t cap = static_cast<int64_t>(sm_count) * 8;
    return static_cast<int>(needed < cap ? needed : cap);
}

template <typename In, typename Acc>
int launch_gram(const GradPtrs& g, int T, int64_t n, int blocks, Acc* partials, cudaStream_t stream) {
    switch (T) {
        case 2: gram_fused<In, Acc, 2><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        case 3: gram_fused<In, Acc, 3><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        case 4: gram_fused<In, Acc, 4><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        case 5: gram_fused<In, Acc, 5><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        case 6: gram_fused<In, Acc, 6><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        case 7: gram_fused<In, Acc, 7><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        case 8: gram_fused<In, Acc, 8><<<blocks, THREADS, 0, stream>>>(g, n, partials); break;
        default:
            static_assert(FUSED_MAX_T == 8, "update the switch");
            gram_pairs<In, Acc><<<dim3(blocks, T * (T + 1) / 2), THREADS, 0, stream>>>(g, T, n, partials);
    }
    return 0;
}

template <typename In, typename Acc>
int gram(const GradPtrs& g, int T, int64_t n, int sm_count, double* gram_out, cudaStream_t stream,
         char* err, size_t err_len) {
    const int P = T * (T + 1) / 2;
    const int blocks = grid_size(n, sm_count);
    const mtl4j::pcgrad::GramWorkspace layout = mtl4j::pcgrad::gram_workspace(blocks, P, sizeof(Acc));
    void* workspace = nullptr;
    CUDA_CHECK(cudaMallocAsync(&workspace, layout.bytes, stream));
    Acc* partials = reinterpret_cast<Acc*>(static_cast<char*>(workspace) + layout.partials_offset);
    double* sums = reinterpret_cast<double*>(static_cast<char*>(workspace) + layout.sums_offset);
    launch_gram<In, Acc>(g, T, n, blocks, partials, stream);
    reduce_partials<Acc><<<P, THREADS, 0, stream>>>(partials, blocks, P, sums);
    double host[MAX_PAIRS];
    cudaError_t launch = cudaGetLastError();
    cudaError_t copy = launch == cudaSuccess
                           ? cudaMemcpyAsync(host, sums, P * sizeof(double), cudaMemcpyDeviceToHost, stream)
                           : launch;
    cudaError_t freed = cudaFreeAsync(workspace, stream);
    CUDA_CHECK(copy);
    CUDA_CHECK(freed);
    CUDA_CHECK(cudaStreamSynchronize(stream));
    for (int i = 0, p = 0; i < T; ++i)
        for (int j = i; j < T; ++j, ++p) gram_out[i * T + j] = gram_out[j * T + i] = host[p];
    return MTL4J_PCGRAD_OK;
}

template <typename In, typename Acc>
int combine_launch(const GradPtrs& g, const double* weights, int T, int64_t n, int sm_count, void* out,
                   cudaStream_t stream, char* err, size_t err_len) {
    Weights<Acc> w{};
    for (int k = 0; k < T; ++k) w.w[k] = static_cast<Acc>(weights[k]);
    combine<In, Acc><<<grid_size(n, sm_count), THREADS, 0, stream>>>(g, w, T, n, out);
    CUDA_CHECK(cudaGetLastError());
    return MTL4J_PCGRAD_OK;
}

// Runs body with the device of the pointers current, restoring the caller's device.
template <typename Body>
int on_device(const void* const* ptrs, int count, bool last_is_out, char* err, size_t err_len, Body body) {
    int previous = 0;
    CUDA_CHECK(cudaGetDevice(&previous));
    int sm_count = 0;
    int status = prepare_device(ptrs, count, last_is_out, &sm_count, err, err_len);
    if (status == MTL4J_PCGRAD_OK) status = body(sm_count);
    cudaSetDevice(previous);
    return status;
}

}  // namespace

PLUGIN_API int mtl4j_pcgrad_cuda_abi(void) { return MTL4J_PCGRAD_CUDA_PLUGIN_ABI; }

PLUGIN_API const char* mtl4j_pcgrad_cuda_archs(void) { return MTL4J_PCGRAD_CUDA_ARCHS; }

PLUGIN_API int mtl4j_pcgrad_cuda_device_count(char* err, size_t err_len) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        set_error(err, err_len, "cudaGetDeviceCount failed: %s%s", cudaGetErrorString(e),
                  e == cudaErrorInsufficientDriver ? " (no NVIDIA driver, or one older than the CUDA runtime)" : "");
        return 0;
    }
    if (count == 0) set_error(err, err_len, "%s", "no CUDA device");
    return count;
}

PLUGIN_API int mtl4j_pcgrad_cuda_capability(int device, int* major, int* minor, char* err, size_t err_len) {
    CUDA_CHECK(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device));
    CUDA_CHECK(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device));
    return MTL4J_PCGRAD_OK;
}

PLUGIN_API int mtl4j_pcgrad_cuda_gram(const void* const* grads, int dtype, int accum, int T, int64_t n,
                                      double* gram_out_host, void* stream, char* err, size_t err_len) {
    GradPtrs g{};
    for (int k = 0; k < T; ++k) g.p[k] = grads[k];
    auto s = static_cast<cudaStream_t>(stream);
    return on_device(grads, T, false, err, err_len, [&](int sm) {
        bool bf16 = dtype == MTL4J_PCGRAD_BF16, f64 = accum == MTL4J_PCGRAD_ACCUM_F64;
        if (bf16) return f64 ? gram<__nv_bfloat16, double>(g, T, n, sm, gram_out_host, s, err, err_len)
                             : gram<__nv_bfloat16, float>(g, T, n, sm, gram_out_host, s, err, err_len);
        return f64 ? gram<float, double>(g, T, n, sm, gram_out_host, s, err, err_len)
                   : gram<float, float>(g, T, n, sm, gram_out_host, s, err, err_len);
    });
}

PLUGIN_API int mtl4j_pcgrad_cuda_combine(const void* const* grads, int dtype, int accum, int T, int64_t n,
                                         const double* weights_host, void* out, void* stream, char* err,
                                         size_t err_len) {
    GradPtrs g{};
    const void* ptrs[MTL4J_PCGRAD_MAX_TASKS + 1];
    for (int k = 0; k < T; ++k) ptrs[k] = g.p[k] = grads[k];
    ptrs[T] = out;
    auto s = static_cast<cudaStream_t>(stream);
    return on_device(ptrs, T + 1, true, err, err_len, [&](int sm) {
        bool bf16 = dtype == MTL4J_PCGRAD_BF16, f64 = accum == MTL4J_PCGRAD_ACCUM_F64;
        if (bf16) return f64 ? combine_launch<__nv_bfloat16, double>(g, weights_host, T, n, sm, out, s, err, err_len)
                             : combine_launch<__nv_bfloat16, float>(g, weights_host, T, n, sm, out, s, err, err_len);
        return f64 ? combine_launch<float, double>(g, weights_host, T, n, sm, out, s, err, err_len)
                   : combine_launch<float, float>(g, weights_host, T, n, sm, out, s, err, err_len);
    });
}
