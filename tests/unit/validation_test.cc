#include "api/validation.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::api {
namespace {

namespace json = boost::json;

std::optional<std::string> chat_problem(const std::string& text) {
  const auto problem = validate_chat_request(json::parse(text).as_object());
  if (!problem) {
    return std::nullopt;
  }
  return problem->param.value_or("<none>");
}

TEST(ValidationTest, AcceptsAFullRequest) {
  EXPECT_EQ(chat_problem(R"({
    "model": "m", "stream": true, "stream_options": {"include_usage": true},
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "hi"},
                                   {"type": "image_url", "image_url": {"url": "x"}}]},
      {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                                            "function": {"name": "f", "arguments": "{}"}}]},
      {"role": "tool", "tool_call_id": "c", "content": "42"}],
    "tools": [{"type": "function", "function": {"name": "f"}}],
    "tool_choice": {"type": "function", "function": {"name": "f"}},
    "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {}}},
    "max_tokens": 10, "max_completion_tokens": 10, "temperature": 0, "top_p": 1,
    "stop": ["\n"], "seed": -3, "user": "u1", "metadata": {"k": "v"}, "custom": 1})"),
            std::nullopt);
}

TEST(ValidationTest, NamesTheFirstBadField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":5,"messages":[]})", "model"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m","messages":["hi"]})", "messages[0]"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"robot","content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})",
       "messages[0].content[0].text"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":2})", "top_p"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":1.5})",
       "max_completion_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})", "stop"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})",
       "tools[0].function.name"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"maybe"})",
       "tool_choice"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
       R"("response_format":{"type":"xml"}})",
       "response_format.type"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"metadata":{"k":1}})",
       "metadata.k"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
       R"("stream_options":{"include_usage":1}})",
       "stream_options.include_usage"},
  };
  for (const auto& [body, param] : cases) {
    EXPECT_EQ(chat_problem(body), std::optional<std::string>(param)) << body;
  }
}

TEST(ValidationTest, NullOptionalFieldsAreAbsent) {
  EXPECT_EQ(chat_problem(R"({"model":"m","messages":[{"role":"user","content":"x"}],)"
                         R"("temperature":null,"tools":null})"),
            std::nullopt);
}

TEST(ValidationTest, Embeddings) {
  auto problem = [](const char* text) {
    const auto found = validate_embeddings_request(json::parse(text).as_object());
    return found ? found->param.value_or("") : std::string();
  };
  EXPECT_EQ(problem(R"({"model":"e","input":"x"})"), "");
  EXPECT_EQ(problem(R"({"model":"e","input":[[1,2]],"encoding_format":"base64"})"), "");
  EXPECT_EQ(problem(R"({"model":"e"})"), "input");
  EXPECT_EQ(problem(R"({"model":"e","input":[]})"), "input");
  EXPECT_EQ(problem(R"({"model":"e","input":"x","encoding_format":"hex"})"), "encoding_format");
  EXPECT_EQ(problem(R"({"model":"e","input":"x","dimensions":0})"), "dimensions");
}

}  // namespace
}  // namespace switchyard::api
