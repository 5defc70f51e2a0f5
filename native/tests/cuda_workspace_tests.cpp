// The CUDA Gram pass's workspace layout (src/pcgrad_cuda_workspace.h), checked on the host:
// every value must sit at an address aligned for its type (a misaligned double store is a
// sticky CUDA error that breaks the whole context), and the two regions must not overlap.
#include <cstdio>
#include <string>

#include "../src/pcgrad_cuda_workspace.h"

int main() {
    int failed = 0, passed = 0;
    for (size_t acc : {sizeof(float), sizeof(double)})
        for (int T = 2; T <= 64; ++T)
            for (int blocks : {1, 2, 3, 7, 255, 1056, 1057}) {
                int pairs = T * (T + 1) / 2;
                auto w = mtl4j::pcgrad::gram_workspace(blocks, pairs, acc);
                size_t partials_end = w.partials_offset + static_cast<size_t>(blocks) * pairs * acc;
                size_t sums_end = w.sums_offset + pairs * sizeof(double);
                bool aligned = w.partials_offset % acc == 0 && w.sums_offset % sizeof(double) == 0;
                bool disjoint = partials_end <= w.sums_offset || sums_end <= w.partials_offset;
                bool inside = partials_end <= w.bytes && sums_end <= w.bytes;
                if (aligned && disjoint && inside) {
                    ++passed;
                } else {
                    ++failed;
                    std::printf("FAIL: acc %zu bytes, T = %d, %d blocks: partials at %zu, sums at %zu, %zu bytes\n",
                                acc, T, blocks, w.partials_offset, w.sums_offset, w.bytes);
                }
            }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
