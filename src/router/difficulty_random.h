// A small seeded generator (SplitMix64) for the difficulty scorer's split and training order.
// std::mt19937 is portable too, but the standard distributions are not: the same seed must give
// the same model on every compiler, so the scorer draws only through these methods.
// Not thread-safe; one per use.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace switchyard::router {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound); the slight modulo bias is irrelevant at our sizes.
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

  // Uniform in [0, 1).
  double unit() {
    constexpr double kScale = 1.0 / 9007199254740992.0;  // 2^-53
    return static_cast<double>(next() >> 11) * kScale;
  }

  // Fisher-Yates.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[below(i)]);
    }
  }

 private:
  std::uint64_t state_;
};

}  // namespace switchyard::router
