#include "router/linear_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

namespace switchyard::router {
namespace {

constexpr std::size_t kClasses = 3;

// Class c is marked by features 100 * (c + 1) .. +4 (each example has two of them), and
// every example also carries two of ten noise features that say nothing about the class.
std::vector<Example> synthetic_examples(std::size_t count, std::uint64_t salt) {
  std::vector<Example> examples;
  for (std::size_t i = 0; i < count; ++i) {
    const auto label = static_cast<std::uint32_t>(i % kClasses);
    const std::uint64_t base = 100 * (label + 1);
    Example example;
    example.label = label;
    example.features.push_back({base + (i + salt) % 5, 0.5F});
    example.features.push_back({base + (i * 3 + salt + 1) % 5, 0.5F});
    example.features.push_back({1000 + (i * 7 + salt) % 10, 0.5F});
    example.features.push_back({1000 + (i * 11 + salt + 3) % 10, 0.5F});
    examples.push_back(std::move(example));
  }
  return examples;
}

std::size_t argmax(const std::vector<float>& values) {
  return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

double accuracy(const LinearModel& model, const std::vector<Example>& examples) {
  std::vector<float> scores(model.classes());
  std::size_t correct = 0;
  for (const Example& example : examples) {
    model.scores(example.features, scores);
    correct += argmax(scores) == example.label ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(examples.size());
}

std::vector<float> all_scores(const LinearModel& model, const std::vector<Example>& examples) {
  std::vector<float> out;
  std::vector<float> scores(model.classes());
  for (const Example& example : examples) {
    model.scores(example.features, scores);
    out.insert(out.end(), scores.begin(), scores.end());
  }
  return out;
}

TEST(LinearModel, LearnsSeparableClassesWithEitherLoss) {
  const auto training = synthetic_examples(300, 0);
  const auto test = synthetic_examples(90, 17);
  for (const Loss loss : {Loss::kSoftmax, Loss::kHinge}) {
    LinearTrainingOptions options;
    options.loss = loss;
    const LinearModel model = LinearModel::train(training, kClasses, options);
    EXPECT_EQ(model.classes(), kClasses);
    EXPECT_EQ(accuracy(model, test), 1.0) << "loss " << static_cast<int>(loss);
  }
}

TEST(LinearModel, UntrainedFeaturesScoreNothing) {
  const LinearModel model =
      LinearModel::train(synthetic_examples(60, 0), kClasses, LinearTrainingOptions{});
  std::vector<float> unknown(kClasses);
  std::vector<float> none(kClasses);
  const std::vector<Feature> never_seen = {{999999, 1.0F}};
  model.scores(never_seen, unknown);
  model.scores({}, none);
  EXPECT_EQ(unknown, none);
}

TEST(LinearModel, ProbabilitiesSumToOne) {
  const auto examples = synthetic_examples(60, 0);
  const LinearModel model = LinearModel::train(examples, kClasses, LinearTrainingOptions{});
  std::vector<float> p(kClasses);
  model.probabilities(examples[0].features, p);
  EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-5);
  EXPECT_GT(p[examples[0].label], 0.5F);
}

TEST(LinearModel, SeededTrainingIsReproducible) {
  const auto examples = synthetic_examples(300, 0);
  LinearTrainingOptions options;
  options.feature_dropout = 0.3F;  // dropout draws from the seed too
  const LinearModel first = LinearModel::train(examples, kClasses, options);
  const LinearModel second = LinearModel::train(examples, kClasses, options);
  EXPECT_EQ(all_scores(first, examples), all_scores(second, examples));
  options.seed = 2;
  const LinearModel other = LinearModel::train(examples, kClasses, options);
  EXPECT_NE(all_scores(first, examples), all_scores(other, examples));
}

TEST(LinearModel, MinCountDropsRareFeatures) {
  auto examples = synthetic_examples(60, 0);
  examples[0].features.push_back({424242, 1.0F});  // seen once
  LinearTrainingOptions options;
  options.min_count = 2;
  const LinearModel model = LinearModel::train(examples, kClasses, options);
  std::vector<float> with(kClasses);
  std::vector<float> without(kClasses);
  model.scores(examples[0].features, with);
  examples[0].features.pop_back();
  model.scores(examples[0].features, without);
  EXPECT_EQ(with, without);
}

TEST(LinearModel, PruningKeepsFewerWeights) {
  const auto examples = synthetic_examples(300, 0);
  LinearTrainingOptions options;
  const LinearModel full = LinearModel::train(examples, kClasses, options);
  options.prune_below = 0.5F;
  const LinearModel pruned = LinearModel::train(examples, kClasses, options);
  EXPECT_LT(pruned.weight_count(), full.weight_count());
  EXPECT_EQ(accuracy(pruned, synthetic_examples(90, 17)), 1.0);
}

// Keeping whole rows changes how a row is stored and summed, not what it scores: the pruned
// weights come back (which moves scores only by what pruning took away), and a model with
// every row whole scores exactly as one never pruned.
TEST(LinearModel, WholeRowsScoreAsTheUnprunedWeights) {
  const auto examples = synthetic_examples(300, 0);
  LinearTrainingOptions options;
  const LinearModel unpruned = LinearModel::train(examples, kClasses, options);
  options.prune_below = 0.5F;
  options.whole_row_share = 0.0F;  // any row that keeps a weight keeps them all
  const LinearModel whole = LinearModel::train(examples, kClasses, options);
  EXPECT_EQ(whole.weight_count(), whole.feature_count() * kClasses);
  EXPECT_EQ(all_scores(whole, examples), all_scores(unpruned, examples));

  ByteWriter out;
  whole.write(out);
  ByteReader in(out.data());
  auto read = LinearModel::read(in);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(all_scores(*read, examples), all_scores(whole, examples));
}

// Whole rows are summed by position, so a file whose row lists a class twice or out of order
// is refused rather than scored wrongly.
TEST(LinearModel, RefusesARowWhoseClassesAreOutOfOrder) {
  ByteWriter out;
  out.put(std::uint32_t{2});  // classes
  out.put(std::uint32_t{1});  // features
  out.put(std::uint64_t{2});  // weights
  out.put(0.0F);
  out.put(0.0F);
  out.put(std::uint64_t{7});  // key
  out.put(std::uint16_t{2});
  out.put(0.5F);
  for (const std::uint16_t c : {std::uint16_t{1}, std::uint16_t{1}}) {
    out.put(c);
    out.put(std::int8_t{3});
  }
  ByteReader in(out.data());
  auto read = LinearModel::read(in);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().find("bad weight"), std::string::npos) << read.error();
}

TEST(LinearModel, RoundTripsThroughBytesExactly) {
  const auto examples = synthetic_examples(300, 0);
  const LinearModel model = LinearModel::train(examples, kClasses, LinearTrainingOptions{});
  ByteWriter out;
  model.write(out);
  ByteReader in(out.data());
  auto read = LinearModel::read(in);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(read->weight_count(), model.weight_count());
  EXPECT_EQ(all_scores(*read, examples), all_scores(model, examples));
}

TEST(LinearModel, RefusesEveryTruncation) {
  const LinearModel model =
      LinearModel::train(synthetic_examples(60, 0), kClasses, LinearTrainingOptions{});
  ByteWriter out;
  model.write(out);
  const std::string_view bytes = out.data();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    ByteReader in(bytes.substr(0, size));
    EXPECT_FALSE(LinearModel::read(in).ok()) << "accepted " << size << " of " << bytes.size();
  }
}

TEST(LinearModel, RefusesAHeaderThatPromisesMoreThanTheBytes) {
  ByteWriter out;
  out.put(std::uint32_t{3});
  out.put(std::uint32_t{4000000000U});  // features
  out.put(std::uint64_t{1} << 40);      // weights
  ByteReader in(out.data());
  auto read = LinearModel::read(in);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().find("do not fit"), std::string::npos);
}

TEST(Softmax, IsStableForLargeScores) {
  std::vector<float> scores = {1000.0F, 1000.0F, -1000.0F};
  softmax(scores);
  EXPECT_FLOAT_EQ(scores[0], 0.5F);
  EXPECT_FLOAT_EQ(scores[2], 0.0F);
}

}  // namespace
}  // namespace switchyard::router
