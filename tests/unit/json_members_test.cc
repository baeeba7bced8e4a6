// The scan that finds a top-level member's value in an object's text: it must find exactly the
// member a parser sees, never a nested one or one inside a string, and give up where it could
// be wrong.
#include "common/json_members.h"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard {
namespace {

namespace json = boost::json;

std::string value_text(std::string_view text, std::string_view name) {
  const auto span = find_member_value(text, name);
  return span ? std::string(text.substr(span->begin, span->end - span->begin)) : "<none>";
}

TEST(JsonMembersTest, FindsTheValueOfEachKindOfMember) {
  const std::string text =
      R"( { "id" : "a1", "n": -12.5e3, "ok":true, "none" : null , "list": [1, [2], {"x": "]"}],)"
      R"( "obj": {"model": "inner", "deep": {"a": [{}]}}, "model" :"bench-model" } )";
  EXPECT_EQ(value_text(text, "id"), R"("a1")");
  EXPECT_EQ(value_text(text, "n"), "-12.5e3");
  EXPECT_EQ(value_text(text, "ok"), "true");
  EXPECT_EQ(value_text(text, "none"), "null");
  EXPECT_EQ(value_text(text, "list"), R"([1, [2], {"x": "]"}])");
  EXPECT_EQ(value_text(text, "obj"), R"({"model": "inner", "deep": {"a": [{}]}})");
  EXPECT_EQ(value_text(text, "model"), R"("bench-model")");
  EXPECT_EQ(value_text(text, "missing"), "<none>");
}

TEST(JsonMembersTest, StringsWithQuotesBracketsAndEscapesDoNotMislead) {
  const std::string text =
      R"({"content":"say \"model\": {\"x\"} and \\","tail":"\\\"}","model":"m"})";
  EXPECT_EQ(value_text(text, "content"), R"("say \"model\": {\"x\"} and \\")");
  EXPECT_EQ(value_text(text, "tail"), R"("\\\"}")");
  EXPECT_EQ(value_text(text, "model"), R"("m")");
}

TEST(JsonMembersTest, GivesUpWhereItCouldBeWrong) {
  // Two members of one name: a parser keeps the last, so replacing one would be wrong.
  EXPECT_EQ(value_text(R"({"model":"a","model":"b"})", "model"), "<none>");
  // A name with an escape might spell "model".
  EXPECT_EQ(value_text(R"({"mod\u0065l":"a","model":"b"})", "model"), "<none>");
  // Not an object, or cut short.
  EXPECT_EQ(value_text(R"(["model","a"])", "model"), "<none>");
  EXPECT_EQ(value_text(R"({"model":"a")", "model"), "<none>");
  EXPECT_EQ(value_text(R"({"model":"a)", "model"), "<none>");
  EXPECT_EQ(value_text("", "model"), "<none>");
}

TEST(JsonMembersTest, CountsMembersAtEveryDepthAndNoneInsideStrings) {
  EXPECT_EQ(count_members("{}"), 0U);
  EXPECT_EQ(count_members("[1, 2, {\"a\": [ {\"b\":1} ]}]"), 2U);
  EXPECT_EQ(count_members(R"({"a:b":"c:d","e\":":{"f":":"}})"), 3U);
  // A name written twice counts twice: the parsed document has one member fewer.
  const std::string repeated = R"({"m":[{"role":"user","content":"x","content":"y"}]})";
  EXPECT_EQ(count_members(repeated), 4U);
  const boost::json::value parsed = boost::json::parse(repeated);
  EXPECT_EQ(parsed.at("m").at(0).as_object().size(), 2U);
}

// Whatever the text, the replacement parses to what editing the parsed object gives.
TEST(JsonMembersTest, ReplacementParsesToTheEditedObject) {
  const std::vector<std::string> answers = {
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1796378659,"model":"up",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"there\"",)"
      R"("refusal":null},"logprobs":null,"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":8,"completion_tokens":5,"total_tokens":13}})",
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,-1e-3]}],)"
      R"( "model" : "embed-up" , "usage":{"prompt_tokens":2,"total_tokens":2}})",
      "{\n  \"model\": \"up\",\n  \"choices\": []\n}\n",
  };
  for (const std::string& answer : answers) {
    const std::string replaced = replace_member_value(answer, "model", R"("public \"name\"")");
    ASSERT_FALSE(replaced.empty()) << answer;
    json::object expected = json::parse(answer).as_object();
    expected["model"] = "public \"name\"";
    EXPECT_EQ(json::parse(replaced), json::value(expected)) << replaced;
  }
  EXPECT_TRUE(replace_member_value(R"({"id":"x"})", "model", R"("m")").empty());
}

}  // namespace
}  // namespace switchyard
