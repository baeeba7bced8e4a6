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
constexpr std::size_t kMaxVectors = kMaxLabels / kLaneWidth;
constexpr float kInfinity = std::numeric_limits<float>::infinity();

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
float mean_margin(const float* emissions, std::size_t labels, std::size_t stride, std::size_t first,
                  std::size_t last, std::uint8_t label) {
  float total = 0;
  for (std::size_t i = first; i <= last; ++i) {
    const float* row = emissions + i * stride;
    float other = -std::numeric_limits<float>::infinity();
    for (std::size_t l = 0; l < labels; ++l) {
      other = l != label ? std::max(other, row[l]) : other;
    }
    total += row[label] - other;
  }
  return total / static_cast<float>(last - first + 1);
}

void add_span(const Tagger::Model& model, std::span<const Token> tokens, const float* emissions,
              std::size_t first, std::size_t last, std::uint8_t label, std::vector<Entity>& out) {
  const float margin = std::max(
      0.0F, mean_margin(emissions, model.labels, model.features.stride(), first, last, label));
  Entity entity;
  entity.type = model.types[label - 1];
  entity.data_class = class_of(entity.type);
  entity.begin = tokens[first].begin;
  entity.end = tokens[last].end;
  entity.confidence =
      kTaggerFloor + (kTaggerCeiling - kTaggerFloor) * (1.0F - std::exp(-margin / kMarginScale));
  out.push_back(entity);
}

// The weight row of every feature of every token (kFeaturesPerToken per token, null where the
// model does not know the feature). Every lookup is independent of the others, so the loads of
// many rows are in flight at once instead of each waiting for the sums before it.
void find_weights(const Tagger::Model& model, std::span<const tagging::TokenView> views,
                  std::vector<const float*>& out) {
  out.resize(views.size() * tagging::kFeaturesPerToken);
  const float** next = out.data();
  for (std::size_t i = 0; i < views.size(); ++i) {
    tagging::token_features(views, i,
                            [&](std::uint64_t key) { *next++ = model.features.find(key); });
  }
}

// Calls fn.template operator()<Vectors>() with the lanes per row as a compile-time constant
// for the label counts models have (ours have 10 labels: 3 vectors), and with 0, meaning "a
// run-time count", for the others.
template <class Fn>
void with_row_vectors(std::size_t vectors, Fn&& fn) {
  switch (vectors) {
    case 1:
      fn.template operator()<1>();
      break;
    case 2:
      fn.template operator()<2>();
      break;
    case 3:
      fn.template operator()<3>();
      break;
    case 4:
      fn.template operator()<4>();
      break;
    default:
      fn.template operator()<0>();
  }
}

// Each token's emission row: the sum of its features' rows, added in feature order so that
// every sum is exactly the one training computed. Rows are `stride` floats, whole lanes.
template <std::size_t Vectors>
void sum_emissions(std::span<const float* const> weights, std::size_t stride, std::size_t n,
                   float* emissions) {
  const std::size_t vectors = Vectors == 0 ? stride / kLaneWidth : Vectors;
  for (std::size_t i = 0; i < n; ++i) {
    std::array<Lanes, Vectors == 0 ? kMaxVectors : Vectors> sum{};
    for (const float* feature :
         weights.subspan(i * tagging::kFeaturesPerToken, tagging::kFeaturesPerToken)) {
      for (std::size_t v = 0; feature != nullptr && v < vectors; ++v) {
        sum[v] += load_lanes(feature + v * kLaneWidth);
      }
    }
    for (std::size_t v = 0; v < vectors; ++v) {
      store_lanes(emissions + i * stride + v * kLaneWidth, sum[v]);
    }
  }
}

// What Viterbi reads. The transitions are padded like the emissions, with -inf: nothing
// arrives in a padding lane, so those lanes score -inf and never win anything.
struct ViterbiInput {
  std::size_t labels = 0;
  std::size_t vectors = 0;  // lanes per row
  const float* start = nullptr;
  const float* transitions = nullptr;  // [from][vectors * kLaneWidth]
  const float* emissions = nullptr;
  std::size_t stride = 0;
  std::size_t n = 0;
};

// Viterbi's state over rows of Vectors lanes, or of in.vectors when Vectors is 0. Fixed
// sizes let the compiler keep the whole state in vector registers, so that no step of the
// chain from one token to the next waits on memory.
template <std::size_t Vectors>
struct ViterbiLanes {
  static constexpr std::size_t kSize = Vectors == 0 ? kMaxVectors : Vectors;
  std::array<Lanes, kSize> score{};
  std::array<LaneMask, kSize> from{};

  float score_of(std::size_t label) const { return score[label / kLaneWidth][label % kLaneWidth]; }
};

template <std::size_t Vectors>
std::size_t vectors_of(const ViterbiInput& in) {
  return Vectors == 0 ? in.vectors : Vectors;
}

template <std::size_t Vectors>
float best_score(const ViterbiInput& in, const ViterbiLanes<Vectors>& current) {
  Lanes top = current.score[0];
  for (std::size_t v = 1; v < vectors_of<Vectors>(in); ++v) {
    top = top > current.score[v] ? top : current.score[v];
  }
  return std::max(std::max(top[0], top[1]), std::max(top[2], top[3]));
}

// Folds the predecessors [first, last) into `best` in order. One wins a lane only when
// strictly ahead, so ties keep the lower predecessor. A predecessor under `floor` is out of
// the beam and takes part as -inf, which never wins.
template <std::size_t Vectors>
void arrive(const ViterbiInput& in, const ViterbiLanes<Vectors>& current, std::size_t first,
            std::size_t last, float floor, ViterbiLanes<Vectors>& best) {
  const std::size_t vectors = vectors_of<Vectors>(in);
  for (std::size_t from = first; from < last; ++from) {
    const float score = current.score_of(from);
    const float base = score >= floor ? score : -kInfinity;
    const float* row = in.transitions + from * vectors * kLaneWidth;
    const LaneMask label = LaneMask{} + static_cast<std::int32_t>(from);
    for (std::size_t v = 0; v < vectors; ++v) {
      const Lanes value = base + load_lanes(row + v * kLaneWidth);
      const LaneMask better = value > best.score[v];
      best.score[v] = better ? value : best.score[v];
      best.from[v] = better ? label : best.from[v];
    }
  }
}

// One step to the next token: the best predecessor of every label and the score of arriving
// from it, replacing `current` (before the token's emissions are added). Labels far behind the
// best cannot win any more in practice, so a beam leaves them out; label 0 always takes part.
// The predecessors are split in two halves, two independent chains of comparisons that end in
// one more; as the upper half wins only when strictly ahead, the result is the same as one loop
// over all of them.
template <std::size_t Vectors>
void viterbi_step(const ViterbiInput& in, ViterbiLanes<Vectors>& current) {
  const std::size_t vectors = vectors_of<Vectors>(in);
  const float floor = best_score(in, current) - kBeam;
  ViterbiLanes<Vectors> low;
  ViterbiLanes<Vectors> high;
  for (std::size_t v = 0; v < vectors; ++v) {
    low.score[v] = current.score_of(0) + load_lanes(in.transitions + v * kLaneWidth);
    low.from[v] = LaneMask{};
    high.score[v] = Lanes{} - kInfinity;
    high.from[v] = LaneMask{};
  }
  const std::size_t half = (in.labels + 1) / 2;
  arrive(in, current, 1, half, floor, low);
  arrive(in, current, half, in.labels, floor, high);
  for (std::size_t v = 0; v < vectors; ++v) {
    const LaneMask better = high.score[v] > low.score[v];
    current.score[v] = better ? high.score[v] : low.score[v];
    current.from[v] = better ? high.from[v] : low.from[v];
  }
}

// The forward pass: fills `back` (each token's best predecessor per label) and leaves the last
// token's scores in `last`.
template <std::size_t Vectors>
void forward(const ViterbiInput& in, std::uint8_t* back, std::array<float, kMaxLabels>& last) {
  const std::size_t vectors = vectors_of<Vectors>(in);
  ViterbiLanes<Vectors> current;
  current.score.fill(Lanes{} - kInfinity);
  for (std::size_t l = 0; l < in.labels; ++l) {
    current.score[l / kLaneWidth][l % kLaneWidth] = in.start[l] + in.emissions[l];
  }
  for (std::size_t i = 1; i < in.n; ++i) {
    viterbi_step(in, current);
    for (std::size_t v = 0; v < vectors; ++v) {
      current.score[v] += load_lanes(in.emissions + i * in.stride + v * kLaneWidth);
    }
    for (std::size_t l = 0; l < in.labels; ++l) {
      back[i * in.labels + l] =
          static_cast<std::uint8_t>(current.from[l / kLaneWidth][l % kLaneWidth]);
    }
  }
  for (std::size_t l = 0; l < in.labels; ++l) {
    last[l] = current.score_of(l);
  }
}

}  // namespace

std::span<const EntityType> tagger_types() {
  return kTaggerTypes;
}

void best_labels(std::size_t labels, const float* start, const float* transitions,
                 const float* emissions, std::size_t stride, std::size_t n,
                 std::vector<std::uint8_t>& out, std::vector<std::uint8_t>& back) {
  out.assign(n, 0);
  if (n == 0) {
    return;
  }
  const std::size_t width = padded_width(labels);
  thread_local std::vector<float> padded;
  padded.assign(labels * width, -kInfinity);
  for (std::size_t from = 0; from < labels; ++from) {
    std::copy_n(transitions + from * labels, labels,
                padded.begin() + static_cast<long>(from * width));
  }
  const ViterbiInput in{labels, width / kLaneWidth, start, padded.data(), emissions, stride, n};

  back.resize(n * labels);
  std::array<float, kMaxLabels> last{};
  with_row_vectors(in.vectors,
                   [&]<std::size_t Vectors>() { forward<Vectors>(in, back.data(), last); });

  std::uint8_t label = 0;
  for (std::size_t l = 1; l < labels; ++l) {
    label = last[l] > last[label] ? static_cast<std::uint8_t>(l) : label;
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
  thread_local std::vector<const float*> weights;
  thread_local std::vector<float> emissions;
  thread_local std::vector<std::uint8_t> labels;
  thread_local std::vector<std::uint8_t> back;
  const Model& model = *model_;
  const std::size_t stride = model.features.stride();
  tagging::describe(text, tokens, model.lexicon, views);
  find_weights(model, views, weights);
  emissions.resize(tokens.size() * stride);
  with_row_vectors(stride / kLaneWidth, [&]<std::size_t Vectors>() {
    sum_emissions<Vectors>(weights, stride, tokens.size(), emissions.data());
  });
  best_labels(model.labels, model.start.data(), model.transitions.data(), emissions.data(), stride,
              tokens.size(), labels, back);

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
