// Layout of the Gram pass's device workspace (one cudaMallocAsync): blocks x P partial sums
// of the accumulation type and the P double sums the reduction kernel writes. Plain host
// code, so that the layout is tested without a GPU (tests/cuda_workspace_tests.cpp).
#pragma once

#include <cstddef>

namespace mtl4j::pcgrad {

struct GramWorkspace {
    size_t partials_offset;  // blocks * pairs values of acc_size bytes
    size_t sums_offset;      // pairs doubles
    size_t bytes;
};

// The doubles come first: after blocks * pairs floats (an odd count for T = 2, 5, 6, ... and an
// odd number of blocks) they would sit 4 bytes off an 8-byte boundary.
inline GramWorkspace gram_workspace(int blocks, int pairs, size_t acc_size) {
    size_t sums = static_cast<size_t>(pairs) * sizeof(double);
    return {sums, 0, sums + static_cast<size_t>(blocks) * pairs * acc_size};
}

}  // namespace mtl4j::pcgrad
