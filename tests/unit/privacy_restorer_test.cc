// Restoration of placeholders in answers: exact and loosely copied placeholders, JSON escaping
// inside tool-call arguments, and streams split at every byte.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "privacy/restorer.h"

namespace switchyard::privacy {
namespace {

namespace json = boost::json;

class PrivacyRestorerTest : public ::testing::Test {
 protected:
  PrivacyRestorerTest() {
    vault_.placeholder_for(EntityType::kPerson, "Ada Lovelace");
    vault_.placeholder_for(EntityType::kEmail, "ada@example.com");
    vault_.placeholder_for(EntityType::kPerson, R"(Bob "the Builder")");
  }

  std::string plain(std::string_view text) const {
    return restore_text(text, vault_, TextKind::kPlain);
  }

  Vault vault_;
};

TEST_F(PrivacyRestorerTest, RestoresExactPlaceholders) {
  EXPECT_EQ(plain("Dear <PERSON_1>, we wrote to <EMAIL_1>."),
            "Dear Ada Lovelace, we wrote to ada@example.com.");
}

TEST_F(PrivacyRestorerTest, ToleratesCaseAndSpacingChanges) {
  for (const char* text :
       {"<person_1>", "< PERSON_1 >", "<PERSON 1>", "<Person-1>", "<email 1>", "<  Email_1>"}) {
    const std::string restored = plain(text);
    EXPECT_TRUE(restored == "Ada Lovelace" || restored == "ada@example.com") << text;
  }
}

TEST_F(PrivacyRestorerTest, LeavesUnknownAndBrokenPlaceholdersAlone) {
  for (const char* text : {"<PERSON_9>", "<PERSON_1", "a < b > c", "<<PERSON_1>>x", "<>", "<"}) {
    const std::string restored = plain(text);
    if (std::string_view(text) == "<<PERSON_1>>x") {
      EXPECT_EQ(restored, "<Ada Lovelace>x");
    } else {
      EXPECT_EQ(restored, text);
    }
  }
}

TEST_F(PrivacyRestorerTest, EscapesValuesInsideJsonText) {
  const std::string arguments =
      restore_text(R"({"to":"<PERSON_2>","cc":"<PERSON_1>"})", vault_, TextKind::kJson);
  const json::value parsed = json::parse(arguments);
  EXPECT_EQ(parsed.at("to"), R"(Bob "the Builder")");
  EXPECT_EQ(parsed.at("cc"), "Ada Lovelace");
}

// Every way to cut the text in two, then in single bytes: the output is always the whole
// restored text, and ordinary text before a '<' is never held back.
TEST_F(PrivacyRestorerTest, StreamRestoresPlaceholdersSplitAtEveryByte) {
  const std::string text = "Hi <PERSON_1>, mail < email_1 > or <PERSON 2>! a<b <X_1>";
  const std::string expected = plain(text);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    StreamRestorer restorer(vault_, TextKind::kPlain);
    std::string out = restorer.push(std::string_view(text).substr(0, cut));
    out += restorer.push(std::string_view(text).substr(cut));
    out += restorer.finish();
    EXPECT_EQ(out, expected) << "cut at " << cut;
  }
  StreamRestorer bytewise(vault_, TextKind::kPlain);
  std::string out;
  for (const char c : text) {
    out += bytewise.push(std::string_view(&c, 1));
  }
  out += bytewise.finish();
  EXPECT_EQ(out, expected);
}

TEST_F(PrivacyRestorerTest, StreamHoldsBackOnlyWhatCouldBeAPlaceholder) {
  StreamRestorer restorer(vault_, TextKind::kPlain);
  EXPECT_EQ(restorer.push("plain text"), "plain text");
  EXPECT_EQ(restorer.push("Dear <PER"), "Dear ");
  EXPECT_EQ(restorer.push("SON_1> and <ZEBRA"), "Ada Lovelace and <ZEBRA");
  EXPECT_EQ(restorer.push(" <"), " ");
  EXPECT_EQ(restorer.finish(), "<");
}

TEST_F(PrivacyRestorerTest, RestoresWholeAnswers) {
  json::object answer = json::parse(R"({"choices":[{"index":0,"message":{
    "content":"Hello <PERSON_1>","tool_calls":[{"id":"c","type":"function",
    "function":{"name":"mail","arguments":"{\"to\":\"<PERSON_2>\"}"}}]}}]})")
                            .as_object();
  restore_answer(answer, vault_);
  const auto& message = answer.at("choices").at(0).at("message");
  EXPECT_EQ(message.at("content"), "Hello Ada Lovelace");
  const auto arguments =
      json::parse(message.at("tool_calls").at(0).at("function").at("arguments").as_string());
  EXPECT_EQ(arguments.at("to"), R"(Bob "the Builder")");
}

TEST_F(PrivacyRestorerTest, RestoresRefusalsContentPartsAndLegacyFunctionCalls) {
  json::object answer = json::parse(R"({"choices":[
    {"index":0,"message":{"content":[{"type":"text","text":"To <PERSON_1>"},{"type":"x"}],
                          "refusal":"I will not write to <EMAIL_1>"}},
    {"index":1,"message":{"content":null,"function_call":
                          {"name":"mail","arguments":"{\"to\":\"<PERSON_2>\"}"}}}]})")
                            .as_object();
  restore_answer(answer, vault_);
  const auto& first = answer.at("choices").at(0).at("message");
  EXPECT_EQ(first.at("content").at(0).at("text"), "To Ada Lovelace");
  EXPECT_EQ(first.at("refusal"), "I will not write to ada@example.com");
  const auto& legacy = answer.at("choices").at(1).at("message").at("function_call");
  EXPECT_EQ(json::parse(legacy.at("arguments").as_string()).at("to"), R"(Bob "the Builder")");
}

json::object content_chunk(std::string_view content, bool finish = false) {
  json::object choice{{"index", 0}, {"delta", json::object{{"content", content}}}};
  choice["finish_reason"] = finish ? json::value("stop") : json::value(nullptr);
  return json::object{{"choices", json::array{std::move(choice)}}};
}

std::string delta_content(const json::object& chunk) {
  const auto& delta = chunk.at("choices").at(0).at("delta").as_object();
  const auto* content = delta.if_contains("content");
  return content != nullptr ? std::string(content->as_string()) : "";
}

TEST_F(PrivacyRestorerTest, ChunksFlushWhatIsHeldWhenTheChoiceFinishes) {
  ChunkRestorer restorer(vault_);
  std::string text;
  for (const char* piece : {"Dear <", "PERSON", "_1", "> and <"}) {
    json::object chunk = content_chunk(piece);
    restorer.restore(chunk);
    text += delta_content(chunk);
  }
  EXPECT_EQ(text, "Dear Ada Lovelace and ");
  json::object last = content_chunk("", true);
  restorer.restore(last);
  EXPECT_EQ(delta_content(last), "<");
  EXPECT_FALSE(restorer.finish());
}

TEST_F(PrivacyRestorerTest, ChunksRestoreToolCallArgumentsAndFlushAtTheEnd) {
  ChunkRestorer restorer(vault_);
  std::string arguments;
  for (const char* piece : {R"({"to":"<PER)", R"(SON_2>"})"}) {
    json::object function{{"arguments", piece}};
    json::object call{{"index", 0}, {"function", std::move(function)}};
    json::object delta{{"tool_calls", json::array{std::move(call)}}};
    json::object chunk{{"choices", json::array{json::object{{"index", 0}, {"delta", delta}}}}};
    restorer.restore(chunk);
    arguments += chunk.at("choices")
                     .at(0)
                     .at("delta")
                     .at("tool_calls")
                     .at(0)
                     .at("function")
                     .at("arguments")
                     .as_string();
  }
  EXPECT_EQ(json::parse(arguments).at("to"), R"(Bob "the Builder")");

  json::object open = content_chunk("bye <PERSON_1");
  restorer.restore(open);
  EXPECT_EQ(delta_content(open), "bye ");
  const auto rest = restorer.finish();
  ASSERT_TRUE(rest);
  EXPECT_EQ(delta_content(*rest), "<PERSON_1");
}

TEST_F(PrivacyRestorerTest, ChunksRestoreRefusalsAndLegacyFunctionCalls) {
  ChunkRestorer restorer(vault_);
  std::string refusal;
  std::string arguments;
  const std::pair<const char*, const char*> pieces[] = {{"No mail to <EM", R"({"to":"<PERSON)"},
                                                        {"AIL_1>, sorry <PER", R"(_2>"})"}};
  for (const auto& [refusal_piece, arguments_piece] : pieces) {
    json::object function{{"arguments", arguments_piece}};
    json::object delta{{"refusal", refusal_piece}, {"function_call", std::move(function)}};
    json::object chunk{{"choices", json::array{json::object{{"index", 0}, {"delta", delta}}}}};
    restorer.restore(chunk);
    const auto& restored = chunk.at("choices").at(0).at("delta");
    refusal += restored.at("refusal").as_string();
    arguments += restored.at("function_call").at("arguments").as_string();
  }
  EXPECT_EQ(json::parse(arguments).at("to"), R"(Bob "the Builder")");
  EXPECT_EQ(refusal, "No mail to ada@example.com, sorry ");
  const auto rest = restorer.finish();
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->at("choices").at(0).at("delta").at("refusal"), "<PER");
}

}  // namespace
}  // namespace switchyard::privacy
