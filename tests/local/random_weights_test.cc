#include "local/random_weights.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace switchyard::local {
namespace {

// Large enough to span several chunks, so the threaded path runs.
constexpr size_t kValues = size_t{3} << 20;

TEST(RandomWeights, HasTheRequestedMeanAndSpread) {
  std::vector<float> values(kValues);
  fill_random_normal(values, 0.02F, 7, stable_hash("blk.0.attn_q.weight"));
  double sum = 0;
  double squares = 0;
  for (const float value : values) {
    sum += value;
    squares += static_cast<double>(value) * value;
  }
  const double mean = sum / kValues;
  const double stddev = std::sqrt(squares / kValues - mean * mean);
  EXPECT_NEAR(mean, 0.0, 1e-4);
  EXPECT_NEAR(stddev, 0.02, 2e-4);
}

TEST(RandomWeights, SameSeedAndStreamGiveTheSameValues) {
  std::vector<float> first(kValues);
  std::vector<float> second(kValues);
  fill_random_normal(first, 0.02F, 7, 11);
  fill_random_normal(second, 0.02F, 7, 11);
  EXPECT_EQ(first, second);
}

TEST(RandomWeights, OtherSeedOrStreamGivesOtherValues) {
  std::vector<float> base(1024);
  std::vector<float> other_seed(1024);
  std::vector<float> other_stream(1024);
  fill_random_normal(base, 0.02F, 7, 11);
  fill_random_normal(other_seed, 0.02F, 8, 11);
  fill_random_normal(other_stream, 0.02F, 7, 12);
  EXPECT_NE(base, other_seed);
  EXPECT_NE(base, other_stream);
}

TEST(RandomWeights, StableHashIsFnv1a) {
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cULL);
}

}  // namespace
}  // namespace switchyard::local
