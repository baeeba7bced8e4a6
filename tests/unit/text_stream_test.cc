#include "local/text_stream.h"

#include <gtest/gtest.h>

namespace switchyard::local {
namespace {

TEST(TextStreamTest, PassesPlainTextAtOnce) {
  TextStream stream({});
  EXPECT_EQ(stream.push("Hello"), "Hello");
  EXPECT_EQ(stream.push(", world"), ", world");
  EXPECT_EQ(stream.flush(), "");
}

TEST(TextStreamTest, HoldsASplitCharacterUntilItIsWhole) {
  TextStream stream({});
  const std::string euro = "\xE2\x82\xAC";
  EXPECT_EQ(stream.push("a" + euro.substr(0, 1)), "a");
  EXPECT_EQ(stream.push(euro.substr(1, 1)), "");
  EXPECT_EQ(stream.push(euro.substr(2) + "b"), euro + "b");
}

TEST(TextStreamTest, ReplacesMalformedBytes) {
  TextStream stream({});
  EXPECT_EQ(stream.push("x\xE2y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(stream.push("\x80"), "\xEF\xBF\xBD");
  TextStream ending({});
  EXPECT_EQ(ending.push("ok\xF0\x9F"), "ok");
  EXPECT_EQ(ending.flush(), "");  // an unfinished character at the end is dropped
}

TEST(TextStreamTest, StopsBeforeAStopSequenceSplitAcrossPieces) {
  TextStream stream({"END"});
  EXPECT_EQ(stream.push("one E"), "one ");
  EXPECT_EQ(stream.push("N"), "");
  EXPECT_EQ(stream.push("D two"), "");
  EXPECT_TRUE(stream.stopped());
  EXPECT_EQ(stream.push("more"), "");
}

TEST(TextStreamTest, ReleasesHeldTextThatTurnsOutNotToStop) {
  TextStream stream({"END", ""});
  EXPECT_EQ(stream.push("EN"), "");
  EXPECT_EQ(stream.push("d"), "ENd");
  EXPECT_FALSE(stream.stopped());
}

TEST(TextStreamTest, FirstOfSeveralStopSequencesWins) {
  TextStream stream({"bb", "a"});
  EXPECT_EQ(stream.push("xxbbya"), "xx");
}

}  // namespace
}  // namespace switchyard::local
