#include "router/intent_classifier.h"

#include <array>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "router_test_support.h"

namespace switchyard::router {
namespace {

using testing::read_bytes;
using testing::TemporaryDirectory;
using testing::write_bytes;

struct IntentTemplates {
  std::string_view label;
  std::array<std::string_view, 4> templates;  // "{}" is where a slot word goes
  std::array<std::string_view, 6> slots;
};

// Three intents and out-of-scope queries, each a template with a slot word. `first` picks
// which combinations a set gets, so a training set and a test set can share none.
constexpr std::array kIntents = {
    IntentTemplates{"weather",
                    {"what is the weather in {}", "will it rain in {} today",
                     "how hot is it in {} right now", "weather forecast for {} please"},
                    {"boston", "paris", "tokyo", "lima", "cairo", "oslo"}},
    IntentTemplates{"alarm",
                    {"set an alarm for {}", "wake me up at {}", "cancel the alarm at {}",
                     "i need an alarm at {} tomorrow"},
                    {"six am", "seven", "noon", "half past five", "eight thirty", "nine pm"}},
    IntentTemplates{
        "play_music",
        {"play some {}", "put on {} music", "i want to listen to {}", "start my {} playlist"},
        {"jazz", "rock", "classical", "country", "hip hop", "blues"}},
    IntentTemplates{"oos",
                    {"how many legs does a {} have", "who painted the {} picture",
                     "why is the {} so big", "tell me a fact about the {}"},
                    {"spider", "octopus", "moon", "ocean", "pyramid", "volcano"}},
};

std::vector<LabelledQuery> synthetic_queries(std::size_t slot_first, std::size_t slot_count) {
  std::vector<LabelledQuery> queries;
  for (const IntentTemplates& intent : kIntents) {
    for (const std::string_view pattern : intent.templates) {
      for (std::size_t s = slot_first; s < slot_first + slot_count; ++s) {
        const std::string_view slot = intent.slots[s % intent.slots.size()];
        queries.push_back({fmt::format(fmt::runtime(pattern), slot), std::string(intent.label)});
      }
    }
  }
  return queries;
}

IntentTrainingOptions small_options() {
  IntentTrainingOptions options;
  options.threshold_folds = 3;
  return options;
}

std::string write_jsonl(const TemporaryDirectory& dir, const std::string& name,
                        std::string_view lines) {
  std::string path = dir.file(name);
  write_bytes(path, lines);
  return path;
}

TEST(IntentClassifier, LearnsASmallSyntheticSet) {
  auto classifier = IntentClassifier::train(synthetic_queries(0, 4), small_options());
  ASSERT_TRUE(classifier.ok()) << classifier.error();
  EXPECT_EQ(classifier->labels().size(), 4U);
  EXPECT_EQ(classifier->oos_label(), "oos");

  // Slot words the training set never saw.
  const auto test = synthetic_queries(4, 2);
  const IntentScore score = evaluate(*classifier, test, "oos");
  EXPECT_EQ(score.in_scope, 24U);
  EXPECT_EQ(score.out_of_scope, 8U);
  EXPECT_GE(score.in_scope_accuracy(), 0.95);
  EXPECT_GE(score.oos_recall(), 0.75);
}

TEST(IntentClassifier, PredictionNamesTheIntentAndItsConfidence) {
  auto classifier = IntentClassifier::train(synthetic_queries(0, 6), small_options());
  ASSERT_TRUE(classifier.ok()) << classifier.error();
  const IntentPrediction alarm = classifier->predict("Set an ALARM for 6:30!");
  EXPECT_EQ(alarm.intent, "alarm");
  EXPECT_FALSE(alarm.out_of_scope);
  EXPECT_GT(alarm.confidence, 0.5F);
  EXPECT_LE(alarm.confidence, 1.0F);
  EXPECT_TRUE(classifier->predict("how many legs does a crab have").out_of_scope);
}

TEST(IntentClassifier, WithoutAnOutOfScopeLabelNothingIsOutOfScopeByClass) {
  IntentTrainingOptions options = small_options();
  options.oos_label = "";
  auto classifier = IntentClassifier::train(synthetic_queries(0, 4), options);
  ASSERT_TRUE(classifier.ok()) << classifier.error();
  EXPECT_EQ(classifier->oos_label(), "");
  EXPECT_EQ(classifier->labels().size(), 4U);  // "oos" is an ordinary label now
  EXPECT_EQ(classifier->threshold(), 0.0F);
  EXPECT_FALSE(classifier->predict("how many legs does a spider have").out_of_scope);
}

TEST(IntentClassifier, NeedsTwoInScopeLabels) {
  const std::vector<LabelledQuery> queries = {{"play jazz", "play_music"}, {"who am i", "oos"}};
  auto classifier = IntentClassifier::train(queries, small_options());
  ASSERT_FALSE(classifier.ok());
  EXPECT_NE(classifier.error().find("at least 2"), std::string::npos);
}

TEST(IntentClassifier, SeededTrainingIsReproducible) {
  const auto training = synthetic_queries(0, 4);
  auto first = IntentClassifier::train(training, small_options());
  auto second = IntentClassifier::train(training, small_options());
  ASSERT_TRUE(first.ok() && second.ok());
  TemporaryDirectory dir;
  ASSERT_TRUE(first->save(dir.file("first.bin")).ok());
  ASSERT_TRUE(second->save(dir.file("second.bin")).ok());
  EXPECT_EQ(read_bytes(dir.file("first.bin")), read_bytes(dir.file("second.bin")));
}

TEST(IntentClassifier, SaveAndLoadGiveIdenticalPredictions) {
  const auto training = synthetic_queries(0, 4);
  auto trained = IntentClassifier::train(training, small_options());
  ASSERT_TRUE(trained.ok()) << trained.error();
  TemporaryDirectory dir;
  const std::string path = dir.file("intent.bin");
  ASSERT_TRUE(trained->save(path).ok());
  auto loaded = IntentClassifier::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->labels(), trained->labels());
  EXPECT_EQ(loaded->threshold(), trained->threshold());
  for (const LabelledQuery& query : synthetic_queries(3, 3)) {
    const IntentPrediction a = trained->predict(query.text);
    const IntentPrediction b = loaded->predict(query.text);
    EXPECT_EQ(a.intent, b.intent) << query.text;
    EXPECT_EQ(a.confidence, b.confidence) << query.text;
    EXPECT_EQ(a.out_of_scope, b.out_of_scope) << query.text;
  }
}

class DamagedModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto trained = IntentClassifier::train(synthetic_queries(0, 2), small_options());
    ASSERT_TRUE(trained.ok()) << trained.error();
    ASSERT_TRUE(trained->save(path_).ok());
    bytes_ = read_bytes(path_);
  }

  std::string load_error(std::string_view bytes) {
    write_bytes(path_, bytes);
    auto loaded = IntentClassifier::load(path_);
    return loaded.ok() ? std::string() : loaded.error();
  }

  TemporaryDirectory dir_;
  std::string path_ = dir_.file("model.bin");
  std::string bytes_;
};

TEST_F(DamagedModelFile, EveryTruncationIsRefused) {
  for (std::size_t size = 0; size < bytes_.size(); size += 1 + size / 8) {
    const std::string error = load_error(std::string_view(bytes_).substr(0, size));
    EXPECT_FALSE(error.empty()) << "accepted " << size << " of " << bytes_.size() << " bytes";
  }
  EXPECT_NE(load_error(std::string_view(bytes_).substr(0, bytes_.size() - 1)).find("truncated"),
            std::string::npos);
}

TEST_F(DamagedModelFile, AFlippedByteIsRefusedAsCorrupt) {
  std::string damaged = bytes_;
  damaged[damaged.size() / 2] ^= 0x10;
  EXPECT_NE(load_error(damaged).find("corrupt"), std::string::npos);
}

TEST_F(DamagedModelFile, ForeignFilesAndMissingFilesAreNamed) {
  EXPECT_NE(load_error("GGUF and then some bytes").find("not a Switchyard intent model"),
            std::string::npos);
  auto missing = IntentClassifier::load(dir_.file("absent.bin"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot open"), std::string::npos);
}

TEST(ReadLabelledQueries, UsesTheFieldsItIsGiven) {
  TemporaryDirectory dir;
  const std::string path = write_jsonl(dir, "custom.jsonl",
                                       "{\"utterance\": \"play jazz\", \"class\": \"music\", "
                                       "\"text\": \"ignored\"}\n"
                                       "\n"
                                       "{\"utterance\": \"wake me at six\", \"class\": 7}\n");
  auto queries = read_labelled_queries(path, "utterance", "class");
  ASSERT_TRUE(queries.ok()) << queries.error();
  ASSERT_EQ(queries->size(), 2U);
  EXPECT_EQ((*queries)[0].text, "play jazz");
  EXPECT_EQ((*queries)[0].label, "music");
  EXPECT_EQ((*queries)[1].label, "7");
}

TEST(ReadLabelledQueries, ErrorsNameTheFileAndLine) {
  TemporaryDirectory dir;
  const std::string good = "{\"text\": \"play jazz\", \"intent\": \"music\"}\n";
  const std::string broken = write_jsonl(dir, "broken.jsonl", good + good + "{\"text\": \n");
  auto queries = read_labelled_queries(broken, "text", "intent");
  ASSERT_FALSE(queries.ok());
  EXPECT_NE(queries.error().find(broken + ":3: not valid JSON"), std::string::npos)
      << queries.error();

  const std::string unlabelled = write_jsonl(dir, "unlabelled.jsonl", good + "{\"text\": \"x\"}\n");
  queries = read_labelled_queries(unlabelled, "text", "intent");
  ASSERT_FALSE(queries.ok());
  EXPECT_NE(queries.error().find(unlabelled + ":2: no string or integer field \"intent\""),
            std::string::npos)
      << queries.error();

  queries = read_labelled_queries(unlabelled, "query", "intent");
  ASSERT_FALSE(queries.ok());
  EXPECT_NE(queries.error().find(":1: no string field \"query\""), std::string::npos);
}

TEST(SplitQueries, HoldsOutTheShareOfEveryLabelReproducibly) {
  const auto queries = synthetic_queries(0, 5);  // 20 of each label
  const QuerySplit split = split_queries(queries, 0.25, 7);
  EXPECT_EQ(split.heldout.size(), 20U);
  EXPECT_EQ(split.training.size(), 60U);
  for (const IntentTemplates& intent : kIntents) {
    EXPECT_EQ(std::count_if(split.heldout.begin(), split.heldout.end(),
                            [&](const LabelledQuery& q) { return q.label == intent.label; }),
              5);
  }
  const QuerySplit again = split_queries(queries, 0.25, 7);
  const QuerySplit other = split_queries(queries, 0.25, 8);
  const auto texts = [](const std::vector<LabelledQuery>& list) {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (const LabelledQuery& q : list) {
      out.push_back(q.text);
    }
    return out;
  };
  EXPECT_EQ(texts(again.heldout), texts(split.heldout));
  EXPECT_NE(texts(other.heldout), texts(split.heldout));
}

// The model committed in models/router/intent.bin, trained on CLINC150; loaded once.
const Result<IntentClassifier, std::string>& committed_model() {
  static const auto loaded = IntentClassifier::load(SWITCHYARD_INTENT_MODEL);
  return loaded;
}

TEST(CommittedIntentModel, NamesClearInScopeIntents) {
  const auto& model = committed_model();
  ASSERT_TRUE(model.ok()) << model.error();
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"what's the weather going to be like in chicago tomorrow", "weather"},
      {"please set an alarm for six thirty in the morning", "alarm"},
      {"how would i say good night in german", "translate"},
      {"move two hundred dollars from checking into my savings account", "transfer"},
      {"i lost my credit card, please block it", "report_lost_card"},
      {"add eggs and milk to my shopping list", "shopping_list_update"},
      {"tell me a joke", "tell_joke"},
  };
  for (const auto& [text, intent] : cases) {
    const IntentPrediction p = model->predict(text);
    EXPECT_EQ(p.intent, intent) << text;
    EXPECT_FALSE(p.out_of_scope) << text;
  }
}

TEST(CommittedIntentModel, FlagsClearlyOutOfScopeQueries) {
  const auto& model = committed_model();
  ASSERT_TRUE(model.ok()) << model.error();
  for (const std::string_view text : {
           "who was the first emperor of rome",
           "how do volcanoes form under the ocean",
           "what is the plot of hamlet",
           "explain how photosynthesis works in plants",
       }) {
    EXPECT_TRUE(model->predict(text).out_of_scope) << text;
  }
}

}  // namespace
}  // namespace switchyard::router
