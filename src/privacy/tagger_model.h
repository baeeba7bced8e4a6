// Internal to the tagger: the model in memory (labels, transition and feature weights, the
// dictionary) and its file format. See tagger.h for what the model does. A Model is immutable
// once built and read from any thread.
//
// File layout, little-endian:
//   "SWYDTAG1"                         magic, 8 bytes
//   u32 feature_version                tagging::kFeatureVersion at training time
//   u32 label_count; label_count x { u8 length; name }     label 0 is "O"
//   f32 scale                          weight = stored int16 * scale
//   i16 start[L]; i16 transitions[L*L] (from-major)
//   u32 feature_count; feature_count x { u64 key; i16 weights[L] }
//   u32 common_count; u32 keys[]; u32 proper_count; u32 keys[]
//   u64 FNV-1a of every byte above
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/result.h"
#include "privacy/entity.h"
#include "privacy/tagger.h"
#include "privacy/tagger_features.h"

namespace switchyard::privacy {

// Four weights that the compiler keeps in one vector register (SSE2 on x86-64, NEON on ARM64),
// so that the tagger adds and compares four labels at a time. A GCC and Clang extension; each
// lane is computed exactly as the scalar float operation would be.
using Lanes = float __attribute__((vector_size(16)));
using LaneMask = std::int32_t __attribute__((vector_size(16)));
inline constexpr std::size_t kLaneWidth = 4;

inline Lanes load_lanes(const float* at) {
  Lanes lanes;
  std::memcpy(&lanes, at, sizeof(lanes));
  return lanes;
}

inline void store_lanes(float* at, Lanes lanes) {
  std::memcpy(at, &lanes, sizeof(lanes));
}

// The label count rounded up to whole lanes: the stride of FeatureTable rows and of the
// tagger's emission rows.
inline std::size_t padded_width(std::size_t labels) {
  return (labels + kLaneWidth - 1) / kLaneWidth * kLaneWidth;
}

// Feature key -> one weight per label, open addressing (keys are never 0). A slot holds the
// key and the index of its row, so a probe reads one small array; the rows are dense and padded
// to whole lanes (the padding is 0), so adding one is a few whole-vector adds.
class FeatureTable {
 public:
  void assign(std::size_t labels, const std::vector<std::uint64_t>& keys,
              const std::vector<float>& rows);
  // The padded row of `key` (stride() floats), or null when the model does not have it.
  // Inline: the tagger calls it for every feature of every token.
  const float* find(std::uint64_t key) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = slot_of(key, mask);; slot = (slot + 1) & mask) {
      if (slots_[slot].key == key) {
        return &rows_[slots_[slot].row * stride_];
      }
      if (slots_[slot].key == 0) {
        return nullptr;
      }
    }
  }
  std::size_t size() const { return count_; }
  std::size_t stride() const { return stride_; }

  // Every (key, row) pair in slot order, for saving; the row has the label count's weights.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& slot : slots_) {
      if (slot.key != 0) {
        fn(slot.key, &rows_[slot.row * stride_]);
      }
    }
  }

 private:
  // Feature keys are already hashes (with the low bit forced on), so their high bits index the
  // table directly.
  static std::size_t slot_of(std::uint64_t key, std::size_t mask) { return (key >> 20) & mask; }

  struct Slot {
    std::uint64_t key = 0;
    std::uint64_t row = 0;
  };

  std::size_t stride_ = 0;
  std::size_t count_ = 0;
  std::vector<Slot> slots_;
  std::vector<float> rows_;
};

struct Tagger::Model {
  std::vector<EntityType> types;  // label i > 0 is types[i - 1]
  std::size_t labels = 1;
  std::vector<float> start;        // [labels]
  std::vector<float> transitions;  // [from * labels + to]
  FeatureTable features;
  tagging::Lexicon lexicon;
};

Result<bool, std::string> write_model(const Tagger::Model& model, const std::string& path);
Result<std::shared_ptr<Tagger::Model>, std::string> read_model(const std::string& path);

}  // namespace switchyard::privacy

namespace switchyard::privacy {

// The best label sequence under emission scores `emissions` and the given start and transition
// weights (Viterbi). `emissions` has n rows of `stride` floats, a multiple of kLaneWidth not
// under `labels`; only the first `labels` of a row count. Replaces `out`; `scratch` keeps its
// capacity for the next call.
void best_labels(std::size_t labels, const float* start, const float* transitions,
                 const float* emissions, std::size_t stride, std::size_t n,
                 std::vector<std::uint8_t>& out, std::vector<float>& scratch);

}  // namespace switchyard::privacy
