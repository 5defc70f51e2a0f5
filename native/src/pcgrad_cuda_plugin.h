// The interface between the main library and the optional CUDA plugin
// (libmtl4j_pcgrad_cuda.so), which the main library loads with dlopen on first use.
// Keeping CUDA in a separate shared object means libmtl4j_pcgrad.so never depends on
// libcudart or a driver: on a machine without them, the CPU path loads and works, and
// the CUDA entry points return MTL4J_PCGRAD_E_CUDA_UNAVAILABLE with the reason.
//
// Every plugin function returns an MTL4J_PCGRAD_* status and, on error, writes a
// NUL-terminated message into err (capacity err_len).
#pragma once

#include <cstddef>
#include <cstdint>

#define MTL4J_PCGRAD_CUDA_PLUGIN_SONAME "libmtl4j_pcgrad_cuda.so"
#define MTL4J_PCGRAD_CUDA_PLUGIN_ABI 2

extern "C" {
// Returns MTL4J_PCGRAD_CUDA_PLUGIN_ABI.
typedef int (*mtl4j_pcgrad_cuda_abi_fn)(void);
// Comma-separated list of the compiled architectures, e.g. "sm_80, sm_90".
typedef const char* (*mtl4j_pcgrad_cuda_archs_fn)(void);
// Number of visible devices; 0 with a message when the runtime or driver is missing.
typedef int (*mtl4j_pcgrad_cuda_device_count_fn)(char* err, size_t err_len);
// Compute capability of a device; an MTL4J_PCGRAD_* status.
typedef int (*mtl4j_pcgrad_cuda_capability_fn)(int device, int* major, int* minor, char* err, size_t err_len);
typedef int (*mtl4j_pcgrad_cuda_gram_fn)(const void* const* grads, int dtype, int accum, int T,
                                         int64_t n, double* gram_out_host, void* stream,
                                         char* err, size_t err_len);
typedef int (*mtl4j_pcgrad_cuda_combine_fn)(const void* const* grads, int dtype, int accum,
                                            int T, int64_t n, const double* weights_host,
                                            void* out, void* stream, char* err, size_t err_len);
}
