// CPU kernels: the fused Gram pass and the weighted sum, both over blocks of BLOCK
// floats so that the T slices of a block stay in L1/L2 while they are reused. The inner
// loops are written with 16 independent float lanes so that GCC/Clang vectorise them at
// -O3 for any x86-64 level (no -ffast-math needed, and the result does not depend on the
// vector width). Blocks are split over std::threads (parallel.h).
#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "parallel.h"
#include "pcgrad_internal.h"

namespace mtl4j::pcgrad {

namespace {

constexpr int64_t BLOCK = 1024;
constexpr int LANES = 16;

float dot_block(const float* a, const float* b, int64_t len) {
    float lane[LANES] = {};
    int64_t x = 0;
    for (; x + LANES <= len; x += LANES)
        for (int l = 0; l < LANES; ++l) lane[l] += a[x + l] * b[x + l];
    float s = 0.0f;
    for (int l = 0; l < LANES; ++l) s += lane[l];
    for (; x < len; ++x) s += a[x] * b[x];
    return s;
}

// The Gram entries of one block for a compile-time T: every element of the T slices is
// loaded once and all T(T+1)/2 products accumulate in registers (the pairwise loop above
// reloads each slice T times from L1). LANES_FUSED float lanes per pair keep the
// accumulators plus the T loaded vectors within the 16 SSE registers.
template <int T>
void gram_block_fused(const float* const* grads, int64_t x0, int64_t len, double* acc) {
    constexpr int PAIRS = T * (T + 1) / 2;
    constexpr int L = T == 2 ? 8 : 4;
    float lane[PAIRS][L] = {};
    int64_t x = 0;
    for (; x + L <= len; x += L) {
        float v[T][L];
        for (int k = 0; k < T; ++k)
            for (int l = 0; l < L; ++l) v[k][l] = grads[k][x0 + x + l];
        int p = 0;
        for (int i = 0; i < T; ++i)
            for (int j = i; j < T; ++j, ++p)
                for (int l = 0; l < L; ++l) lane[p][l] += v[i][l] * v[j][l];
    }
    int p = 0;
    for (int i = 0; i < T; ++i)
        for (int j = i; j < T; ++j, ++p) {
            float s = 0.0f;
            for (int l = 0; l < L; ++l) s += lane[p][l];
            for (int64_t y = x; y < len; ++y) s += grads[i][x0 + y] * grads[j][x0 + y];
            acc[i * T + j] += s;
        }
}

void gram_block_pairwise(const float* const* grads, int T, int64_t x0, int64_t len, double* acc) {
    for (int i = 0; i < T; ++i)
        for (int j = i; j < T; ++j) acc[i * T + j] += dot_block(grads[i] + x0, grads[j] + x0, len);
}

void gram_block(const float* const* grads, int T, int64_t x0, int64_t len, double* acc) {
    switch (T) {
        case 2: return gram_block_fused<2>(grads, x0, len, acc);
        case 3: return gram_block_fused<3>(grads, x0, len, acc);
        case 4: return gram_block_fused<4>(grads, x0, len, acc);
        default: return gram_block_pairwise(grads, T, x0, len, acc);
    }
}

}  // namespace

void gram_f32(const float* const* grads, int T, int64_t n, double* gram_out) {
    const int pairs = T * T;
    const int64_t nblocks = (n + BLOCK - 1) / BLOCK;
    int max_workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::vector<double> partial(static_cast<size_t>(max_workers) * pairs, 0.0);
    int workers = parallel_blocks(nblocks, BLOCK * T, [&](int64_t b0, int64_t b1, int w) {
        double* acc = &partial[static_cast<size_t>(w) * pairs];
        for (int64_t blk = b0; blk < b1; ++blk) {
            int64_t x0 = blk * BLOCK;
            int64_t len = std::min(BLOCK, n - x0);
            gram_block(grads, T, x0, len, acc);
        }
    });
    for (int i = 0; i < T; ++i)
        for (int j = i; j < T; ++j) {
            double s = 0.0;
            for (int w = 0; w < workers; ++w) s += partial[static_cast<size_t>(w) * pairs + i * T + j];
            gram_out[i * T + j] = s;
            gram_out[j * T + i] = s;
        }
}

// Writes a finished block of the result. The result is not read again here, so where out is
// 16-byte aligned, streaming stores skip reading each destination line into the cache first
// (a normal store's read-for-ownership), which is a fifth of the combine pass's traffic for T = 3.
inline void store_block(float* dst, const float* src, int64_t len) {
#if defined(__SSE2__)
    if ((reinterpret_cast<uintptr_t>(dst) & 15) == 0) {
        int64_t x = 0;
        for (; x + 4 <= len; x += 4) _mm_stream_ps(dst + x, _mm_load_ps(src + x));
        for (; x < len; ++x) dst[x] = src[x];
        return;
    }
#endif
    std::memcpy(dst, src, static_cast<size_t>(len) * sizeof(float));
}

void combine_f32(const float* const* grads, int T, int64_t n, const double* weights, float* out) {
    std::vector<float> w(weights, weights + T);
    const int64_t nblocks = (n + BLOCK - 1) / BLOCK;
    parallel_blocks(nblocks, BLOCK * (T + 1), [&](int64_t b0, int64_t b1, int) {
        // Summing into a local buffer first lets out alias one of the gradients.
        alignas(64) float buf[BLOCK];
        for (int64_t blk = b0; blk < b1; ++blk) {
            int64_t x0 = blk * BLOCK;
            int64_t len = std::min(BLOCK, n - x0);
            const float* g0 = grads[0] + x0;
            for (int64_t x = 0; x < len; ++x) buf[x] = w[0] * g0[x];
            for (int k = 1; k < T; ++k) {
                const float* gk = grads[k] + x0;
                const float wk = w[k];
                for (int64_t x = 0; x < len; ++x) buf[x] += wk * gk[x];
            }
            store_block(out + x0, buf, len);
        }
#if defined(__SSE2__)
        _mm_sfence();  // make the streaming stores visible before the caller reads out
#endif
    });
}

}  // namespace mtl4j::pcgrad
