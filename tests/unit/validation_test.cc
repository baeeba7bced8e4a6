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

// Of several bad fields, the one reported is the same whatever their order in the body.
TEST(ValidationTest, ReportsBadFieldsInAFixedOrderWhateverTheirOrderInTheBody) {
  const std::string messages = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(chat_problem(R"({"model":"m",)" + messages + R"(,"top_p":2,"stream":1})"), "stream");
  EXPECT_EQ(chat_problem(R"({"model":"m","stream":1,)" + messages + R"(,"top_p":2})"), "stream");
  EXPECT_EQ(chat_problem(R"({"tools":5,"model":"m","n":0,)" + messages + "}"), "n");
  EXPECT_EQ(chat_problem(R"({"top_p":2,)" + messages + "}"), "model");
  EXPECT_EQ(chat_problem(R"({"model":"m",)" + messages + R"(,"top_p":null,"custom":"x"})"),
            std::nullopt);
}

// Each integer must fit the type a provider reads it into: a count read as int32 that wrapped
// would ask a local model for a negative number of tokens, and a seed beyond int64 made the
// local provider throw.
TEST(ValidationTest, BoundsNumbersToWhatProvidersRead) {
  const std::string prefix = R"({"model":"m","messages":[{"role":"user","content":"x"}],)";
  const std::pair<const char*, const char*> refused[] = {
      {R"("max_tokens":2147483648})", "max_tokens"},
      {R"("max_completion_tokens":0})", "max_completion_tokens"},
      {R"("n":129})", "n"},
      {R"("seed":9223372036854775808})", "seed"},
      {R"("seed":1e30})", "seed"},
      {R"("top_logprobs":1.5})", "top_logprobs"},
      {R"("top_logprobs":21})", "top_logprobs"},
      {R"("top_k":1e30})", "top_k"},
      {R"("top_k":2097152})", "top_k"},
      {R"("min_p":1.5})", "min_p"},
      {R"("repetition_penalty":0})", "repetition_penalty"},
      {R"("repetition_penalty":1e300})", "repetition_penalty"},
  };
  for (const auto& [field, param] : refused) {
    EXPECT_EQ(chat_problem(prefix + field), std::optional<std::string>(param)) << field;
  }
  EXPECT_EQ(chat_problem(prefix + R"("max_tokens":2147483647,"n":128,"top_logprobs":20,)" +
                         R"("seed":-9223372036854775808,"top_k":-1,"min_p":0,)" +
                         R"("repetition_penalty":1.1})"),
            std::nullopt);
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
  EXPECT_EQ(problem(R"({"model":"e","input":"x","dimensions":18446744073709551615})"),
            "dimensions");
}

// OpenAI's four input shapes, and nothing that mixes them: the local provider read a mixed or
// fractional list with calls that throw.
TEST(ValidationTest, EmbeddingsInputHasOneOfTheFourShapes) {
  auto problem = [](const std::string& input) {
    const auto found = validate_embeddings_request(
        json::parse(R"({"model":"e","input":)" + input + "}").as_object());
    return found ? found->param.value_or("") : std::string();
  };
  EXPECT_EQ(problem(R"(["a","b"])"), "");
  EXPECT_EQ(problem(R"([0,2147483647])"), "");
  EXPECT_EQ(problem(R"([[1],[2,3]])"), "");
  EXPECT_EQ(problem(R"(["a",1])"), "input[1]");
  EXPECT_EQ(problem(R"([1,"a"])"), "input");
  EXPECT_EQ(problem(R"([1.5])"), "input");
  EXPECT_EQ(problem(R"([-1])"), "input");
  EXPECT_EQ(problem(R"([2147483648])"), "input");
  EXPECT_EQ(problem(R"([[1],[]])"), "input[1]");
  EXPECT_EQ(problem(R"([[1],"a"])"), "input[1]");
  EXPECT_EQ(problem(R"([true])"), "input[0]");
  EXPECT_EQ(problem(R"({"a":1})"), "input");
}

}  // namespace
}  // namespace switchyard::api
