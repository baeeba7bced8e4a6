#include "privacy/tagger.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "privacy/tagger_model.h"
#include "scanner_fixture.h"
#include "test_values.h"

namespace switchyard::privacy {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::string write_temp(const std::string& name, std::string_view bytes) {
  std::string path = testing::temp_path(name);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
  return path;
}

const Scanner& with_model() {
  static const Scanner scanner = [] {
    GuardOptions options;
    options.model_path = default_tagger_path();
    auto made = Scanner::create(options);
    EXPECT_TRUE(made.ok()) << made.error();
    return std::move(made).value();
  }();
  return scanner;
}

bool has(const testing::Found& found, std::string_view type, std::string_view value) {
  for (const auto& [found_type, found_value] : found) {
    if (found_type == type && found_value.find(value) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(TaggerTest, TheShippedModelLoadsAndIsSmall) {
  auto tagger = Tagger::load(default_tagger_path());
  ASSERT_TRUE(tagger.ok()) << tagger.error();
  EXPECT_GT(tagger->feature_count(), 1000u);
  EXPECT_LT(fs::file_size(default_tagger_path()), 5u * 1024 * 1024);
}

TEST(TaggerTest, FindsANameAndAnAddressInANewSentence) {
  // Written for this test; not in the training data.
  const std::string text =
      "Please send the contract to Marguerite Okonkwo at 4821 Willowbrook Avenue, Dayton.";
  const auto found = testing::found(with_model(), text);
  EXPECT_TRUE(has(found, "PERSON", "Okonkwo")) << ::testing::PrintToString(found);
  EXPECT_TRUE(has(found, "STREET_ADDRESS", "Willowbrook")) << ::testing::PrintToString(found);
}

TEST(TaggerTest, FindsPeopleIntroducedInOtherWays) {
  const auto found = testing::found(with_model(), "My name is Tobiah Fennimore and I need help.");
  EXPECT_TRUE(has(found, "PERSON", "Fennimore")) << ::testing::PrintToString(found);
}

TEST(TaggerTest, ACorruptModelIsRefusedWithAClearError) {
  std::string bytes = read_bytes(default_tagger_path());
  ASSERT_GT(bytes.size(), 1000u);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5A);
  const std::string damaged_path = write_temp("damaged.bin", bytes);
  auto damaged = Tagger::load(damaged_path);
  fs::remove(damaged_path);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().find("checksum"), std::string::npos) << damaged.error();

  const std::string truncated_path = write_temp("truncated.bin", bytes.substr(0, 10));
  auto truncated = Tagger::load(truncated_path);
  fs::remove(truncated_path);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("truncated"), std::string::npos) << truncated.error();

  const std::string other_path = write_temp("other.bin", "this is not a model at all");
  auto other = Tagger::load(other_path);
  fs::remove(other_path);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().find("magic"), std::string::npos) << other.error();

  GuardOptions options;
  options.model_path = "/nonexistent/tagger.bin";
  auto scanner = Scanner::create(options);
  ASSERT_FALSE(scanner.ok());
  EXPECT_NE(scanner.error().find("cannot open"), std::string::npos) << scanner.error();
}

// Viterbi as a plain loop over labels, the way the tagger's vectorised one must behave: a
// predecessor more than `beam` behind the best is skipped (label 0 never is), and ties keep the
// lowest predecessor, then the lowest final label.
std::vector<std::uint8_t> plain_best_labels(std::size_t labels, const std::vector<float>& start,
                                            const std::vector<float>& transitions,
                                            const std::vector<float>& emissions, std::size_t stride,
                                            std::size_t n, float beam) {
  std::vector<float> score(labels);
  std::vector<std::uint8_t> back(n * labels);
  for (std::size_t l = 0; l < labels; ++l) {
    score[l] = start[l] + emissions[l];
  }
  for (std::size_t i = 1; i < n; ++i) {
    const float floor = *std::max_element(score.begin(), score.end()) - beam;
    std::vector<float> next(labels);
    for (std::size_t to = 0; to < labels; ++to) {
      next[to] = score[0] + transitions[to];
      for (std::size_t from = 1; from < labels; ++from) {
        const float value = score[from] + transitions[from * labels + to];
        if (score[from] >= floor && value > next[to]) {
          next[to] = value;
          back[i * labels + to] = static_cast<std::uint8_t>(from);
        }
      }
    }
    for (std::size_t to = 0; to < labels; ++to) {
      score[to] = next[to] + emissions[i * stride + to];
    }
  }
  std::vector<std::uint8_t> out(n);
  auto label =
      static_cast<std::uint8_t>(std::max_element(score.begin(), score.end()) - score.begin());
  for (std::size_t i = n; i-- > 0;) {
    out[i] = label;
    label = back[i * labels + label];
  }
  return out;
}

TEST(TaggerTest, ViterbiMatchesAPlainLoopForAnyLabelCount) {
  // Whole numbers make ties common. Transitions larger than the beam let a label outside it
  // win, so a beam applied differently would change the answer.
  constexpr float kBeam = 150.0F;  // as tagger.cc
  std::mt19937 random(7);
  const auto random_weights = [&](std::size_t size, int spread) {
    std::uniform_int_distribution<int> weight(-spread, spread);
    std::vector<float> values(size);
    std::generate(values.begin(), values.end(), [&] { return static_cast<float>(weight(random)); });
    return values;
  };
  for (std::size_t labels = 1; labels <= 24; ++labels) {
    const std::size_t stride = padded_width(labels);
    const std::size_t n = 40;
    const std::vector<float> start = random_weights(labels, 100);
    const std::vector<float> transitions = random_weights(labels * labels, 300);
    const std::vector<float> emissions = random_weights(n * stride, 100);
    std::vector<std::uint8_t> out;
    std::vector<float> scratch;
    best_labels(labels, start.data(), transitions.data(), emissions.data(), stride, n, out,
                scratch);
    EXPECT_EQ(out, plain_best_labels(labels, start, transitions, emissions, stride, n, kBeam))
        << labels << " labels";
  }
}

std::vector<LabelledText> tiny_training_set() {
  std::vector<LabelledText> examples;
  const char* names[] = {"Alma Rossi", "Kevin Ward", "Ines Moreau", "Tomas Berg", "Lena Vogel"};
  for (const char* name : names) {
    LabelledText example;
    example.text = std::string("My name is ") + name + " and I live here.";
    Entity person;
    person.type = EntityType::kPerson;
    person.begin = 11;
    person.end = static_cast<std::uint32_t>(11 + std::string_view(name).size());
    example.entities.push_back(person);
    examples.push_back(example);
  }
  return examples;
}

TEST(TaggerTrainingTest, TrainingIsReproducibleForOneSeed) {
  TaggerTrainingOptions options;
  options.words_file = "";
  options.min_feature_count = 1;
  const auto examples = tiny_training_set();
  auto first = Tagger::train(examples, options);
  auto second = Tagger::train(examples, options);
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string a = write_temp("first.bin", "");
  const std::string b = write_temp("second.bin", "");
  ASSERT_TRUE(first->save(a).ok());
  ASSERT_TRUE(second->save(b).ok());
  EXPECT_EQ(read_bytes(a), read_bytes(b));

  // And what it learned tags a name it saw in a new sentence.
  auto loaded = Tagger::load(a);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  std::vector<Token> tokens;
  const std::string text = "My name is Kevin Ward and I live here.";
  tokenize(text, tokens);
  std::vector<Entity> out;
  loaded->tag(text, tokens, out);
  fs::remove(a);
  fs::remove(b);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text.substr(out[0].begin, out[0].size()), "Kevin Ward");
}

}  // namespace
}  // namespace switchyard::privacy
