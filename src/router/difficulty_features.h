// What the difficulty scorer reads in a prompt: hashed n-grams and a fixed set of dense
// measurements. Kept apart from the model so that it can later be shared with the other
// router classifiers; nothing here knows about routing.
//
// Sparse part: word unigrams and bigrams (lowercased; a number becomes its shape, "<num3>"),
// each kept separately for the question stem and for the answer options when the prompt has
// them, plus the stem's opening words. Each feature is hashed into 2^hash_bits buckets; a
// prompt's bucket set is L2-normalised (every present bucket weighs 1/sqrt(count)).
//
// Dense part (kDenseFeatureCount values, named by dense_feature_name): length, the
// arithmetic load of a word problem (numbers, distinct numbers, operations, quantity words,
// sentences), the structure of multiple-choice options, and lexical shape. The values are raw;
// the model standardises them. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace switchyard::router {

// Bump when the features a prompt yields change: models record it and refuse other versions.
inline constexpr std::uint32_t kDifficultyFeatureVersion = 1;
inline constexpr std::size_t kDenseFeatureCount = 32;

struct PromptFeatures {
  std::vector<std::uint32_t> buckets;  // sorted, distinct
  float bucket_weight = 0;             // the weight of every bucket, 1/sqrt(buckets.size())
  std::array<float, kDenseFeatureCount> dense{};
};

// Fills `out` (reusing its storage) with the features of `prompt`. `hash_bits` in [8, 24].
void extract_features(std::string_view prompt, unsigned hash_bits, PromptFeatures& out);

// Sorts `buckets` (each under 2^hash_bits) and drops repeats, and sets `features.bucket_weight`
// to match. A radix sort for the long lists of long prompts, where std::sort was a fifth of a
// decision.
void settle_buckets(unsigned hash_bits, PromptFeatures& features);

// A short name for dense feature `index`, for reports.
std::string_view dense_feature_name(std::size_t index);

}  // namespace switchyard::router
