#include "router/text_features.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

namespace switchyard::router {
namespace {

std::set<std::uint64_t> keys_of(const TextFeaturizer& featurizer, std::string_view text) {
  std::vector<Feature> features;
  featurizer.featurize(text, features);
  std::set<std::uint64_t> keys;
  for (const Feature& feature : features) {
    keys.insert(feature.key);
  }
  return keys;
}

FeatureOptions words_only(std::uint32_t ngrams) {
  FeatureOptions options;
  options.word_ngrams = ngrams;
  options.char_max = 0;
  return options;
}

FeatureOptions chars_only(std::uint32_t min, std::uint32_t max) {
  FeatureOptions options;
  options.word_ngrams = 0;
  options.char_min = min;
  options.char_max = max;
  return options;
}

TEST(NormalizeText, LowerCasesAndBreaksWordsAtPunctuation) {
  EXPECT_EQ(normalize_text("  How do I RESET my PIN?!  "), "how do i reset my pin");
  EXPECT_EQ(normalize_text("flights: NYC->LA, tomorrow"), "flights nyc la tomorrow");
}

TEST(NormalizeText, DropsApostrophesInsideWords) {
  EXPECT_EQ(normalize_text("what's my bank's routing number"), "whats my banks routing number");
  EXPECT_EQ(normalize_text("don\xE2\x80\x99t"), "dont");
}

TEST(NormalizeText, FoldsDigitsUnlessAskedNotTo) {
  EXPECT_EQ(normalize_text("set an alarm for 7:45"), "set an alarm for 0 00");
  EXPECT_EQ(normalize_text("room 101", false), "room 101");
}

TEST(NormalizeText, KeepsBytesOfOtherScriptsAsWordCharacters) {
  EXPECT_EQ(normalize_text("Grüße, München"), "grüße münchen");
  EXPECT_EQ(normalize_text(""), "");
  EXPECT_EQ(normalize_text("?!."), "");
}

TEST(TextFeaturizer, CountsWordUnigramsAndBigrams) {
  std::vector<Feature> features;
  TextFeaturizer(words_only(1)).featurize("play some jazz", features);
  EXPECT_EQ(features.size(), 3U);
  TextFeaturizer(words_only(2)).featurize("play some jazz", features);
  EXPECT_EQ(features.size(), 5U);  // 3 words + 2 pairs
  TextFeaturizer(words_only(3)).featurize("play some jazz", features);
  EXPECT_EQ(features.size(), 6U);  // and 1 triple
}

TEST(TextFeaturizer, CharacterNgramsIncludeTheBoundaryMarks) {
  std::vector<Feature> features;
  // "<ab>": 2-grams <a ab b>, 3-grams <ab ab>, 4-gram <ab>.
  TextFeaturizer(chars_only(2, 4)).featurize("ab", features);
  EXPECT_EQ(features.size(), 6U);
  // A suffix ("ing>") is shared by words that end alike, not by one that only contains it.
  const TextFeaturizer suffixes(chars_only(4, 4));
  const auto playing = keys_of(suffixes, "playing");
  const auto singing = keys_of(suffixes, "singing");
  const auto ingot = keys_of(suffixes, "ingot");
  std::vector<std::uint64_t> shared;
  std::set_intersection(playing.begin(), playing.end(), singing.begin(), singing.end(),
                        std::back_inserter(shared));
  EXPECT_EQ(shared.size(), 1U);
  std::vector<std::uint64_t> with_ingot;
  std::set_intersection(playing.begin(), playing.end(), ingot.begin(), ingot.end(),
                        std::back_inserter(with_ingot));
  EXPECT_TRUE(with_ingot.empty());
}

TEST(TextFeaturizer, CharacterNgramsCanSpanWords) {
  FeatureOptions across = chars_only(3, 3);
  across.chars_across_words = true;
  // "<ab cd>": <ab, ab_, b_c, _cd, cd> where each word alone gives only <ab, ab>, <cd, cd>.
  std::vector<Feature> features;
  TextFeaturizer(across).featurize("ab cd", features);
  EXPECT_EQ(features.size(), 5U);
  EXPECT_NE(keys_of(TextFeaturizer(across), "ab cd"), keys_of(TextFeaturizer(across), "abc d"));
  TextFeaturizer(across).featurize("", features);
  EXPECT_TRUE(features.empty());
}

TEST(TextFeaturizer, WordOrderMattersOnlyToPairs) {
  const TextFeaturizer unigrams(words_only(1));
  EXPECT_EQ(keys_of(unigrams, "jazz play"), keys_of(unigrams, "play jazz"));
  const TextFeaturizer bigrams(words_only(2));
  EXPECT_NE(keys_of(bigrams, "jazz play"), keys_of(bigrams, "play jazz"));
}

TEST(TextFeaturizer, SameTextSameFeaturesWhateverTheSurface) {
  const TextFeaturizer featurizer;
  EXPECT_EQ(keys_of(featurizer, "What's the weather?"), keys_of(featurizer, "whats the WEATHER"));
  EXPECT_NE(keys_of(featurizer, "whats the weather"), keys_of(featurizer, "whats the time"));
}

TEST(TextFeaturizer, GroupsAreScaledToUnitNorm) {
  FeatureOptions options;
  options.word_weight = 2.0F;
  options.char_weight = 0.5F;
  std::vector<Feature> features;
  TextFeaturizer(options).featurize("book a table for two tonight", features);
  // 6 words + 5 pairs come first, then the character n-grams.
  constexpr std::size_t kWordFeatures = 11;
  ASSERT_GT(features.size(), kWordFeatures);
  double words = 0;
  double chars = 0;
  for (std::size_t i = 0; i < features.size(); ++i) {
    (i < kWordFeatures ? words : chars) += features[i].value * features[i].value;
  }
  EXPECT_NEAR(words, 4.0, 1e-4);
  EXPECT_NEAR(chars, 0.25, 1e-4);
}

TEST(TextFeaturizer, KeysAreNeverZeroAndEmptyTextHasNoFeatures) {
  std::vector<Feature> features;
  const TextFeaturizer featurizer;
  featurizer.featurize("set a timer for ten minutes", features);
  EXPECT_TRUE(
      std::none_of(features.begin(), features.end(), [](const Feature& f) { return f.key == 0; }));
  featurizer.featurize(" ... ", features);
  EXPECT_TRUE(features.empty());
}

TEST(TextFeaturizer, LongTokensCostBoundedCharacterNgrams) {
  std::vector<Feature> features;
  const TextFeaturizer featurizer(chars_only(2, 5));
  featurizer.featurize(std::string(10000, 'x'), features);
  EXPECT_LT(features.size(), 200U);
}

TEST(FeatureOptions, RoundTripsThroughBytes) {
  FeatureOptions options;
  options.word_ngrams = 3;
  options.char_min = 3;
  options.char_max = 6;
  options.fold_digits = false;
  options.chars_across_words = true;
  options.word_weight = 0.75F;
  ByteWriter out;
  options.write(out);
  ByteReader in(out.data());
  auto read = FeatureOptions::read(in);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(*read, options);
  EXPECT_TRUE(in.at_end());
}

TEST(FeatureOptions, RefusesShortOrImpossibleOptions) {
  ByteWriter out;
  FeatureOptions{}.write(out);
  const std::string bytes = out.data();
  ByteReader short_input(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_FALSE(FeatureOptions::read(short_input).ok());

  FeatureOptions impossible;
  impossible.char_min = 6;
  impossible.char_max = 3;
  ByteWriter bad;
  impossible.write(bad);
  ByteReader in(bad.data());
  auto read = FeatureOptions::read(in);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::router
