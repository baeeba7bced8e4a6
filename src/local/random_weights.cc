#include "local/random_weights.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace switchyard::local {
namespace {

// Work is cut into chunks of this many values, each with its own generator state, so the
// output does not depend on which thread takes which chunk.
constexpr size_t kChunkValues = size_t{1} << 18;

// Below this many chunks, threads cost more than they save.
constexpr size_t kMinChunksForThreads = 4;

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// SplitMix64 (Steele, Lea and Flood): one 64-bit output per step, good enough statistically for
// weights and far cheaper than std::mt19937 plus std::normal_distribution.
uint64_t split_mix(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t mixed = state;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

uint64_t chunk_state(uint64_t seed, uint64_t stream, uint64_t chunk) {
  uint64_t state = seed;
  state = split_mix(state) ^ stream;
  state = split_mix(state) ^ chunk;
  return split_mix(state);
}

// The four 16-bit quarters of one draw are summed: mean 2 * 65535, standard deviation
// 65536 / sqrt(3), and by the central limit theorem close to a normal shape.
void fill_chunk(std::span<float> values, float stddev, uint64_t state) {
  constexpr uint64_t kQuarterMask = 0xffff;
  constexpr double kSumMean = 2.0 * 65535.0;
  const auto scale = static_cast<float>(stddev * std::sqrt(3.0) / 65536.0);
  for (float& value : values) {
    const uint64_t bits = split_mix(state);
    const uint64_t sum = (bits & kQuarterMask) + ((bits >> 16) & kQuarterMask) +
                         ((bits >> 32) & kQuarterMask) + (bits >> 48);
    value = static_cast<float>(static_cast<double>(sum) - kSumMean) * scale;
  }
}

// Runs work(0) ... work(count - 1) on up to one thread per core.
void for_each_chunk(size_t count, const std::function<void(size_t)>& work) {
  const size_t threads = std::min<size_t>(count, std::max(1U, std::thread::hardware_concurrency()));
  if (count < kMinChunksForThreads || threads < 2) {
    for (size_t index = 0; index < count; ++index) {
      work(index);
    }
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::jthread> workers;
  workers.reserve(threads);
  for (size_t thread = 0; thread < threads; ++thread) {
    workers.emplace_back([&] {
      for (size_t index = next++; index < count; index = next++) {
        work(index);
      }
    });
  }
}

}  // namespace

void fill_random_normal(std::span<float> values, float stddev, uint64_t seed, uint64_t stream) {
  const size_t chunks = (values.size() + kChunkValues - 1) / kChunkValues;
  for_each_chunk(chunks, [&](size_t chunk) {
    const size_t begin = chunk * kChunkValues;
    const size_t size = std::min(kChunkValues, values.size() - begin);
    fill_chunk(values.subspan(begin, size), stddev, chunk_state(seed, stream, chunk));
  });
}

uint64_t stable_hash(std::string_view text) {
  uint64_t hash = kFnvOffset;
  for (const char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  return hash;
}

}  // namespace switchyard::local
