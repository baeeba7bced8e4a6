// A multiclass linear model over sparse hashed features (router/text_features.h): one weight
// per (feature, class) and a bias per class; a text's class scores are the sums of its
// features' weights. Trained by stochastic gradient descent with AdaGrad step sizes and
// averaged weights, on either the softmax (multinomial logistic) loss, whose scores turn into
// probabilities, or the multiclass hinge loss. Training is single-threaded and seeded: the
// same examples and options give the same model, bit for bit, on the same build.
//
// After training, weights below `prune_below` times the largest weight of their feature are
// dropped and each feature keeps only its remaining (class, weight) pairs, so a model is small
// in memory and scoring touches few weights; a feature that keeps most classes (a dense input,
// such as a word vector's dimension) may keep its whole row instead, which scores faster. In a
// file, each feature's weights are 8-bit integers with the feature's own scale.
//
// Example:
//   LinearModel model = LinearModel::train(examples, class_count, LinearTrainingOptions{});
//   std::vector<float> scores(class_count);
//   model.scores(features, scores);
//
// Thread safety: a LinearModel is immutable once trained or read; scoring may run on many
// threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/binary_io.h"
#include "common/result.h"
#include "router/text_features.h"

namespace switchyard::router {

// One training example: its features, its class (0 .. classes - 1) and how much it counts.
struct Example {
  std::vector<Feature> features;
  std::uint32_t label = 0;
  float weight = 1.0F;
};

enum class Loss : std::uint8_t {
  kSoftmax,  // multinomial logistic: calibrated probabilities
  kHinge,    // multiclass hinge (Crammer-Singer): a margin between the true and the best other
};

struct LinearTrainingOptions {
  Loss loss = Loss::kSoftmax;
  std::uint32_t epochs = 10;
  float learning_rate = 0.5F;   // AdaGrad's step size
  float l2 = 0.0F;              // weight decay applied to the weights an example touches
  bool average = true;          // return the average of the weights over all steps
  float feature_dropout = 0;    // chance that a feature is hidden from one step, in [0, 1)
  std::uint32_t min_count = 1;  // features seen fewer times than this in training are dropped
  float prune_below = 0.0F;     // relative to the feature's largest weight, in [0, 1)
  // A feature that keeps more than this share of the classes after pruning keeps them all:
  // a whole row is scored as one vector operation, several times faster than the same
  // weights one class at a time. 1 never keeps a row whole.
  float whole_row_share = 1.0F;
  std::uint64_t seed = 1;  // example order and dropout
};

class LinearModel {
 public:
  LinearModel() = default;

  // REQUIRES: every example's label < classes, classes >= 2.
  static LinearModel train(std::span<const Example> examples, std::size_t classes,
                           const LinearTrainingOptions& options);

  // Writes one score per class into `out`, which must hold classes() values.
  void scores(std::span<const Feature> features, std::span<float> out) const;
  // Softmax of scores(): probabilities that sum to 1.
  void probabilities(std::span<const Feature> features, std::span<float> out) const;

  std::size_t classes() const { return biases_.size(); }
  std::size_t feature_count() const { return row_begin_.empty() ? 0 : row_begin_.size() - 1; }
  std::size_t weight_count() const { return weights_.size(); }

  void write(ByteWriter& out) const;
  // Reads what write() wrote; fails on a short buffer or inconsistent sizes, never crashes.
  static Result<LinearModel, std::string> read(ByteReader& in);

 private:
  // Builds the lookup table and the sparse rows from keys[i] -> row i of a dense
  // [keys x classes] matrix, dropping small weights.
  void assign(const std::vector<std::uint64_t>& keys, const std::vector<float>& dense,
              float prune_below, float whole_row_share);
  void build_table();
  // The row of `key`, or -1 if the model has no such feature.
  std::int64_t row_of(std::uint64_t key) const;

  std::vector<std::uint64_t> keys_;       // row -> feature key
  std::vector<std::uint64_t> slot_keys_;  // open addressing, 0 = empty; power-of-two size
  std::vector<std::uint32_t> slot_rows_;
  std::vector<std::uint32_t> row_begin_;  // row r's weights are [row_begin_[r], row_begin_[r+1])
  std::vector<float> row_scales_;         // row r's weights are int8 multiples of this
  std::vector<std::uint16_t> weight_classes_;
  std::vector<float> weights_;
  std::vector<float> biases_;
};

// Softmax in place, stable for any finite scores.
void softmax(std::span<float> scores);

}  // namespace switchyard::router
