// The difficulty scorer: how likely the weak model is to fail a request that the strong model
// would answer, from the prompt text alone. The router escalates requests that score above a
// threshold to the strong (frontier) tier, and one setting, the share of requests to escalate,
// picks that threshold from the score quantiles the model file carries.
//
// The score estimates the expected gain of answering with the strong model instead of the
// weak one, P(only the strong is right) - P(only the weak is right), as a blend of three
// estimates of that one quantity:
//   - a linear model over PromptFeatures (difficulty_features.h) with softmax over the four
//     outcome pairs: P(strong right, weak wrong) - P(weak right, strong wrong);
//   - optionally a topic prior: a topic classifier (trained when the data names a topic, such
//     as a subject; at serving time the topic is only ever inferred from the text) whose
//     probabilities weight each topic's mean gain in training;
//   - boosted depth-two trees over the dense features, which catch interactions the linear
//     model cannot (the count of numbers matters in a word problem, not in a law question).
// The blend weights are fixed at training (DifficultyTrainingOptions) and kept in the model.
//
// Training draws no random numbers (L-BFGS on convex objectives, exhaustive tree splits): the
// same examples and options give the same model file byte for byte; the seed that matters is
// the caller's, for the split into training and held-out data. A DifficultyScorer is immutable
// after training or loading; score() and threshold_for_share() may be called from any number of
// threads at once.
//
// Example:
//   auto scorer = DifficultyScorer::load("models/router/difficulty.bin");
//   if (!scorer) { ... scorer.error() ... }
//   const double threshold = scorer->threshold_for_share(0.2);  // escalate about 20%
//   const bool to_frontier = scorer->score(prompt) > threshold;
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace switchyard::router {

// One training example. `topic` is an optional auxiliary label (an index below the topic
// count given to train), or -1 when the data has none.
struct DifficultyExample {
  std::string_view prompt;
  bool weak_correct = false;
  bool strong_correct = false;
  int topic = -1;
};

struct DifficultyTrainingOptions {
  std::size_t topic_count = 0;  // 0: no topic classifier
  // The blend; a part that is absent (no topics) has its weight spread over the others.
  double linear_weight = 1.0 / 3;
  double topic_weight = 1.0 / 3;
  double trees_weight = 1.0 / 3;
  unsigned gain_hash_bits = 16;
  unsigned topic_hash_bits = 14;
  double gain_l2 = 1e-4;
  double topic_l2 = 1e-5;
  double dense_l2 = 1e-3;
  double topic_smoothing = 10;  // pseudo-examples at the overall mean in each topic's gain
  int trees = 200;
  double tree_learning_rate = 0.04;
};

// A score and the three estimates it blends (0 for a part the model does not have).
struct DifficultyParts {
  double score = 0;
  double linear = 0;
  double topic = 0;
  double trees = 0;
};

class DifficultyScorer {
 public:
  struct Model;  // difficulty_model.h

  // Trains on `examples` (at least one). The share quantiles are set from the training
  // scores; call calibrate() with held-out prompts for honest ones.
  static DifficultyScorer train(std::span<const DifficultyExample> examples,
                                const DifficultyTrainingOptions& options);

  // Reads a model file. A missing, truncated, corrupt or foreign file is an error naming the
  // file and what is wrong with it.
  static Result<DifficultyScorer, std::string> load(const std::string& path);
  static Result<DifficultyScorer, std::string> from_bytes(std::string_view bytes);

  Result<bool, std::string> save(const std::string& path) const;
  std::string to_bytes() const;

  // Higher means more worth escalating. Deterministic for a given model and prompt.
  double score(std::string_view prompt) const;
  // The same score with its parts, to explain a decision.
  DifficultyParts parts(std::string_view prompt) const;

  // The score above which `share` (in [0, 1]) of requests like the calibration ones score:
  // escalating score > threshold_for_share(0.2) escalates about 20% of them.
  double threshold_for_share(double share) const;

  // Stores the quantiles of `scores` (scores of prompts the model did not train on).
  void calibrate(std::span<const double> scores);

  bool has_topics() const;

 private:
  explicit DifficultyScorer(std::shared_ptr<const Model> model) : model_(std::move(model)) {}
  std::shared_ptr<const Model> model_;
};

}  // namespace switchyard::router
