#include "router/linear_model.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

namespace switchyard::router {
namespace {

// AdaGrad's accumulators start here rather than at 0, so that a feature's first steps are not
// full-size jumps in every class the softmax touches.
constexpr float kAdagradStart = 0.1F;
// A class whose softmax gradient is this small would move nothing visible; skipping it makes
// an epoch several times faster once the model fits, without changing results measurably.
constexpr float kMinGradient = 1e-4F;
constexpr float kQuantizationSteps = 127.0F;  // weights are stored as int8 times a row scale
constexpr std::uint32_t kMaxClasses = std::numeric_limits<std::uint16_t>::max();
// Bytes per feature and per weight in a file, to check sizes before allocating anything.
constexpr std::size_t kFeatureHeaderBytes =
    sizeof(std::uint64_t) + sizeof(std::uint16_t) + sizeof(float);
constexpr std::size_t kWeightBytes = sizeof(std::uint16_t) + sizeof(std::int8_t);

// SplitMix64: a small seeded generator whose sequence is the same on every platform, unlike
// the standard distributions.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), for bound < 2^32.
  std::size_t below(std::size_t bound) { return ((next() >> 32) * bound) >> 32; }
  // Uniform in [0, 1).
  float unit() { return static_cast<float>(next() >> 40) / static_cast<float>(1ULL << 24); }

 private:
  std::uint64_t state_;
};

struct IndexedFeature {
  std::uint32_t row = 0;
  float value = 0;
};

struct IndexedExample {
  std::vector<IndexedFeature> features;
  std::uint32_t label = 0;
  float weight = 1.0F;
};

// Rows in order of first appearance, so the layout depends only on the examples' order.
std::vector<std::uint64_t> kept_keys(std::span<const Example> examples, std::uint32_t min_count) {
  std::unordered_map<std::uint64_t, std::uint32_t> counts;
  std::vector<std::uint64_t> order;
  for (const Example& example : examples) {
    for (const Feature& feature : example.features) {
      if (counts[feature.key]++ == 0) {
        order.push_back(feature.key);
      }
    }
  }
  std::erase_if(order, [&](std::uint64_t key) { return counts[key] < min_count; });
  return order;
}

std::vector<IndexedExample> index_examples(std::span<const Example> examples,
                                           const std::vector<std::uint64_t>& keys) {
  std::unordered_map<std::uint64_t, std::uint32_t> rows;
  rows.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    rows.emplace(keys[i], static_cast<std::uint32_t>(i));
  }
  std::vector<IndexedExample> indexed;
  indexed.reserve(examples.size());
  for (const Example& example : examples) {
    IndexedExample out{{}, example.label, example.weight};
    for (const Feature& feature : example.features) {
      if (const auto found = rows.find(feature.key); found != rows.end()) {
        out.features.push_back({found->second, feature.value});
      }
    }
    indexed.push_back(std::move(out));
  }
  return indexed;
}

// The weights being learned: current values, AdaGrad accumulators and the running sums that
// give the average (w_avg = w - sum / steps, with each update added to sum times its step).
class Weights {
 public:
  Weights(std::size_t rows, std::size_t classes, const LinearTrainingOptions& options)
      : classes_(classes),
        options_(options),
        current_((rows + 1) * classes, 0.0F),
        squares_((rows + 1) * classes, kAdagradStart),
        sums_(options.average ? (rows + 1) * classes : 0, 0.0F) {}

  // Row `rows` (the last) holds the biases.
  float* row(std::size_t r) { return &current_[r * classes_]; }

  // One AdaGrad step on the weights of row `r` for the classes in `moved`, whose gradients
  // are `gradient[c] * scale`, plus weight decay if `decay`.
  void step_row(std::size_t r, const std::vector<std::uint32_t>& moved, const float* gradient,
                float scale, bool decay) {
    float* weights = &current_[r * classes_];
    float* squares = &squares_[r * classes_];
    float* sums = options_.average ? &sums_[r * classes_] : nullptr;
    const float l2 = decay ? options_.l2 : 0.0F;
    const auto step = static_cast<float>(steps_);
    for (const std::uint32_t c : moved) {
      const float g = gradient[c] * scale + l2 * weights[c];
      squares[c] += g * g;
      const float delta = -options_.learning_rate * g / std::sqrt(squares[c]);
      weights[c] += delta;
      if (sums != nullptr) {
        sums[c] += step * delta;
      }
    }
  }
  void next_example() { ++steps_; }

  // The weights to keep: the average if asked for, else the last.
  std::vector<float> result() const {
    std::vector<float> out = current_;
    if (options_.average) {
      const auto steps = static_cast<float>(steps_);
      for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] -= sums_[i] / steps;
      }
    }
    return out;
  }

 private:
  std::size_t classes_;
  const LinearTrainingOptions& options_;
  std::vector<float> current_;
  std::vector<float> squares_;
  std::vector<float> sums_;
  std::uint64_t steps_ = 1;
};

// The features of one step, with dropout applied.
void visible_features(const IndexedExample& example, float dropout, Random& random,
                      std::vector<IndexedFeature>& out) {
  out.clear();
  if (dropout <= 0) {
    out = example.features;
    return;
  }
  const float keep_scale = 1.0F / (1.0F - dropout);
  for (const IndexedFeature& feature : example.features) {
    if (random.unit() >= dropout) {
      out.push_back({feature.row, feature.value * keep_scale});
    }
  }
}

void score_rows(Weights& weights, std::size_t bias_row, std::size_t classes,
                const std::vector<IndexedFeature>& features, std::vector<float>& out) {
  const float* bias = weights.row(bias_row);
  out.assign(bias, bias + classes);
  for (const IndexedFeature& feature : features) {
    const float* row = weights.row(feature.row);
    for (std::size_t c = 0; c < classes; ++c) {
      out[c] += row[c] * feature.value;
    }
  }
}

// Gradient of the loss in each class's score for one example; false if it is zero.
bool score_gradient(Loss loss, std::uint32_t label, std::vector<float>& scores) {
  if (loss == Loss::kSoftmax) {
    softmax(scores);
    scores[label] -= 1.0F;
    return true;
  }
  float rival_score = -std::numeric_limits<float>::infinity();
  std::size_t rival = 0;
  for (std::size_t c = 0; c < scores.size(); ++c) {
    if (c != label && scores[c] > rival_score) {
      rival_score = scores[c];
      rival = c;
    }
  }
  const bool violated = scores[label] - rival_score < 1.0F;
  std::fill(scores.begin(), scores.end(), 0.0F);
  scores[label] = violated ? -1.0F : 0.0F;
  scores[rival] = violated ? 1.0F : 0.0F;
  return violated;
}

}  // namespace

void softmax(std::span<float> scores) {
  if (scores.empty()) {
    return;
  }
  const float top = *std::max_element(scores.begin(), scores.end());
  float total = 0;
  for (float& score : scores) {
    score = std::exp(score - top);
    total += score;
  }
  for (float& score : scores) {
    score /= total;
  }
}

LinearModel LinearModel::train(std::span<const Example> examples, std::size_t classes,
                               const LinearTrainingOptions& options) {
  assert(classes >= 2 && classes <= kMaxClasses);
  const std::vector<std::uint64_t> keys = kept_keys(examples, options.min_count);
  const std::vector<IndexedExample> indexed = index_examples(examples, keys);
  const std::size_t bias_row = keys.size();
  Weights weights(keys.size(), classes, options);
  Random random(options.seed);
  std::vector<std::size_t> order(indexed.size());
  std::vector<IndexedFeature> visible;
  std::vector<float> gradient;
  std::vector<std::uint32_t> moved;  // classes whose gradient is not negligible

  for (std::uint32_t epoch = 0; epoch < options.epochs; ++epoch) {
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[random.below(i)]);
    }
    for (const std::size_t e : order) {
      const IndexedExample& example = indexed[e];
      assert(example.label < classes);
      visible_features(example, options.feature_dropout, random, visible);
      score_rows(weights, bias_row, classes, visible, gradient);
      if (score_gradient(options.loss, example.label, gradient)) {
        moved.clear();
        for (std::uint32_t c = 0; c < classes; ++c) {
          if (std::fabs(gradient[c]) >= kMinGradient) {
            moved.push_back(c);
          }
        }
        weights.step_row(bias_row, moved, gradient.data(), example.weight, false);
        for (const IndexedFeature& feature : visible) {
          weights.step_row(feature.row, moved, gradient.data(), example.weight * feature.value,
                           true);
        }
      }
      weights.next_example();
    }
  }

  LinearModel model;
  const std::vector<float> dense = weights.result();
  model.biases_.assign(dense.begin() + static_cast<std::ptrdiff_t>(bias_row * classes),
                       dense.end());
  model.assign(keys, dense, options.prune_below, options.whole_row_share);
  return model;
}

void LinearModel::assign(const std::vector<std::uint64_t>& keys, const std::vector<float>& dense,
                         float prune_below, float whole_row_share) {
  const std::size_t classes = biases_.size();
  keys_.clear();
  row_scales_.clear();
  row_begin_.assign(1, 0);
  weight_classes_.clear();
  weights_.clear();
  for (std::size_t r = 0; r < keys.size(); ++r) {
    const float* row = &dense[r * classes];
    float largest = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      largest = std::max(largest, std::fabs(row[c]));
    }
    // Weights are kept on the int8 grid a file stores, so a saved and loaded model is exactly
    // the trained one.
    const float scale = largest / kQuantizationSteps;
    const std::size_t first = weights_.size();
    for (std::size_t c = 0; c < classes && largest > 0; ++c) {
      const float steps = std::round(row[c] / scale);
      if (steps != 0 && std::fabs(row[c]) >= prune_below * largest) {
        weight_classes_.push_back(static_cast<std::uint16_t>(c));
        weights_.push_back(steps * scale);
      }
    }
    const std::size_t kept = weights_.size() - first;
    const float kept_share = static_cast<float>(kept) / static_cast<float>(classes);
    if (kept < classes && kept_share > whole_row_share) {
      weight_classes_.resize(first);
      weights_.resize(first);
      for (std::size_t c = 0; c < classes; ++c) {
        weight_classes_.push_back(static_cast<std::uint16_t>(c));
        weights_.push_back(std::round(row[c] / scale) * scale);
      }
    }
    if (weights_.size() > first) {
      keys_.push_back(keys[r]);
      row_scales_.push_back(scale);
      row_begin_.push_back(static_cast<std::uint32_t>(weights_.size()));
    }
  }
  build_table();
}

void LinearModel::build_table() {
  std::size_t capacity = 16;
  while (capacity < keys_.size() * 2) {
    capacity *= 2;
  }
  slot_keys_.assign(capacity, 0);
  slot_rows_.assign(capacity, 0);
  for (std::size_t r = 0; r < keys_.size(); ++r) {
    std::size_t slot = keys_[r] & (capacity - 1);
    while (slot_keys_[slot] != 0) {
      slot = (slot + 1) & (capacity - 1);
    }
    slot_keys_[slot] = keys_[r];
    slot_rows_[slot] = static_cast<std::uint32_t>(r);
  }
}

std::int64_t LinearModel::row_of(std::uint64_t key) const {
  const std::size_t mask = slot_keys_.size() - 1;
  for (std::size_t slot = key & mask;; slot = (slot + 1) & mask) {
    if (slot_keys_[slot] == key) {
      return slot_rows_[slot];
    }
    if (slot_keys_[slot] == 0) {
      return -1;
    }
  }
}

void LinearModel::scores(std::span<const Feature> features, std::span<float> out) const {
  assert(out.size() == classes());
  std::copy(biases_.begin(), biases_.end(), out.begin());
  if (slot_keys_.empty()) {
    return;
  }
  for (const Feature& feature : features) {
    const std::int64_t row = row_of(feature.key);
    if (row < 0) {
      continue;
    }
    const std::uint32_t first = row_begin_[row];
    const std::uint32_t last = row_begin_[row + 1];
    if (last - first == out.size()) {
      // A whole row: its classes are 0 .. classes - 1 in order (read() checks), so the sum is
      // one vector operation.
      const float* weights = weights_.data() + first;
      float* scores = out.data();
      for (std::size_t c = 0; c < out.size(); ++c) {
        scores[c] += weights[c] * feature.value;
      }
      continue;
    }
    for (std::uint32_t i = first; i < last; ++i) {
      out[weight_classes_[i]] += weights_[i] * feature.value;
    }
  }
}

void LinearModel::probabilities(std::span<const Feature> features, std::span<float> out) const {
  scores(features, out);
  softmax(out);
}

void LinearModel::write(ByteWriter& out) const {
  out.put(static_cast<std::uint32_t>(classes()));
  out.put(static_cast<std::uint32_t>(feature_count()));
  out.put(static_cast<std::uint64_t>(weight_count()));
  for (const float bias : biases_) {
    out.put(bias);
  }
  for (std::size_t r = 0; r < keys_.size(); ++r) {
    const std::uint32_t first = row_begin_[r];
    const std::uint32_t last = row_begin_[r + 1];
    const float scale = row_scales_[r];
    out.put(keys_[r]);
    out.put(static_cast<std::uint16_t>(last - first));
    out.put(scale);
    for (std::uint32_t i = first; i < last; ++i) {
      out.put(weight_classes_[i]);
      out.put(static_cast<std::int8_t>(std::lround(weights_[i] / scale)));
    }
  }
}

Result<LinearModel, std::string> LinearModel::read(ByteReader& in) {
  std::uint32_t classes = 0;
  std::uint32_t features = 0;
  std::uint64_t weights = 0;
  if (!in.get(classes) || !in.get(features) || !in.get(weights)) {
    return fail(std::string("truncated linear model header"));
  }
  if (classes < 2 || classes > kMaxClasses ||
      in.remaining() <
          classes * sizeof(float) + features * kFeatureHeaderBytes + weights * kWeightBytes) {
    return fail(
        fmt::format("linear model sizes do not fit the file ({} classes, {} features, "
                    "{} weights)",
                    classes, features, weights));
  }
  LinearModel model;
  model.biases_.resize(classes);
  for (float& bias : model.biases_) {
    in.get(bias);
  }
  model.keys_.reserve(features);
  model.row_begin_.assign(1, 0);
  model.weights_.reserve(weights);
  model.weight_classes_.reserve(weights);
  for (std::uint32_t r = 0; r < features; ++r) {
    std::uint64_t key = 0;
    std::uint16_t count = 0;
    float scale = 0;
    if (!in.get(key) || !in.get(count) || !in.get(scale) || key == 0 || !std::isfinite(scale) ||
        model.weights_.size() + count > weights) {
      return fail(fmt::format("linear model feature {} is damaged", r));
    }
    // Classes are in increasing order within a row, as assign() writes them; scoring a
    // whole row relies on it.
    std::int32_t previous = -1;
    for (std::uint16_t i = 0; i < count; ++i) {
      std::uint16_t c = 0;
      std::int8_t steps = 0;
      if (!in.get(c) || !in.get(steps) || c >= classes || c <= previous) {
        return fail(fmt::format("linear model feature {} has a bad weight", r));
      }
      previous = c;
      model.weight_classes_.push_back(c);
      model.weights_.push_back(static_cast<float>(steps) * scale);
    }
    model.keys_.push_back(key);
    model.row_scales_.push_back(scale);
    model.row_begin_.push_back(static_cast<std::uint32_t>(model.weights_.size()));
  }
  if (model.weights_.size() != weights) {
    return fail(std::string("linear model weight count does not match its header"));
  }
  std::vector<std::uint64_t> sorted = model.keys_;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return fail(std::string("linear model has a feature twice"));
  }
  model.build_table();
  return model;
}

}  // namespace switchyard::router
