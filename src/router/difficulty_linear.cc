#include "router/difficulty_linear.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "router/difficulty_optimizer.h"

namespace switchyard::router {
namespace {

// Dense features that never vary get scale 0 rather than an infinite one.
constexpr double kMinDeviation = 1e-6;

void standardise(std::span<const PromptFeatures> examples,
                 std::array<float, kDenseFeatureCount>& mean,
                 std::array<float, kDenseFeatureCount>& scale) {
  const auto n = static_cast<double>(examples.size());
  for (std::size_t d = 0; d < kDenseFeatureCount; ++d) {
    double sum = 0;
    double squares = 0;
    for (const PromptFeatures& example : examples) {
      sum += example.dense[d];
      squares += static_cast<double>(example.dense[d]) * example.dense[d];
    }
    const double average = sum / n;
    const double deviation = std::sqrt(std::max(0.0, squares / n - average * average));
    mean[d] = static_cast<float>(average);
    scale[d] = deviation < kMinDeviation ? 0.0F : static_cast<float>(1.0 / deviation);
  }
}

// The training set in the form the objective reads: standardised dense values per example.
struct TrainingView {
  std::span<const PromptFeatures> examples;
  std::span<const std::uint8_t> labels;
  std::vector<std::array<double, kDenseFeatureCount>> dense;
  std::size_t outputs = 1;
  std::size_t row = 0;
  std::size_t bucket_count = 0;
  bool use_buckets = true;
  bool use_dense = true;
};

// Logits of example `i` under `w` into `z`.
void example_logits(const TrainingView& view, const std::vector<double>& w, std::size_t i,
                    std::vector<double>& z) {
  const PromptFeatures& example = view.examples[i];
  for (std::size_t k = 0; k < view.outputs; ++k) {
    const double* row = &w[k * view.row];
    double sum = row[view.row - 1];
    if (view.use_buckets) {
      double buckets = 0;
      for (const std::uint32_t bucket : example.buckets) {
        buckets += row[bucket];
      }
      sum += buckets * example.bucket_weight;
    }
    if (view.use_dense) {
      for (std::size_t d = 0; d < kDenseFeatureCount; ++d) {
        sum += row[view.bucket_count + d] * view.dense[i][d];
      }
    }
    z[k] = sum;
  }
}

// Turns logits into d(loss)/d(logit) in place and returns the example's log-loss.
double loss_gradient(std::vector<double>& z, std::size_t outputs, std::uint8_t label) {
  if (outputs == 1) {
    const double margin = label == 1 ? z[0] : -z[0];
    const double loss =
        margin > 0 ? std::log1p(std::exp(-margin)) : -margin + std::log1p(std::exp(margin));
    z[0] = 1.0 / (1.0 + std::exp(-z[0])) - label;
    return loss;
  }
  const double top = *std::max_element(z.begin(), z.end());
  double total = 0;
  for (double& value : z) {
    value = std::exp(value - top);
    total += value;
  }
  const double loss = -std::log(z[label] / total);
  for (std::size_t k = 0; k < outputs; ++k) {
    z[k] = z[k] / total - (k == label ? 1.0 : 0.0);
  }
  return loss;
}

void add_gradient(const TrainingView& view, std::size_t i, const std::vector<double>& dz,
                  std::vector<double>& gradient) {
  const PromptFeatures& example = view.examples[i];
  for (std::size_t k = 0; k < view.outputs; ++k) {
    double* row = &gradient[k * view.row];
    if (view.use_buckets) {
      const double g = dz[k] * example.bucket_weight;
      for (const std::uint32_t bucket : example.buckets) {
        row[bucket] += g;
      }
    }
    if (view.use_dense) {
      for (std::size_t d = 0; d < kDenseFeatureCount; ++d) {
        row[view.bucket_count + d] += dz[k] * view.dense[i][d];
      }
    }
    row[view.row - 1] += dz[k];
  }
}

double objective(const TrainingView& view, const LinearOptions& options,
                 const std::vector<double>& w, std::vector<double>& gradient) {
  std::fill(gradient.begin(), gradient.end(), 0.0);
  std::vector<double> z(view.outputs);
  double loss = 0;
  for (std::size_t i = 0; i < view.examples.size(); ++i) {
    example_logits(view, w, i, z);
    loss += loss_gradient(z, view.outputs, view.labels[i]);
    add_gradient(view, i, z, gradient);
  }
  const auto n = static_cast<double>(view.examples.size());
  loss /= n;
  for (double& g : gradient) {
    g /= n;
  }
  for (std::size_t k = 0; k < view.outputs; ++k) {
    for (std::size_t j = 0; j + 1 < view.row; ++j) {
      const std::size_t at = k * view.row + j;
      const double l2 = j < view.bucket_count ? options.l2 : options.dense_l2;
      loss += 0.5 * l2 * w[at] * w[at];
      gradient[at] += l2 * w[at];
    }
  }
  return loss;
}

constexpr float kInt16Max = 32767.0F;

// Zeroed per-output accumulators, reused by the thread so that scoring does not allocate.
std::vector<std::int32_t>& bucket_sums(std::size_t outputs) {
  thread_local std::vector<std::int32_t> sums;
  sums.assign(outputs, 0);
  return sums;
}

}  // namespace

float weight_step(std::span<const float> weights) {
  float largest = 0;
  for (const float weight : weights) {
    largest = std::max(largest, std::fabs(weight));
  }
  constexpr float kSmallest = 1e-30F;
  return std::exp2(std::ceil(std::log2(std::max(largest, kSmallest) / kInt16Max)));
}

PromptLinearModel::PromptLinearModel(unsigned hash_bits, std::size_t outputs)
    : hash_bits_(hash_bits), outputs_(outputs), quantized_(outputs * row_size(), 0) {}

PromptLinearModel PromptLinearModel::train(std::span<const PromptFeatures> examples,
                                           std::span<const std::uint8_t> labels,
                                           const LinearOptions& options) {
  assert(!examples.empty() && examples.size() == labels.size());
  PromptLinearModel model(options.hash_bits, options.outputs);
  standardise(examples, model.dense_mean_, model.dense_scale_);

  TrainingView view{examples,
                    labels,
                    {},
                    options.outputs,
                    model.row_size(),
                    std::size_t{1} << options.hash_bits,
                    options.use_buckets,
                    options.use_dense};
  view.dense.resize(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) {
    for (std::size_t d = 0; d < kDenseFeatureCount; ++d) {
      view.dense[i][d] = (examples[i].dense[d] - model.dense_mean_[d]) * model.dense_scale_[d];
    }
  }
  std::vector<double> w(model.quantized_.size(), 0.0);
  OptimizerOptions optimizer;
  optimizer.max_iterations = options.max_iterations;
  minimize_lbfgs([&](const std::vector<double>& p,
                     std::vector<double>& g) { return objective(view, options, p, g); },
                 w, optimizer);
  // Feature-major for scoring: one feature's weights for every output share cache lines.
  const std::size_t row = model.row_size();
  std::vector<float> weights(w.size());
  for (std::size_t k = 0; k < options.outputs; ++k) {
    for (std::size_t j = 0; j < row; ++j) {
      weights[j * options.outputs + k] = static_cast<float>(w[k * row + j]);
    }
  }
  model.step_ = weight_step(weights);
  std::transform(weights.begin(), weights.end(), model.quantized_.begin(), [&](float weight) {
    return static_cast<std::int16_t>(std::lround(weight / model.step_));
  });
  return model;
}

void PromptLinearModel::logits(const PromptFeatures& features, std::span<float> out) const {
  assert(out.size() == outputs_);
  const std::size_t buckets = std::size_t{1} << hash_bits_;
  std::array<float, kDenseFeatureCount> dense{};
  for (std::size_t d = 0; d < kDenseFeatureCount; ++d) {
    dense[d] = (features.dense[d] - dense_mean_[d]) * dense_scale_[d];
  }
  // Integer sums over the buckets are exact, so the order of the buckets does not matter.
  std::vector<std::int32_t>& sums = bucket_sums(outputs_);
  for (const std::uint32_t bucket : features.buckets) {
    const std::int16_t* weights = &quantized_[bucket * outputs_];
    for (std::size_t k = 0; k < outputs_; ++k) {
      sums[k] += weights[k];
    }
  }
  const std::int16_t* biases = &quantized_[(row_size() - 1) * outputs_];
  for (std::size_t k = 0; k < outputs_; ++k) {
    out[k] =
        (static_cast<float>(sums[k]) * features.bucket_weight + static_cast<float>(biases[k])) *
        step_;
  }
  for (std::size_t d = 0; d < kDenseFeatureCount; ++d) {
    const std::int16_t* weights = &quantized_[(buckets + d) * outputs_];
    const float value = dense[d] * step_;
    for (std::size_t k = 0; k < outputs_; ++k) {
      out[k] += static_cast<float>(weights[k]) * value;
    }
  }
}

}  // namespace switchyard::router
