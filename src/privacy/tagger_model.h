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
#include <string>
#include <vector>

#include "common/result.h"
#include "privacy/entity.h"
#include "privacy/tagger.h"
#include "privacy/tagger_features.h"

namespace switchyard::privacy {

// Feature key -> one weight per label, open addressing (keys are never 0).
class FeatureTable {
 public:
  void assign(std::size_t labels, const std::vector<std::uint64_t>& keys,
              const std::vector<float>& rows);
  const float* find(std::uint64_t key) const;
  std::size_t size() const { return count_; }

  // Every (key, row) pair, for saving.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t slot = 0; slot < keys_.size(); ++slot) {
      if (keys_[slot] != 0) {
        fn(keys_[slot], &rows_[slot * labels_]);
      }
    }
  }

 private:
  std::size_t labels_ = 0;
  std::size_t count_ = 0;
  std::vector<std::uint64_t> keys_;
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

// The best label sequence under emission scores `emissions` ([n * labels]) and the given start
// and transition weights (Viterbi). Replaces `out`; `back` is scratch.
void best_labels(std::size_t labels, const float* start, const float* transitions,
                 const float* emissions, std::size_t n, std::vector<std::uint8_t>& out,
                 std::vector<std::uint8_t>& back);

}  // namespace switchyard::privacy
