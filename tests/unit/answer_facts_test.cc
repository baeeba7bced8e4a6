// Reading an upstream's whole answer without building it: what the one pass finds must be
// what the built answer says, and a model span is given only where replacing it is exact.
#include "providers/answer_facts.h"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::providers {
namespace {

namespace json = boost::json;

constexpr char kAnswer[] =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1796378659,"model":"up-1",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"you\"",)"
    R"("usage":{"prompt_tokens":99}}}],)"
    R"("usage":{"prompt_tokens":8,"completion_tokens":5,"total_tokens":13,)"
    R"("prompt_tokens_details":{"cached_tokens":2}}})";

std::string model_text(std::string_view text) {
  const auto facts = read_answer_facts(text);
  if (!facts || !facts->model_value) {
    return "<none>";
  }
  return std::string(
      text.substr(facts->model_value->begin, facts->model_value->end - facts->model_value->begin));
}

TEST(AnswerFactsTest, ReadsTheTopLevelUsageAndModel) {
  const auto facts = read_answer_facts(kAnswer);
  ASSERT_TRUE(facts.has_value());
  ASSERT_TRUE(facts->usage.has_value());
  // Not the "usage" inside a message, nor the nested details.
  EXPECT_EQ(facts->usage->prompt_tokens, 8);
  EXPECT_EQ(facts->usage->completion_tokens, 5);
  EXPECT_EQ(model_text(kAnswer), R"("up-1")");
}

TEST(AnswerFactsTest, UsageIsWhatAParserKeeps) {
  auto usage = [](const std::string& text) -> std::string {
    const auto facts = read_answer_facts(text);
    if (!facts) {
      return "invalid";
    }
    if (!facts->usage) {
      return "none";
    }
    return std::to_string(facts->usage->prompt_tokens) + "/" +
           std::to_string(facts->usage->completion_tokens);
  };
  EXPECT_EQ(usage(R"({"id":"x"})"), "none");
  EXPECT_EQ(usage(R"({"usage":null})"), "none");
  EXPECT_EQ(usage(R"({"usage":[1,2]})"), "none");
  EXPECT_EQ(usage(R"({"usage":{}})"), "0/0");
  EXPECT_EQ(usage(R"({"usage":{"prompt_tokens":1.5,"completion_tokens":"2"}})"), "0/0");
  EXPECT_EQ(usage(R"({"usage":{"prompt_tokens":18446744073709551615}})"), "-1/0");
  // Named twice: the last one counts, whatever it is.
  EXPECT_EQ(usage(R"({"usage":{"prompt_tokens":1},"usage":{"completion_tokens":2}})"), "0/2");
  EXPECT_EQ(usage(R"({"usage":{"prompt_tokens":1},"usage":null})"), "none");
}

TEST(AnswerFactsTest, ModelSpanOnlyWhereTheTextSpellsTheValue) {
  EXPECT_EQ(model_text(R"({ "model" : "m" , "x": 1 })"), R"("m")");
  EXPECT_EQ(model_text(R"({"model":""})"), R"("")");
  // Escaped value: the text does not hold it as the parser reads it.
  EXPECT_EQ(model_text(R"({"model":"a\u0062c"})"), "<none>");
  // Not a string, named twice, or only inside another member.
  EXPECT_EQ(model_text(R"({"model":null})"), "<none>");
  EXPECT_EQ(model_text(R"({"model":"a","model":"b"})"), "<none>");
  EXPECT_EQ(model_text(R"({"data":{"model":"a"}})"), "<none>");
  // A name written with an escape is still the name a parser reads.
  EXPECT_EQ(model_text(R"({"mod\u0065l":"a"})"), R"("a")");
}

TEST(AnswerFactsTest, RefusesWhatIsNotOneJsonObject) {
  for (const std::string text : {"", "[]", "\"model\"", "{", R"({"a":1} x)", R"({"a":1}{})",
                                 R"({"a":tru})", "{\"a\":\"\xff\"}"}) {
    EXPECT_FALSE(read_answer_facts(text).has_value()) << text;
  }
  EXPECT_TRUE(read_answer_facts(" {\"a\":1}\n").has_value());
}

}  // namespace
}  // namespace switchyard::providers
