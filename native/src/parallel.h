// Splitting a loop over blocks across std::threads (no OpenMP runtime: the library is loaded
// into JVMs that already carry LibTorch's).
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace mtl4j::pcgrad {

// Below this many floats touched, a single thread is faster than starting threads.
constexpr int64_t MIN_FLOATS_PER_THREAD = int64_t{1} << 18;

// Runs fn(first_block, end_block, worker) over [0, nblocks) on up to
// hardware_concurrency() threads, the calling thread being worker 0.
template <typename Fn>
int parallel_blocks(int64_t nblocks, int64_t floats_per_block, Fn fn) {
    int64_t hw = std::max(1u, std::thread::hardware_concurrency());
    int64_t by_size = std::max<int64_t>(1, nblocks * floats_per_block / MIN_FLOATS_PER_THREAD);
    int workers = static_cast<int>(std::min({hw, by_size, nblocks}));
    std::vector<std::thread> threads;
    auto range = [&](int w) { return nblocks * w / workers; };
    int started = 1;
    try {
        for (; started < workers; ++started)
            threads.emplace_back(fn, range(started), range(started + 1), started);
    } catch (...) {
        // Could not start a thread: do the remaining ranges here.
    }
    fn(range(0), range(1), 0);
    for (int w = started; w < workers; ++w) fn(range(w), range(w + 1), w);
    for (auto& t : threads) t.join();
    return workers;
}

}  // namespace mtl4j::pcgrad
