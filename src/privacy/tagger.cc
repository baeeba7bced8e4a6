#include "privacy/tagger.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "privacy/tagger_model.h"

namespace switchyard::privacy {
namespace {

constexpr std::size_t kMaxLabels = 64;  // as the model file allows
constexpr float kBeam = 150.0F;         // in weight units; real decisions are won by ~10 to 40

constexpr std::array kTaggerTypes{
    EntityType::kPerson,       EntityType::kStreetAddress, EntityType::kLocation,
    EntityType::kOrganization, EntityType::kDateTime,      EntityType::kTitle,
    EntityType::kAge,          EntityType::kNrp,           EntityType::kPostalCode,
};

// Tagger confidence grows with the span's mean margin (its label's score over the runner-up's)
// from kTaggerFloor towards kTaggerCeiling. The scores are not calibrated probabilities, and the
// ceiling stays below what a confirmed checksum or format earns, so those win where the two
// overlap.
constexpr float kTaggerFloor = 0.5F;
constexpr float kTaggerCeiling = 0.75F;
constexpr float kMarginScale = 10.0F;

// How far, on average over the span's tokens, the chosen label's score is ahead of the best
// other label's.
float mean_margin(const float* emissions, std::size_t width, std::size_t first, std::size_t last,
                  std::uint8_t label) {
  float total = 0;
  for (std::size_t i = first; i <= last; ++i) {
    const float* row = emissions + i * width;
    float other = -std::numeric_limits<float>::infinity();
    for (std::size_t l = 0; l < width; ++l) {
      other = l != label ? std::max(other, row[l]) : other;
    }
    total += row[label] - other;
  }
  return total / static_cast<float>(last - first + 1);
}

void add_span(const Tagger::Model& model, std::span<const Token> tokens, const float* emissions,
              std::size_t first, std::size_t last, std::uint8_t label, std::vector<Entity>& out) {
  const float margin = std::max(0.0F, mean_margin(emissions, model.labels, first, last, label));
  Entity entity;
  entity.type = model.types[label - 1];
  entity.data_class = class_of(entity.type);
  entity.begin = tokens[first].begin;
  entity.end = tokens[last].end;
  entity.confidence =
      kTaggerFloor + (kTaggerCeiling - kTaggerFloor) * (1.0F - std::exp(-margin / kMarginScale));
  out.push_back(entity);
}

}  // namespace

std::span<const EntityType> tagger_types() {
  return kTaggerTypes;
}

void best_labels(std::size_t labels, const float* start, const float* transitions,
                 const float* emissions, std::size_t n, std::vector<std::uint8_t>& out,
                 std::vector<std::uint8_t>& back) {
  out.assign(n, 0);
  if (n == 0) {
    return;
  }
  back.resize(n * labels);
  std::array<float, kMaxLabels> score{};
  std::array<float, kMaxLabels> next{};
  for (std::size_t l = 0; l < labels; ++l) {
    score[l] = start[l] + emissions[l];
  }
  for (std::size_t i = 1; i < n; ++i) {
    // From-major, so the inner loop runs over contiguous transitions and vectorises.
    std::uint8_t* from_best = &back[i * labels];
    for (std::size_t to = 0; to < labels; ++to) {
      next[to] = score[0] + transitions[to];
      from_best[to] = 0;
    }
    // Labels far behind the best cannot win any more in practice; skipping them (a beam) makes
    // the common case, a token that is clearly outside every entity, nearly free.
    const float floor = *std::max_element(score.begin(), score.begin() + labels) - kBeam;
    for (std::size_t from = 1; from < labels; ++from) {
      if (score[from] < floor) {
        continue;
      }
      const float* row = transitions + from * labels;
      for (std::size_t to = 0; to < labels; ++to) {
        const float value = score[from] + row[to];
        const bool better = value > next[to];
        next[to] = better ? value : next[to];
        from_best[to] = better ? static_cast<std::uint8_t>(from) : from_best[to];
      }
    }
    for (std::size_t to = 0; to < labels; ++to) {
      score[to] = next[to] + emissions[i * labels + to];
    }
  }
  std::uint8_t label = 0;
  for (std::size_t l = 1; l < labels; ++l) {
    label = score[l] > score[label] ? static_cast<std::uint8_t>(l) : label;
  }
  for (std::size_t i = n; i-- > 0;) {
    out[i] = label;
    label = back[i * labels + label];
  }
}

Result<Tagger, std::string> Tagger::load(const std::string& path) {
  auto model = read_model(path);
  if (!model) {
    return fail(std::move(model).error());
  }
  return Tagger(std::move(model).value());
}

Result<bool, std::string> Tagger::save(const std::string& path) const {
  return write_model(*model_, path);
}

std::size_t Tagger::feature_count() const {
  return model_->features.size();
}

void Tagger::tag(std::string_view text, std::span<const Token> tokens,
                 std::vector<Entity>& out) const {
  thread_local std::vector<tagging::TokenView> views;
  thread_local std::vector<float> emissions;
  thread_local std::vector<std::uint8_t> labels;
  thread_local std::vector<std::uint8_t> back;
  const Model& model = *model_;
  const std::size_t width = model.labels;
  tagging::describe(text, tokens, model.lexicon, views);
  emissions.assign(tokens.size() * width, 0.0F);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    float* row = &emissions[i * width];
    tagging::token_features(views, i, [&](std::uint64_t key) {
      if (const float* weights = model.features.find(key)) {
        for (std::size_t l = 0; l < width; ++l) {
          row[l] += weights[l];
        }
      }
    });
  }
  best_labels(width, model.start.data(), model.transitions.data(), emissions.data(), tokens.size(),
              labels, back);

  // Runs of one label become one entity. Only addresses go on across a line break; a name at
  // the end of one line and a word at the start of the next are two things.
  for (std::size_t i = 0; i < labels.size();) {
    std::size_t j = i;
    const bool multiline =
        labels[i] != 0 && model.types[labels[i] - 1] == EntityType::kStreetAddress;
    while (j + 1 < labels.size() && labels[j + 1] == labels[i] &&
           (multiline || !tokens[j + 1].line_start)) {
      ++j;
    }
    if (labels[i] != 0) {
      add_span(model, tokens, emissions.data(), i, j, labels[i], out);
    }
    i = j + 1;
  }
}

std::string default_tagger_path() {
#ifdef SWITCHYARD_PRIVACY_MODEL
  return SWITCHYARD_PRIVACY_MODEL;
#else
  return "models/privacy/tagger.bin";
#endif
}

}  // namespace switchyard::privacy
