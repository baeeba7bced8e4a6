#include "router/word_vectors.h"

#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "router/intent_classifier.h"
#include "router/text_features.h"
#include "router_test_support.h"

namespace switchyard::router {
namespace {

using testing::TemporaryDirectory;
using testing::write_bytes;

// Four dimensions: money, travel, music and a noise axis. Words of one topic point the same
// way, so each has the others of its topic as its nearest neighbours.
constexpr std::string_view kVectors =
    "8 4\n"
    "the 0.1 0.1 0.1 0.9\n"
    "money 1.0 0.0 0.1 0.0\n"
    "cash 0.9 0.1 0.0 0.1\n"
    "funds 0.8 0.0 0.2 0.1\n"
    "flight 0.0 1.0 0.0 0.1\n"
    "aircraft 0.1 0.9 0.1 0.0\n"
    "song 0.0 0.1 1.0 0.0\n"
    "tune 0.1 0.0 0.9 0.1\n";

std::string vector_file(const TemporaryDirectory& dir, std::string_view text = kVectors) {
  std::string path = dir.file("vectors.txt");
  write_bytes(path, text);
  return path;
}

float norm(const std::vector<float>& v) {
  return std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0F));
}

TEST(WordVectors, ReadsTheTextFormatAndSkipsACountHeader) {
  TemporaryDirectory dir;
  auto vectors = WordVectors::read_text(vector_file(dir), {});
  ASSERT_TRUE(vectors.ok()) << vectors.error();
  EXPECT_EQ(vectors->size(), 8U);
  EXPECT_EQ(vectors->dimensions(), 4U);
  EXPECT_TRUE(vectors->contains("cash"));
  EXPECT_FALSE(vectors->contains("8"));
  EXPECT_FALSE(vectors->contains("pizza"));
}

TEST(WordVectors, KeepsTheMostFrequentWordsAndTheOnesAskedFor) {
  TemporaryDirectory dir;
  auto vectors =
      WordVectors::read_text(vector_file(dir), {.max_words = 2, .also_keep = {"tune", "pizza"}});
  ASSERT_TRUE(vectors.ok()) << vectors.error();
  EXPECT_EQ(vectors->size(), 3U);
  EXPECT_TRUE(vectors->contains("the"));
  EXPECT_TRUE(vectors->contains("money"));
  EXPECT_TRUE(vectors->contains("tune"));
  EXPECT_FALSE(vectors->contains("cash"));
}

TEST(WordVectors, ErrorsNameTheFileAndLine) {
  TemporaryDirectory dir;
  auto ragged = WordVectors::read_text(vector_file(dir, "a 1 2 3\nb 1 2\n"), {});
  ASSERT_FALSE(ragged.ok());
  EXPECT_NE(ragged.error().find("vectors.txt:2: 2 numbers where the first line has 3"),
            std::string::npos)
      << ragged.error();
  auto garbage = WordVectors::read_text(vector_file(dir, "a 1 2\nb 1 x\n"), {});
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().find("vectors.txt:2"), std::string::npos) << garbage.error();
  auto empty = WordVectors::read_text(vector_file(dir, ""), {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().find("no word vectors"), std::string::npos);
  EXPECT_FALSE(WordVectors::read_text(dir.file("absent.txt"), {}).ok());
}

TEST(WordVectors, TextVectorIsUnitLengthAndWeighsCommonWordsDown) {
  TemporaryDirectory dir;
  auto weighted = WordVectors::read_text(vector_file(dir), {});
  auto uniform = WordVectors::read_text(vector_file(dir), {.sif_a = 0});
  ASSERT_TRUE(weighted.ok()) << weighted.error();
  ASSERT_TRUE(uniform.ok()) << uniform.error();
  std::vector<float> v(4);
  std::vector<float> flat(4);
  EXPECT_EQ(weighted->text_vector(split_words("the cash and the aircraft"), v), 4U);
  EXPECT_EQ(uniform->text_vector(split_words("the cash and the aircraft"), flat), 4U);
  EXPECT_NEAR(norm(v), 1.0F, 1e-5F);
  EXPECT_NEAR(norm(flat), 1.0F, 1e-5F);
  // "the" is the most frequent word: weighted by frequency, its noise axis counts for less
  // and cash and aircraft for more than when every word counts alike.
  EXPECT_LT(v[3], flat[3] - 0.1F);
  EXPECT_GT(v[0], flat[0]);
  EXPECT_GT(v[1], flat[1]);

  EXPECT_EQ(weighted->text_vector(split_words("nothing known here"), v), 0U);
  EXPECT_EQ(norm(v), 0.0F);
}

TEST(WordVectors, NeighboursAreTheNearestCandidatesAboveTheFloor) {
  TemporaryDirectory dir;
  auto vectors = WordVectors::read_text(vector_file(dir), {});
  ASSERT_TRUE(vectors.ok()) << vectors.error();
  const std::vector<std::string> candidates = {"money", "funds", "flight", "song", "the"};
  vectors->link_neighbours(candidates, 2, 0.5F);

  const auto cash = vectors->neighbours("cash");
  ASSERT_EQ(cash.size(), 2U);
  EXPECT_EQ(vectors->word(cash[0].word), "money");
  EXPECT_EQ(vectors->word(cash[1].word), "funds");
  EXPECT_GE(cash[0].similarity, cash[1].similarity);

  // A word is not its own neighbour, and nothing below the floor is linked.
  const auto money = vectors->neighbours("money");
  ASSERT_EQ(money.size(), 1U);
  EXPECT_EQ(vectors->word(money[0].word), "funds");
  const auto tune = vectors->neighbours("tune");
  ASSERT_EQ(tune.size(), 1U);
  EXPECT_EQ(vectors->word(tune[0].word), "song");
  EXPECT_TRUE(vectors->neighbours("pizza").empty());
}

TEST(WordVectors, WriteAndReadGiveTheSameTable) {
  TemporaryDirectory dir;
  auto vectors = WordVectors::read_text(vector_file(dir), {});
  ASSERT_TRUE(vectors.ok()) << vectors.error();
  vectors->link_neighbours(std::vector<std::string>{"money", "song"}, 1, 0.5F);
  ByteWriter out;
  vectors->write(out);
  ByteReader in(out.data());
  auto copy = WordVectors::read(in);
  ASSERT_TRUE(copy.ok()) << copy.error();
  EXPECT_TRUE(in.at_end());
  std::vector<float> a(4);
  std::vector<float> b(4);
  vectors->text_vector(split_words("cash for a tune"), a);
  copy->text_vector(split_words("cash for a tune"), b);
  EXPECT_EQ(a, b);
  ASSERT_EQ(copy->neighbours("tune").size(), 1U);
  EXPECT_EQ(copy->word(copy->neighbours("tune")[0].word), "song");

  for (std::size_t size = 0; size < out.data().size(); size += 1 + size / 4) {
    ByteReader short_in(std::string_view(out.data()).substr(0, size));
    EXPECT_FALSE(WordVectors::read(short_in).ok()) << "accepted " << size << " bytes";
  }
}

// What the vectors are for: a query whose words the training set never pairs with its intent
// is still understood through the words it resembles.
TEST(IntentClassifierWithWordVectors, UnderstandsWordsTrainingNeverSaw) {
  const std::vector<LabelledQuery> training = {
      {"send money to my sister", "transfer"},  {"move money to savings", "transfer"},
      {"i want to send money", "transfer"},     {"money transfer please", "transfer"},
      {"book a flight to rome", "book_flight"}, {"find me a flight tomorrow", "book_flight"},
      {"i need a flight home", "book_flight"},  {"flight to paris please", "book_flight"},
      {"play a song i like", "play_music"},     {"play that song again", "play_music"},
      {"put on a song for me", "play_music"},   {"song please", "play_music"},
  };
  TemporaryDirectory dir;
  auto read = WordVectors::read_text(vector_file(dir), {});
  ASSERT_TRUE(read.ok()) << read.error();
  auto vectors = std::make_shared<const WordVectors>(std::move(read).value());

  IntentTrainingOptions options;
  options.oos_label.clear();
  options.word_vectors = vectors;
  auto with = IntentClassifier::train(training, options);
  ASSERT_TRUE(with.ok()) << with.error();
  EXPECT_EQ(with->predict("cash").intent, "transfer");
  EXPECT_EQ(with->predict("aircraft").intent, "book_flight");
  EXPECT_EQ(with->predict("tune").intent, "play_music");

  // The same query without vectors: no feature of it was seen, so the model cannot tell.
  options.word_vectors = nullptr;
  auto without = IntentClassifier::train(training, options);
  ASSERT_TRUE(without.ok()) << without.error();
  const IntentPrediction guess = without->predict("aircraft");
  EXPECT_LT(guess.confidence, with->predict("aircraft").confidence);

  // The vectors travel in the model file.
  const std::string path = dir.file("intent.bin");
  ASSERT_TRUE(with->save(path).ok());
  auto loaded = IntentClassifier::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  ASSERT_NE(loaded->word_vectors(), nullptr);
  // Training linked each word to the training words it resembles.
  ASSERT_FALSE(loaded->word_vectors()->neighbours("aircraft").empty());
  EXPECT_EQ(loaded->word_vectors()->word(loaded->word_vectors()->neighbours("aircraft")[0].word),
            "flight");
  EXPECT_EQ(loaded->predict("tune").intent, "play_music");
  EXPECT_EQ(loaded->predict("tune").confidence, with->predict("tune").confidence);
}

}  // namespace
}  // namespace switchyard::router
