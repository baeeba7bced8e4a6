#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "router/difficulty_data.h"
#include "router/difficulty_features.h"
#include "router/difficulty_random.h"
#include "router/difficulty_scorer.h"
#include "router/routing_metrics.h"

namespace switchyard::router {
namespace {

std::string temp_path(std::string_view name) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::temp_directory_path() /
          (std::string("difficulty_") + test->name() + "_" + std::string(name)))
      .string();
}

std::string write_file(std::string_view name, std::string_view contents) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// A request of a synthetic set, owning its prompt.
struct SyntheticRequest {
  std::string prompt;
  bool weak_correct = false;
  bool strong_correct = false;
  int topic = 0;
};

constexpr std::array<std::string_view, 12> kFiller = {"please",  "explain", "the",  "answer",
                                                      "briefly", "with",    "a",    "short",
                                                      "reason",  "for",     "each", "step"};
constexpr std::array<std::string_view, 3> kTopicWords = {"geometry", "history", "cooking"};

// Hard requests (only the strong model gets them right) nearly always carry the word "theorem", and
// geometry, topic 0, is hard more often than the others.
std::vector<SyntheticRequest> synthetic_requests(std::size_t count, std::uint64_t seed) {
  SeededRandom random(seed);
  std::vector<SyntheticRequest> out;
  for (std::size_t i = 0; i < count; ++i) {
    SyntheticRequest request;
    request.topic = static_cast<int>(random.below(kTopicWords.size()));
    const bool hard = random.unit() < (request.topic == 0 ? 0.5 : 0.15);
    request.prompt = std::string(kTopicWords[request.topic]) + " question:";
    for (int w = 0; w < 8; ++w) {
      request.prompt += " " + std::string(kFiller[random.below(kFiller.size())]);
    }
    if (hard == (random.unit() < 0.95)) {
      request.prompt += " using the theorem";
    }
    request.weak_correct = !hard && random.unit() < 0.9;
    request.strong_correct = hard || random.unit() < 0.95;
    out.push_back(std::move(request));
  }
  return out;
}

std::vector<DifficultyExample> examples_of(const std::vector<SyntheticRequest>& requests) {
  std::vector<DifficultyExample> out;
  for (const SyntheticRequest& r : requests) {
    out.push_back({r.prompt, r.weak_correct, r.strong_correct, r.topic});
  }
  return out;
}

DifficultyTrainingOptions small_options() {
  DifficultyTrainingOptions options;
  options.gain_hash_bits = 12;
  options.topic_hash_bits = 10;
  options.trees = 30;
  return options;
}

double heldout_apgr(const DifficultyScorer& scorer, const std::vector<SyntheticRequest>& test) {
  std::vector<RoutedOutcome> outcomes;
  for (const SyntheticRequest& r : test) {
    outcomes.push_back({scorer.score(r.prompt), r.weak_correct, r.strong_correct});
  }
  return apgr(routing_curve(outcomes));
}

TEST(DifficultyFeaturesTest, SettledBucketsAreSortedAndDistinctAtEverySizeAndWidth) {
  SeededRandom random(7);
  for (const unsigned bits : {8U, 11U, 14U, 16U, 17U, 24U}) {
    // Both sides of the switch to the radix sort, with many repeats and with few.
    for (const std::size_t count : {0UL, 1UL, 255UL, 256UL, 257UL, 1000UL, 5000UL}) {
      PromptFeatures features;
      for (std::size_t i = 0; i < count; ++i) {
        features.buckets.push_back(
            static_cast<std::uint32_t>(random.below(std::size_t{1} << bits)));
      }
      std::vector<std::uint32_t> expected = features.buckets;
      std::sort(expected.begin(), expected.end());
      expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
      settle_buckets(bits, features);
      EXPECT_EQ(features.buckets, expected) << bits << " bits, " << count << " buckets";
      const float weight =
          expected.empty() ? 0.0F : 1.0F / std::sqrt(static_cast<float>(expected.size()));
      EXPECT_EQ(features.bucket_weight, weight);
    }
  }
}

TEST(DifficultyScorerTest, LearnsWhichPromptsOnlyTheStrongModelAnswers) {
  const auto training = synthetic_requests(600, 1);
  const auto test = synthetic_requests(1000, 2);
  const DifficultyScorer scorer = DifficultyScorer::train(examples_of(training), small_options());
  // The best any scorer can do here: rank by the marker, then by the topic. Random is 0.5.
  std::vector<RoutedOutcome> ideal;
  for (const SyntheticRequest& r : test) {
    const bool marked = r.prompt.find("theorem") != std::string::npos;
    ideal.push_back(
        {(marked ? 2.0 : 0.0) + (r.topic == 0 ? 1.0 : 0.0), r.weak_correct, r.strong_correct});
  }
  const double best = apgr(routing_curve(ideal));
  ASSERT_GT(best, 0.75);
  EXPECT_GT(heldout_apgr(scorer, test), best - 0.05);
  const std::string_view filler = " please explain the answer briefly with a short reason";
  EXPECT_GT(scorer.score("geometry question:" + std::string(filler) + " using the theorem"),
            scorer.score("cooking question:" + std::string(filler)));
}

TEST(DifficultyScorerTest, InfersTheTopicFromTheText) {
  DifficultyTrainingOptions options = small_options();
  options.topic_count = kTopicWords.size();
  const auto requests = synthetic_requests(600, 3);
  const DifficultyScorer scorer = DifficultyScorer::train(examples_of(requests), options);
  ASSERT_TRUE(scorer.has_topics());
  const std::string_view filler = " please explain the answer briefly with a short reason";
  EXPECT_GT(scorer.parts("geometry question:" + std::string(filler)).topic,
            scorer.parts("cooking question:" + std::string(filler)).topic);
}

TEST(DifficultyScorerTest, SameExamplesGiveTheSameModelFile) {
  DifficultyTrainingOptions options = small_options();
  options.topic_count = kTopicWords.size();
  const auto requests = synthetic_requests(300, 4);
  const auto examples = examples_of(requests);
  const std::string first = DifficultyScorer::train(examples, options).to_bytes();
  const std::string second = DifficultyScorer::train(examples, options).to_bytes();
  ASSERT_EQ(first.size(), second.size());
  const auto differs = std::mismatch(first.begin(), first.end(), second.begin());
  EXPECT_EQ(differs.first - first.begin(), first.end() - first.begin()) << "of " << first.size();
}

TEST(DifficultyScorerTest, SavedModelScoresExactlyAsTrained) {
  DifficultyTrainingOptions options = small_options();
  options.topic_count = kTopicWords.size();
  const auto requests = synthetic_requests(300, 5);
  const DifficultyScorer trained = DifficultyScorer::train(examples_of(requests), options);
  const std::string path = temp_path("model.bin");
  ASSERT_TRUE(trained.save(path).ok());
  auto loaded = DifficultyScorer::load(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->to_bytes(), trained.to_bytes());
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(loaded->score(requests[i].prompt), trained.score(requests[i].prompt));
  }
  EXPECT_EQ(loaded->threshold_for_share(0.3), trained.threshold_for_share(0.3));
}

TEST(DifficultyScorerTest, DamagedFilesAreErrorsNotCrashes) {
  const auto requests = synthetic_requests(200, 6);
  const std::string bytes =
      DifficultyScorer::train(examples_of(requests), small_options()).to_bytes();
  // Every truncation, sampled.
  for (std::size_t size = 0; size < bytes.size(); size += 1 + size / 8) {
    auto loaded = DifficultyScorer::from_bytes(std::string_view(bytes).substr(0, size));
    EXPECT_FALSE(loaded.ok()) << "truncated to " << size;
  }
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  auto corrupt = DifficultyScorer::from_bytes(flipped);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error().find("checksum"), std::string::npos) << corrupt.error();

  std::string foreign = bytes;
  foreign[0] = 'X';
  auto wrong = DifficultyScorer::from_bytes(foreign);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().find("bad magic"), std::string::npos) << wrong.error();
}

TEST(DifficultyScorerTest, NewerFormatVersionIsRefusedByName) {
  const auto requests = synthetic_requests(100, 7);
  std::string bytes = DifficultyScorer::train(examples_of(requests), small_options()).to_bytes();
  bytes[8] = 9;  // the format version follows the 8-byte magic
  auto loaded = DifficultyScorer::from_bytes(bytes);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().find("format 9"), std::string::npos) << loaded.error();
}

TEST(DifficultyScorerTest, MissingFileNamesThePath) {
  auto loaded = DifficultyScorer::load("/nonexistent/difficulty.bin");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().find("/nonexistent/difficulty.bin"), std::string::npos);
  const std::string empty = write_file("empty.bin", "");
  auto from_empty = DifficultyScorer::load(empty);
  std::filesystem::remove(empty);
  ASSERT_FALSE(from_empty.ok());
  EXPECT_NE(from_empty.error().find(empty), std::string::npos) << from_empty.error();
}

TEST(DifficultyScorerTest, ThresholdEscalatesTheRequestedShare) {
  const auto requests = synthetic_requests(100, 8);
  DifficultyScorer scorer = DifficultyScorer::train(examples_of(requests), small_options());
  std::vector<double> scores;
  for (int i = 0; i < 1000; ++i) {
    scores.push_back(static_cast<double>((i * 7919) % 1000) / 1000);  // each of k/1000 once
  }
  scorer.calibrate(scores);
  double previous = scorer.threshold_for_share(0);
  for (const double share : {0.0, 0.05, 0.1, 0.2, 0.5, 0.9, 1.0}) {
    const double threshold = scorer.threshold_for_share(share);
    const auto escalated =
        std::count_if(scores.begin(), scores.end(), [&](double s) { return s > threshold; });
    EXPECT_NEAR(static_cast<double>(escalated), share * 1000, 1.0) << "share " << share;
    EXPECT_LE(threshold, previous);
    previous = threshold;
  }
  EXPECT_EQ(scorer.threshold_for_share(-1), scorer.threshold_for_share(0));
  EXPECT_EQ(scorer.threshold_for_share(2), scorer.threshold_for_share(1));
}

TEST(DifficultyDataTest, ReadsRecordsAndSkipsBlankLines) {
  const std::string path =
      write_file("ok.jsonl",
                 "{\"q\": \"What is 2+2?\", \"w\": true, \"s\": 1, \"src\": \"math\"}\n\n"
                 "{\"q\": \"Name a poet.\", \"w\": 0, \"s\": false, \"src\": \"lit\"}\n");
  auto records = read_difficulty_records(path, {"q", "w", "s", "src", ""});
  std::filesystem::remove(path);
  ASSERT_TRUE(records.ok()) << records.error();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].prompt, "What is 2+2?");
  EXPECT_TRUE((*records)[0].weak_correct);
  EXPECT_TRUE((*records)[0].strong_correct);
  EXPECT_FALSE((*records)[1].weak_correct);
  EXPECT_EQ((*records)[1].stratum, "lit");
}

TEST(DifficultyDataTest, ErrorsNameTheFileAndLine) {
  const struct {
    std::string_view line;
    std::string_view says;
  } cases[] = {
      {"not json", "not a JSON object"},
      {R"({"prompt": 3, "weak_correct": true, "strong_correct": true})", "'prompt'"},
      {R"({"prompt": "x", "strong_correct": true})", "missing field 'weak_correct'"},
      {R"({"prompt": "x", "weak_correct": "yes", "strong_correct": true})", "not a boolean"},
      {R"({"prompt": "x", "weak_correct": true, "strong_correct": 2})", "not a boolean"},
  };
  for (const auto& c : cases) {
    const std::string good = R"({"prompt": "ok", "weak_correct": true, "strong_correct": true})";
    const std::string path =
        write_file("bad.jsonl", good + "\n" + good + "\n" + std::string(c.line));
    auto records = read_difficulty_records(path, {});
    std::filesystem::remove(path);
    ASSERT_FALSE(records.ok()) << c.line;
    EXPECT_NE(records.error().find(path + ":3: "), std::string::npos) << records.error();
    EXPECT_NE(records.error().find(c.says), std::string::npos) << records.error();
  }
  auto missing = read_difficulty_records("/nonexistent/data.jsonl", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot open /nonexistent/data.jsonl"), std::string::npos);
}

std::vector<DifficultyRecord> records_of(const std::vector<SyntheticRequest>& requests) {
  std::vector<DifficultyRecord> out;
  for (const SyntheticRequest& r : requests) {
    out.push_back(
        {r.prompt, r.weak_correct, r.strong_correct, std::string(kTopicWords[r.topic]), {}});
  }
  return out;
}

TEST(DifficultySplitTest, HoldsOutTheShareOfEveryStratumReproducibly) {
  const auto records = records_of(synthetic_requests(1000, 9));
  const DataSplit split = split_records(records, 0.2, 11);
  EXPECT_EQ(split.training.size() + split.heldout.size(), records.size());
  std::vector<std::size_t> all = split.training;
  all.insert(all.end(), split.heldout.begin(), split.heldout.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());  // disjoint

  for (const std::string_view topic : kTopicWords) {
    const auto in = [&](const std::vector<std::size_t>& part) {
      return static_cast<double>(std::count_if(
          part.begin(), part.end(), [&](std::size_t i) { return records[i].stratum == topic; }));
    };
    const double total = in(split.training) + in(split.heldout);
    EXPECT_NEAR(in(split.heldout) / total, 0.2, 0.02) << topic;
  }
  EXPECT_EQ(split_records(records, 0.2, 11).heldout, split.heldout);
  EXPECT_NE(split_records(records, 0.2, 12).heldout, split.heldout);
}

}  // namespace
}  // namespace switchyard::router
