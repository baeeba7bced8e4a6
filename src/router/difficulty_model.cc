#include "router/difficulty_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "common/binary_io.h"

namespace switchyard::router {
namespace {

constexpr std::string_view kMagic = "SWYDDIF1";
constexpr unsigned kMinHashBits = 8;
constexpr unsigned kMaxHashBits = 24;
constexpr std::uint32_t kMaxTopics = 4096;
constexpr std::uint32_t kMaxTrees = 100000;
constexpr std::uint32_t kMaxWidth = 1024;
constexpr std::uint32_t kMaxQuantiles = 100001;

void write_linear(ByteWriter& out, const PromptLinearModel& model) {
  out.put(static_cast<std::uint32_t>(model.hash_bits()));
  out.put(static_cast<std::uint32_t>(model.outputs()));
  for (const float value : model.dense_mean()) {
    out.put(value);
  }
  for (const float value : model.dense_scale()) {
    out.put(value);
  }
  out.put(model.step());
  for (const std::int16_t weight : model.quantized()) {
    out.put(weight);
  }
}

bool all_finite(const float* values, std::size_t count) {
  return std::all_of(values, values + count, [](float v) { return std::isfinite(v); });
}

Result<PromptLinearModel, std::string> read_linear(ByteReader& in, std::uint32_t max_outputs) {
  std::uint32_t hash_bits = 0;
  std::uint32_t outputs = 0;
  if (!in.get(hash_bits) || !in.get(outputs)) {
    return fail(std::string("truncated linear model header"));
  }
  if (hash_bits < kMinHashBits || hash_bits > kMaxHashBits || outputs == 0 ||
      outputs > max_outputs) {
    return fail(fmt::format("bad linear model shape ({} bits, {} outputs)", hash_bits, outputs));
  }
  PromptLinearModel model(hash_bits, outputs);
  std::vector<float> dense;
  float scale = 0;
  if (!in.get_array(2 * kDenseFeatureCount, dense) || !in.get(scale) ||
      !in.get_array(model.quantized().size(), model.quantized())) {
    return fail(std::string("truncated linear model"));
  }
  if (!all_finite(dense.data(), dense.size()) || !std::isfinite(scale)) {
    return fail(std::string("linear model holds a non-finite number"));
  }
  std::copy_n(dense.begin(), kDenseFeatureCount, model.dense_mean().begin());
  std::copy_n(dense.begin() + kDenseFeatureCount, kDenseFeatureCount, model.dense_scale().begin());
  model.set_step(scale);
  return model;
}

void write_trees(ByteWriter& out, const BoostedTrees& trees) {
  out.put(static_cast<std::uint32_t>(trees.width()));
  out.put(trees.base());
  out.put(static_cast<std::uint32_t>(trees.trees().size()));
  for (const BoostedTree& tree : trees.trees()) {
    for (const std::uint16_t input : tree.input) {
      out.put(input);
    }
    for (const float threshold : tree.threshold) {
      out.put(threshold);
    }
    for (const float leaf : tree.leaf) {
      out.put(leaf);
    }
  }
}

// Thresholds may be +infinity (a split that sends everything left); leaves must be finite.
Result<BoostedTrees, std::string> read_trees(ByteReader& in, std::size_t expected_width) {
  std::uint32_t width = 0;
  float base = 0;
  std::uint32_t count = 0;
  if (!in.get(width) || !in.get(base) || !in.get(count)) {
    return fail(std::string("truncated trees header"));
  }
  if (width != expected_width || width > kMaxWidth || count > kMaxTrees || !std::isfinite(base)) {
    return fail(fmt::format("bad trees shape ({} inputs, {} trees)", width, count));
  }
  std::vector<BoostedTree> trees(count);
  for (BoostedTree& tree : trees) {
    bool complete = true;
    for (std::uint16_t& input : tree.input) {
      complete = complete && in.get(input) && input < width;
    }
    for (float& threshold : tree.threshold) {
      complete = complete && in.get(threshold) && !std::isnan(threshold);
    }
    for (float& leaf : tree.leaf) {
      complete = complete && in.get(leaf) && std::isfinite(leaf);
    }
    if (!complete) {
      return fail(std::string("truncated or bad tree"));
    }
  }
  return BoostedTrees(base, width, std::move(trees));
}

Result<bool, std::string> read_topics(ByteReader& in, DifficultyScorer::Model& model) {
  std::uint32_t topics = 0;
  if (!in.get(topics) || topics > kMaxTopics) {
    return fail(std::string("truncated or bad topic count"));
  }
  if (topics == 0) {
    return true;
  }
  auto topic = read_linear(in, kMaxTopics);
  if (!topic) {
    return fail("topic model: " + topic.error());
  }
  if (topic->outputs() != topics) {
    return fail(std::string("topic model and topic count disagree"));
  }
  model.topic = std::move(topic).value();
  if (!in.get_array(topics, model.topic_gain) ||
      !all_finite(model.topic_gain.data(), model.topic_gain.size())) {
    return fail(std::string("truncated or bad topic gains"));
  }
  return true;
}

}  // namespace

std::string encode_model(const DifficultyScorer::Model& model) {
  ByteWriter out;
  out.put_bytes(kMagic);
  out.put(kDifficultyFormatVersion);
  out.put(kDifficultyFeatureVersion);
  write_linear(out, model.gain);
  out.put(static_cast<std::uint32_t>(model.topic_count()));
  if (model.topic_count() > 0) {
    write_linear(out, model.topic);
    for (const float gain : model.topic_gain) {
      out.put(gain);
    }
  }
  for (const float weight : model.blend) {
    out.put(weight);
  }
  write_trees(out, model.trees);
  out.put(static_cast<std::uint32_t>(model.quantiles.size()));
  for (const float quantile : model.quantiles) {
    out.put(quantile);
  }
  out.put(checksum_of(out.data()));
  return out.take();
}

Result<DifficultyScorer::Model, std::string> decode_model(std::string_view bytes) {
  constexpr std::size_t kChecksumSize = sizeof(std::uint64_t);
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    return fail(std::string("not a Switchyard difficulty model (bad magic)"));
  }
  if (bytes.size() < kMagic.size() + kChecksumSize) {
    return fail(std::string("truncated"));
  }
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumSize);
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + body.size(), kChecksumSize);
  ByteReader in(body);
  std::string_view magic;
  std::uint32_t format = 0;
  std::uint32_t features = 0;
  in.get_bytes(kMagic.size(), magic);
  if (!in.get(format) || !in.get(features)) {
    return fail(std::string("truncated"));
  }
  if (format != kDifficultyFormatVersion || features != kDifficultyFeatureVersion) {
    return fail(
        fmt::format("format {} with feature version {}; this build reads format {} with "
                    "feature version {}",
                    format, features, kDifficultyFormatVersion, kDifficultyFeatureVersion));
  }
  if (checksum_of(body) != stored) {
    return fail(std::string("corrupt or truncated (checksum mismatch)"));
  }

  DifficultyScorer::Model model;
  auto gain = read_linear(in, kOutcomePairs);
  if (!gain) {
    return fail("gain model: " + gain.error());
  }
  if (gain->outputs() != kOutcomePairs) {
    return fail(std::string("gain model does not have four outputs"));
  }
  model.gain = std::move(gain).value();
  if (auto topics = read_topics(in, model); !topics) {
    return fail(topics.error());
  }
  for (float& weight : model.blend) {
    if (!in.get(weight) || !std::isfinite(weight)) {
      return fail(std::string("truncated or bad blend weights"));
    }
  }
  auto trees = read_trees(in, kDenseFeatureCount);
  if (!trees) {
    return fail(trees.error());
  }
  model.trees = std::move(trees).value();
  std::uint32_t quantiles = 0;
  if (!in.get(quantiles) || quantiles < 2 || quantiles > kMaxQuantiles ||
      !in.get_array(quantiles, model.quantiles) ||
      !std::is_sorted(model.quantiles.rbegin(), model.quantiles.rend()) ||
      std::any_of(model.quantiles.begin(), model.quantiles.end(),
                  [](float q) { return std::isnan(q); })) {
    return fail(std::string("truncated or bad quantile table"));
  }
  if (!in.at_end()) {
    return fail(std::string("trailing bytes"));
  }
  return model;
}

}  // namespace switchyard::router
