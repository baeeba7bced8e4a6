// A linear classifier over PromptFeatures: one row of weights per output over the hashed
// buckets, the standardised dense features and a bias. With one output it is logistic
// regression (the logit of the positive class); with several, softmax over them. Trained by
// L-BFGS on mean log-loss plus an L2 penalty, so training is deterministic. Immutable once
// trained; safe to read from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "router/difficulty_features.h"

namespace switchyard::router {

struct LinearOptions {
  unsigned hash_bits = 18;
  std::size_t outputs = 1;  // 1: binary (labels 0/1); k >= 2: softmax over labels 0..k-1
  double l2 = 1e-4;         // on every weight but the biases
  double dense_l2 = 1e-4;   // the dense weights may want a different penalty
  bool use_buckets = true;
  bool use_dense = true;
  int max_iterations = 150;
};

// The step of the int16 grid that weights are kept on: the smallest power of two that fits the
// largest weight.
float weight_step(std::span<const float> weights);

// Not router::LinearModel (linear_model.h, the intent classifier's): two classes of one name
// in one namespace break the one-definition rule, and the linker then keeps one class's
// inline members for both.
class PromptLinearModel {
 public:
  PromptLinearModel() = default;
  PromptLinearModel(unsigned hash_bits, std::size_t outputs);

  // Weights are kept as int16 multiples of one step, as the model file stores them: half the
  // memory of floats, which is what scoring is bound by (a prompt's buckets are scattered
  // over the table), and a loaded model scores bit for bit as the trained one.
  static PromptLinearModel train(std::span<const PromptFeatures> examples,
                                 std::span<const std::uint8_t> labels,
                                 const LinearOptions& options);

  // One logit per output, into `out` (sized outputs()).
  void logits(const PromptFeatures& features, std::span<float> out) const;

  unsigned hash_bits() const { return hash_bits_; }
  std::size_t outputs() const { return outputs_; }
  std::size_t row_size() const { return (std::size_t{1} << hash_bits_) + kDenseFeatureCount + 1; }

  // The model's numbers, for saving and loading. Weights are feature-major: the weight of
  // feature j (buckets, then dense features, then the bias) for output k is
  // step() * quantized()[j * outputs() + k].
  std::vector<std::int16_t>& quantized() { return quantized_; }
  const std::vector<std::int16_t>& quantized() const { return quantized_; }
  float step() const { return step_; }
  void set_step(float step) { step_ = step; }
  std::array<float, kDenseFeatureCount>& dense_mean() { return dense_mean_; }
  const std::array<float, kDenseFeatureCount>& dense_mean() const { return dense_mean_; }
  std::array<float, kDenseFeatureCount>& dense_scale() { return dense_scale_; }
  const std::array<float, kDenseFeatureCount>& dense_scale() const { return dense_scale_; }

 private:
  unsigned hash_bits_ = 0;
  std::size_t outputs_ = 0;
  std::vector<std::int16_t> quantized_;
  float step_ = 1;
  std::array<float, kDenseFeatureCount> dense_mean_{};
  std::array<float, kDenseFeatureCount> dense_scale_{};  // 1 / standard deviation, or 0
};

}  // namespace switchyard::router
