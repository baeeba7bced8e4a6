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

// What Viterbi reads. The padded transitions have -inf in their padding: nothing arrives in
// a padding lane, so those lanes score -inf and never win anything.
struct ViterbiInput {
  std::size_t labels = 0;
  std::size_t vectors = 0;  // lanes per row
  const float* start = nullptr;
  const float* transitions = nullptr;  // [from * labels + to]
  const float* padded = nullptr;       // [from][vectors * kLaneWidth]
  const float* emissions = nullptr;
  std::size_t stride = 0;
  std::size_t n = 0;
};

// Viterbi's scores for one token over rows of Vectors lanes, or of in.vectors when Vectors is
// 0. A fixed size lets the compiler keep them in vector registers from one token to the next.
template <std::size_t Vectors>
struct ViterbiScores {
  static constexpr std::size_t kSize = Vectors == 0 ? kMaxVectors : Vectors;
  std::array<Lanes, kSize> lanes{};
  // Scratch for a step: each predecessor's score in every lane, or -inf out of the beam.
  std::array<Lanes, kSize * kLaneWidth> base{};

  float of(std::size_t label) const { return lanes[label / kLaneWidth][label % kLaneWidth]; }
};

template <std::size_t Vectors>
std::size_t vectors_of(const ViterbiInput& in) {
  return Vectors == 0 ? in.vectors : Vectors;
}

Lanes max_lanes(Lanes a, Lanes b) {
  return a > b ? a : b;  // one vector max instruction
}

// Labels far behind the best cannot win any more in practice, so a beam leaves predecessors
// under this floor out; label 0 always takes part. It saves no work here (every step takes all
// predecessors as vectors), but it can change a path, and the shipped model was trained with it.
template <std::size_t Vectors>
float beam_floor(const ViterbiInput& in, const ViterbiScores<Vectors>& scores) {
  Lanes top = scores.lanes[0];
  for (std::size_t v = 1; v < vectors_of<Vectors>(in); ++v) {
    top = max_lanes(top, scores.lanes[v]);
  }
  return std::max(std::max(top[0], top[1]), std::max(top[2], top[3])) - kBeam;
}

// The best score of arriving at every label of the next token (before its emissions), from
// `scores`. Only the maximum is taken here, in two interleaved chains so that the step from
// one token to the next is short; which predecessor gave it is left to the way back. The
// order a maximum is taken in changes nothing: equal values are equal floats, or zeros of
// either sign, which no later sum or comparison can tell apart.
template <std::size_t Vectors>
void viterbi_step(const ViterbiInput& in, float floor, ViterbiScores<Vectors>& scores) {
  auto& base = scores.base;
  for (std::size_t from = 0; from < in.labels; ++from) {
    const float score = scores.of(from);
    base[from] = Lanes{} + (from == 0 || score >= floor ? score : -kInfinity);
  }
  const std::size_t vectors = vectors_of<Vectors>(in);
  for (std::size_t v = 0; v < vectors; ++v) {
    Lanes even = base[0] + load_lanes(in.padded + v * kLaneWidth);
    Lanes odd = Lanes{} - kInfinity;
    for (std::size_t from = 1; from < in.labels; ++from) {
      const Lanes arrive = base[from] + load_lanes(in.padded + (from * vectors + v) * kLaneWidth);
      (from % 2 == 0 ? even : odd) = max_lanes(from % 2 == 0 ? even : odd, arrive);
    }
    scores.lanes[v] = max_lanes(even, odd);
  }
}

// The forward pass: every token's scores (rows of in.vectors lanes) and the beam floor each
// one set for the step after it.
template <std::size_t Vectors>
void forward(const ViterbiInput& in, float* all_scores, float* floors) {
  const std::size_t vectors = vectors_of<Vectors>(in);
  const std::size_t width = vectors * kLaneWidth;
  ViterbiScores<Vectors> scores;
  scores.lanes.fill(Lanes{} - kInfinity);
  for (std::size_t l = 0; l < in.labels; ++l) {
    scores.lanes[l / kLaneWidth][l % kLaneWidth] = in.start[l] + in.emissions[l];
  }
  for (std::size_t i = 0;; ++i) {
    for (std::size_t v = 0; v < vectors; ++v) {
      store_lanes(all_scores + i * width + v * kLaneWidth, scores.lanes[v]);
    }
    if (i + 1 == in.n) {
      return;
    }
    floors[i] = beam_floor(in, scores);
    viterbi_step(in, floors[i], scores);
    for (std::size_t v = 0; v < vectors; ++v) {
      scores.lanes[v] += load_lanes(in.emissions + (i + 1) * in.stride + v * kLaneWidth);
    }
  }
}

// The predecessor the best path into `to` came from, given the previous token's scores and
// beam floor: the lowest label whose sum reaches the maximum, as in a loop that keeps the first
// best. The answer is nearly always label 0 (outside, from outside), and returning as soon as
// it is found lets the processor predict it and start on the token before without waiting.
std::uint8_t best_predecessor(const ViterbiInput& in, const float* previous, float floor,
                              std::size_t to) {
  const auto arrive = [&](std::size_t from) {
    const bool in_beam = from == 0 || previous[from] >= floor;
    return in_beam ? previous[from] + in.transitions[from * in.labels + to] : -kInfinity;
  };
  float best = arrive(0);
  for (std::size_t from = 1; from < in.labels; ++from) {
    best = std::max(best, arrive(from));
  }
  std::size_t from = 0;
  while (from + 1 < in.labels && arrive(from) != best) {
    ++from;
  }
  return static_cast<std::uint8_t>(from);
}

}  // namespace

std::span<const EntityType> tagger_types() {
  return kTaggerTypes;
}

void best_labels(std::size_t labels, const float* start, const float* transitions,
                 const float* emissions, std::size_t stride, std::size_t n,
                 std::vector<std::uint8_t>& out, std::vector<float>& scratch) {
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
  const ViterbiInput in{labels,        width / kLaneWidth, start,  transitions,
                        padded.data(), emissions,          stride, n};

  scratch.resize(n * width + n);
  float* all_scores = scratch.data();
  float* floors = all_scores + n * width;
  with_row_vectors(in.vectors,
                   [&]<std::size_t Vectors>() { forward<Vectors>(in, all_scores, floors); });

  // Back from the best last label, finding each predecessor again.
  const float* last = all_scores + (n - 1) * width;
  std::uint8_t label = 0;
  for (std::size_t l = 1; l < labels; ++l) {
    label = last[l] > last[label] ? static_cast<std::uint8_t>(l) : label;
  }
  for (std::size_t i = n - 1; i > 0; --i) {
    out[i] = label;
    label = best_predecessor(in, all_scores + (i - 1) * width, floors[i - 1], label);
  }
  out[0] = label;
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
  thread_local std::vector<float> scratch;
  const Model& model = *model_;
  const std::size_t stride = model.features.stride();
  tagging::describe(text, tokens, model.lexicon, views);
  find_weights(model, views, weights);
  emissions.resize(tokens.size() * stride);
  with_row_vectors(stride / kLaneWidth, [&]<std::size_t Vectors>() {
    sum_emissions<Vectors>(weights, stride, tokens.size(), emissions.data());
  });
  best_labels(model.labels, model.start.data(), model.transitions.data(), emissions.data(), stride,
              tokens.size(), labels, scratch);

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
