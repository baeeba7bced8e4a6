// Internal to the difficulty scorer: the trained model in memory and its file format. See
// difficulty_scorer.h for what the model computes. Immutable once built.
//
// File layout, little-endian:
//   "SWYDDIF1"                            magic, 8 bytes
//   u32 format_version                    kDifficultyFormatVersion
//   u32 feature_version                   kDifficultyFeatureVersion at training time
//   linear gain model                     see below; 4 outputs
//   u32 topic_count                       0: no topic stage, and nothing more until the trees
//   linear topic model                    topic_count outputs
//   f32 topic_gain[topic_count]           per topic: mean gain in training (smoothed)
//   f32 blend[3]                          weights of the linear gain, topic prior and trees
//   u32 width; f32 base; u32 tree_count   the trees read the dense features: width == D
//   tree_count x { u16 input[3]; f32 threshold[3]; f32 leaf[4] }
//   u32 quantile_count; f32 quantiles[]   scores at escalated shares 0, 1/(count-1), ..., 1
//   u64 FNV-1a of every byte above
// A linear model is: u32 hash_bits; u32 outputs; f32 dense_mean[D]; f32 dense_scale[D];
// f32 scale; i16 weights[row_size * outputs] (feature-major, weight = stored * scale).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "router/difficulty_boosting.h"
#include "router/difficulty_linear.h"
#include "router/difficulty_scorer.h"

namespace switchyard::router {

inline constexpr std::uint32_t kDifficultyFormatVersion = 1;
inline constexpr std::size_t kOutcomePairs = 4;  // label = 2 * weak_correct + strong_correct
inline constexpr std::size_t kBlendParts = 3;

struct DifficultyScorer::Model {
  PromptLinearModel gain;         // outputs: the four outcome pairs
  PromptLinearModel topic;        // outputs: topics; absent when topic_count == 0
  std::vector<float> topic_gain;  // [topic]
  std::array<float, kBlendParts> blend{};
  BoostedTrees trees;
  std::vector<float> quantiles;  // quantiles[j]: the score exceeded by share j / (size - 1)

  std::size_t topic_count() const { return topic.outputs(); }
};

std::string encode_model(const DifficultyScorer::Model& model);
Result<DifficultyScorer::Model, std::string> decode_model(std::string_view bytes);

}  // namespace switchyard::router
