// Text features for the router's linear models: turns a short text (a user query, a prompt)
// into a sparse vector of hashed features. The text is normalized (ASCII letters lower-cased,
// digits folded to '0', apostrophes dropped so "what's" reads "whats", every other ASCII
// punctuation mark a word break; bytes of other scripts are kept as word characters), split
// into words, and described by
//   - word n-grams: each word, and each run of up to `word_ngrams` words;
//   - character n-grams inside each word, `char_min` to `char_max` bytes long, of the word
//     framed by boundary marks ("<how>" gives "<h", "ho", "ow", "w>", "<ho", ...), so a
//     misspelt or inflected word still shares most of its features with the known form.
// Each feature is a 64-bit hash (never 0) of its group and bytes. Within a group every
// occurrence carries weight / sqrt(occurrences in the group), so short and long texts have
// features of comparable scale and neither group drowns the other.
//
// Example:
//   TextFeaturizer featurizer(FeatureOptions{});
//   std::vector<Feature> features;
//   featurizer.featurize("How do I reset my PIN?", features);
//
// Thread safety: a TextFeaturizer is immutable; featurize() may run on many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/binary_io.h"
#include "common/result.h"

namespace switchyard::router {

// One entry of a sparse input: a hashed feature and its value. A text's list may hold the same
// key more than once; a linear model sums them.
struct Feature {
  std::uint64_t key = 0;
  float value = 0;
};

// Which features a text gets. A model is only meaningful with the options it was trained
// with, so they are stored in its file.
struct FeatureOptions {
  std::uint32_t word_ngrams = 2;    // 0: no word features; 1: words; 2: and pairs of words; ...
  std::uint32_t char_min = 2;       // shortest character n-gram, boundary marks included
  std::uint32_t char_max = 5;       // longest; 0 for no character n-grams
  bool fold_digits = true;          // every digit reads '0'
  bool chars_across_words = false;  // character n-grams of the whole text, spaces included
  float word_weight = 1.0F;         // scale of the word n-gram group
  float char_weight = 1.0F;         // scale of the character n-gram group

  bool operator==(const FeatureOptions&) const = default;

  void write(ByteWriter& out) const;
  // Reads what write() wrote; fails on a short buffer or values out of range.
  static Result<FeatureOptions, std::string> read(ByteReader& in);
};

// The key of the word unigram `word` (a normalized word), as featurize() gives it.
std::uint64_t word_unigram_key(std::string_view word);

// The normalized form of `text` described above, words separated by one space, with no
// leading or trailing space.
std::string normalize_text(std::string_view text, bool fold_digits = true);

// The words of normalized text, as views into it.
std::vector<std::string_view> split_words(std::string_view normalized);

class TextFeaturizer {
 public:
  explicit TextFeaturizer(FeatureOptions options = {});

  // Replaces `out` with the features of `text`; reuses its capacity.
  void featurize(std::string_view text, std::vector<Feature>& out) const;

  const FeatureOptions& options() const { return options_; }

 private:
  void add_word_ngrams(const std::vector<std::string_view>& words, std::vector<Feature>& out) const;
  void add_char_ngrams(const std::vector<std::string_view>& words, std::vector<Feature>& out) const;

  FeatureOptions options_;
};

}  // namespace switchyard::router
