#include "router/difficulty_scorer.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "router/difficulty_model.h"

namespace switchyard::router {
namespace {

// Escalated shares 0, 0.001, ..., 1.
constexpr std::size_t kQuantileCount = 1001;
// The threshold that escalates everything.
constexpr float kBelowAll = std::numeric_limits<float>::lowest();

constexpr std::uint8_t kWeakWrongStrongRight = 1;  // label = 2 * weak_correct + strong_correct
constexpr std::uint8_t kWeakRightStrongWrong = 2;

std::uint8_t outcome_label(bool weak_correct, bool strong_correct) {
  return static_cast<std::uint8_t>(2 * static_cast<int>(weak_correct) +
                                   static_cast<int>(strong_correct));
}

float gain_of(bool weak_correct, bool strong_correct) {
  return static_cast<float>(strong_correct) - static_cast<float>(weak_correct);
}

// Softmax of `logits` in place.
void normalise(std::span<float> logits) {
  const float top = *std::max_element(logits.begin(), logits.end());
  float total = 0;
  for (float& value : logits) {
    value = std::exp(value - top);
    total += value;
  }
  for (float& value : logits) {
    value /= total;
  }
}

// The features of `from` in a smaller hash space: extraction keeps a hash's low bits, so
// masking the buckets gives exactly what extracting with `hash_bits` would.
void fold_features(const PromptFeatures& from, unsigned hash_bits, PromptFeatures& to) {
  const std::uint32_t mask = (1U << hash_bits) - 1;
  to.buckets.clear();
  for (const std::uint32_t bucket : from.buckets) {
    to.buckets.push_back(bucket & mask);
  }
  settle_buckets(hash_bits, to);
  to.dense = from.dense;
}

// The three estimates of the gain that the score blends.
struct Estimates {
  float linear = 0;
  float topic = 0;
  float trees = 0;
};

// Scratch space for one score, reused by the thread so that scoring does not allocate.
struct Scratch {
  PromptFeatures wide;
  PromptFeatures narrow;
  std::vector<float> outputs;
};

Estimates estimate(const DifficultyScorer::Model& model, const PromptFeatures& gain_features,
                   const PromptFeatures* topic_features, std::vector<float>& outputs) {
  Estimates out;
  outputs.resize(kOutcomePairs);
  model.gain.logits(gain_features, outputs);
  normalise(outputs);
  out.linear = outputs[kWeakWrongStrongRight] - outputs[kWeakRightStrongWrong];
  if (topic_features != nullptr) {
    outputs.resize(model.topic_count());
    model.topic.logits(*topic_features, outputs);
    normalise(outputs);
    for (std::size_t t = 0; t < outputs.size(); ++t) {
      out.topic += outputs[t] * model.topic_gain[t];
    }
  }
  out.trees = model.trees.predict(gain_features.dense);
  return out;
}

double blend(const DifficultyScorer::Model& model, const Estimates& e) {
  return model.blend[0] * e.linear + model.blend[1] * e.topic + model.blend[2] * e.trees;
}

// quantiles[j]: the score that share j / (count - 1) of `scores` exceed.
std::vector<float> share_quantiles(std::span<const double> scores) {
  std::vector<double> sorted(scores.begin(), scores.end());
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  std::vector<float> quantiles(kQuantileCount, kBelowAll);
  if (sorted.empty()) {
    return quantiles;
  }
  const std::size_t n = sorted.size();
  for (std::size_t j = 0; j + 1 < kQuantileCount; ++j) {
    const auto escalated = static_cast<std::size_t>(std::lround(
        static_cast<double>(j) / static_cast<double>(kQuantileCount - 1) * static_cast<double>(n)));
    // Halfway between the last escalated and the first kept score.
    quantiles[j] =
        static_cast<float>(escalated == 0   ? sorted[0]
                           : escalated >= n ? sorted[n - 1] - 1
                                            : (sorted[escalated - 1] + sorted[escalated]) / 2);
  }
  return quantiles;
}

std::array<float, kBlendParts> blend_weights(const DifficultyTrainingOptions& options,
                                             bool topics) {
  std::array<float, kBlendParts> weights{static_cast<float>(options.linear_weight),
                                         topics ? static_cast<float>(options.topic_weight) : 0,
                                         static_cast<float>(options.trees_weight)};
  float total = weights[0] + weights[1] + weights[2];
  if (total <= 0) {
    weights = {1, 0, 0};
    total = 1;
  }
  for (float& weight : weights) {
    weight /= total;
  }
  return weights;
}

PromptLinearModel train_topics(std::span<const PromptFeatures> features,
                               std::span<const DifficultyExample> examples,
                               const DifficultyTrainingOptions& options,
                               std::vector<float>& topic_gain) {
  std::vector<PromptFeatures> folded;
  std::vector<std::uint8_t> labels;
  std::vector<double> sums(options.topic_count, 0.0);
  std::vector<double> counts(options.topic_count, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    if (examples[i].topic < 0) {
      continue;
    }
    const auto topic = static_cast<std::size_t>(examples[i].topic);
    assert(topic < options.topic_count);
    folded.emplace_back();
    fold_features(features[i], options.topic_hash_bits, folded.back());
    labels.push_back(static_cast<std::uint8_t>(topic));
    const float gain = gain_of(examples[i].weak_correct, examples[i].strong_correct);
    sums[topic] += gain;
    counts[topic] += 1;
    total += gain;
  }
  const double mean = folded.empty() ? 0.0 : total / static_cast<double>(folded.size());
  topic_gain.resize(options.topic_count);
  for (std::size_t t = 0; t < options.topic_count; ++t) {
    topic_gain[t] = static_cast<float>((sums[t] + options.topic_smoothing * mean) /
                                       (counts[t] + options.topic_smoothing));
  }
  LinearOptions linear;
  linear.hash_bits = options.topic_hash_bits;
  linear.outputs = options.topic_count;
  linear.l2 = options.topic_l2;
  linear.dense_l2 = options.dense_l2;
  return PromptLinearModel::train(folded, labels, linear);
}

}  // namespace

DifficultyScorer DifficultyScorer::train(std::span<const DifficultyExample> examples,
                                         const DifficultyTrainingOptions& options) {
  assert(!examples.empty());
  assert(options.topic_count <= std::numeric_limits<std::uint8_t>::max() + 1U);
  std::vector<PromptFeatures> features(examples.size());
  std::vector<std::uint8_t> labels(examples.size());
  std::vector<float> dense(examples.size() * kDenseFeatureCount);
  std::vector<float> gains(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) {
    extract_features(examples[i].prompt, options.gain_hash_bits, features[i]);
    labels[i] = outcome_label(examples[i].weak_correct, examples[i].strong_correct);
    gains[i] = gain_of(examples[i].weak_correct, examples[i].strong_correct);
    std::copy(features[i].dense.begin(), features[i].dense.end(),
              dense.begin() + static_cast<long>(i * kDenseFeatureCount));
  }

  auto model = std::make_shared<Model>();
  LinearOptions linear;
  linear.hash_bits = options.gain_hash_bits;
  linear.outputs = kOutcomePairs;
  linear.l2 = options.gain_l2;
  linear.dense_l2 = options.dense_l2;
  model->gain = PromptLinearModel::train(features, labels, linear);
  const bool topics = options.topic_count > 0 &&
                      std::any_of(examples.begin(), examples.end(),
                                  [](const DifficultyExample& e) { return e.topic >= 0; });
  if (topics) {
    assert(options.topic_hash_bits <= options.gain_hash_bits);
    model->topic = train_topics(features, examples, options, model->topic_gain);
  }
  BoostingOptions boosting;
  boosting.trees = options.trees;
  boosting.learning_rate = options.tree_learning_rate;
  model->trees = BoostedTrees::train(dense, kDenseFeatureCount, gains, boosting);
  model->blend = blend_weights(options, topics);

  DifficultyScorer scorer(model);
  std::vector<double> scores;
  scores.reserve(examples.size());
  for (const DifficultyExample& example : examples) {
    scores.push_back(scorer.score(example.prompt));
  }
  model->quantiles = share_quantiles(scores);
  return scorer;
}

DifficultyParts DifficultyScorer::parts(std::string_view prompt) const {
  thread_local Scratch scratch;
  const Model& model = *model_;
  extract_features(prompt, model.gain.hash_bits(), scratch.wide);
  const PromptFeatures* topic = nullptr;
  if (model.topic_count() > 0) {
    fold_features(scratch.wide, model.topic.hash_bits(), scratch.narrow);
    topic = &scratch.narrow;
  }
  const Estimates estimates = estimate(model, scratch.wide, topic, scratch.outputs);
  return {blend(model, estimates), estimates.linear, estimates.topic, estimates.trees};
}

double DifficultyScorer::score(std::string_view prompt) const {
  return parts(prompt).score;
}

double DifficultyScorer::threshold_for_share(double share) const {
  const std::vector<float>& quantiles = model_->quantiles;
  const double position = std::clamp(share, 0.0, 1.0) * static_cast<double>(quantiles.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  if (below + 1 >= quantiles.size() || quantiles[below + 1] == kBelowAll) {
    return position == static_cast<double>(below) ? quantiles[below] : kBelowAll;
  }
  const double fraction = position - static_cast<double>(below);
  return quantiles[below] + fraction * (quantiles[below + 1] - quantiles[below]);
}

void DifficultyScorer::calibrate(std::span<const double> scores) {
  auto copy = std::make_shared<Model>(*model_);
  copy->quantiles = share_quantiles(scores);
  model_ = std::move(copy);
}

bool DifficultyScorer::has_topics() const {
  return model_->topic_count() > 0;
}

std::string DifficultyScorer::to_bytes() const {
  return encode_model(*model_);
}

Result<DifficultyScorer, std::string> DifficultyScorer::from_bytes(std::string_view bytes) {
  auto model = decode_model(bytes);
  if (!model) {
    return fail(std::move(model).error());
  }
  return DifficultyScorer(std::make_shared<const Model>(std::move(model).value()));
}

Result<DifficultyScorer, std::string> DifficultyScorer::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return fail(fmt::format("cannot open difficulty model {}", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  auto scorer = from_bytes(contents.str());
  if (!scorer) {
    return fail(fmt::format("difficulty model {}: {}", path, scorer.error()));
  }
  return scorer;
}

Result<bool, std::string> DifficultyScorer::save(const std::string& path) const {
  const std::string bytes = to_bytes();
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file) {
    return fail(fmt::format("cannot write {}", path));
  }
  return true;
}

}  // namespace switchyard::router
