// The gateway in front of a fake OpenAI upstream: what a client sees and what the upstream
// receives, for whole and streamed answers and for every class of upstream failure.
#include <chrono>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;

constexpr char kHello[] = R"({"role":"user","content":"hello there friend"})";

std::string chat_body(const std::string& model, const std::string& extra = "") {
  return R"({"model":")" + model + R"(","messages":[)" + kHello + "]" + extra + "}";
}

class ChatProxyTest : public ::testing::Test {
 protected:
  ChatProxyTest() : upstream_(make_upstream()), gateway_(standard_config(upstream_.base_url())) {}

  static FakeUpstreamOptions options() {
    FakeUpstreamOptions options;
    options.api_key = "upstream-key";
    return options;
  }
  FakeUpstream& make_upstream() {
    upstream_storage_ = std::make_unique<FakeUpstream>(options());
    upstream_storage_->start();
    return *upstream_storage_;
  }

  TestResponse chat(const std::string& body, std::map<std::string, std::string> headers = {}) {
    return post_json(gateway_.port(), "/v1/chat/completions", body, std::move(headers));
  }

  std::unique_ptr<FakeUpstream> upstream_storage_;
  FakeUpstream& upstream_;
  GatewayUnderTest gateway_;
};

TEST_F(ChatProxyTest, AnswersWithPublicModelNameAndUsage) {
  const auto response = chat(chat_body("chat"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto answer = json::parse(response.body).as_object();
  EXPECT_EQ(answer.at("model"), "chat");
  EXPECT_EQ(answer.at("choices").at(0).at("message").at("content"), "This is a fake reply.");
  EXPECT_EQ(answer.at("usage").at("prompt_tokens"), 3);
  EXPECT_EQ(answer.at("usage").at("completion_tokens"), 5);
  EXPECT_FALSE(response.header("x-request-id").empty());
  EXPECT_EQ(response.header("x-switchyard-model"), "chat");
}

TEST_F(ChatProxyTest, RewritesModelAndPassesUnknownFieldsThrough) {
  const auto response = chat(chat_body(
      "chat", R"(,"temperature":0.5,"seed":7,"metadata":{"team":"a"},"vendor_knob":{"x":[1,2]},)"
              R"("odd \"key\"\u00e9":"line\nbreak \u2603")"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].target, "/v1/chat/completions");
  const auto sent = json::parse(requests[0].body).as_object();
  EXPECT_EQ(sent.at("model"), "fake-model");
  EXPECT_EQ(sent.at("vendor_knob"), json::parse(R"({"x":[1,2]})"));
  EXPECT_EQ(sent.at("temperature"), 0.5);
  EXPECT_EQ(sent.at("seed"), 7);
  EXPECT_EQ(sent.at("metadata").at("team"), "a");
  EXPECT_EQ(sent.at("odd \"key\"\u00e9"), "line\nbreak \u2603");
  EXPECT_EQ(sent.size(), 7U);  // model, messages and the five above, nothing twice
}

// The request goes upstream as the client wrote it, layout and member order included, with
// only the model's value replaced: numbers keep their spelling and nothing is re-encoded.
TEST_F(ChatProxyTest, SendsTheClientsTextWithOnlyTheModelReplaced) {
  const std::string body = R"({ "messages" : [ {"role":"user","content":"caf\u00e9 1e2"} ],)"
                           "\n  \"model\": \"chat\", \"temperature\": 0.50, \"top_p\": 1E0 }";
  const auto response = chat(body);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].body,
            R"({ "messages" : [ {"role":"user","content":"caf\u00e9 1e2"} ],)"
            "\n  \"model\": \"fake-model\", \"temperature\": 0.50, \"top_p\": 1E0 }");
}

// A top-level name written twice is read as its last value by the gateway's checks; the text
// is then not sent as it is, but rebuilt from what was checked, so the upstream cannot read
// a different request (the first "model", say) than the one the gateway validated.
TEST_F(ChatProxyTest, ARepeatedTopLevelNameIsSentOnceAsChecked) {
  const auto response = chat(R"({"model":"chat","temperature":2,"messages":[)" +
                             std::string(kHello) + R"(],"temperature":0.25})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  const std::string& text = requests[0].body;
  const std::size_t first = text.find("\"temperature\"");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("\"temperature\"", first + 1), std::string::npos) << text;
  const auto sent = json::parse(requests[0].body).as_object();
  EXPECT_EQ(sent.size(), 3U);
  EXPECT_EQ(sent.at("temperature"), 0.25);
  EXPECT_EQ(sent.at("model"), "fake-model");
}

// The same deeper down: a message that names "content" twice was checked (and scanned by the
// privacy guard) as its last value, so the other one must not reach the upstream, whose
// parser might keep it instead.
TEST_F(ChatProxyTest, ARepeatedNameInsideAMessageIsNotSentAsWritten) {
  const auto response =
      chat(R"({"model":"chat","messages":[{"role":"user","content":"unchecked words",)"
           R"("content":"hello there friend"}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].body.find("unchecked"), std::string::npos) << requests[0].body;
  const auto sent = json::parse(requests[0].body).as_object();
  EXPECT_EQ(sent.at("messages").at(0).at("content"), "hello there friend");
}

// A stream asks the upstream for usage, which edits the request: it is rebuilt, with the
// client's fields and the added option.
TEST_F(ChatProxyTest, AnEditedStreamRequestIsRebuiltWithTheClientsFields) {
  const auto response = chat(chat_body("chat", R"(,"stream":true,"vendor_knob":[1,2])"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  const auto sent = json::parse(requests[0].body).as_object();
  EXPECT_EQ(sent.at("model"), "fake-model");
  EXPECT_EQ(sent.at("stream_options").at("include_usage"), true);
  EXPECT_EQ(sent.at("vendor_knob"), json::parse("[1,2]"));
}

TEST_F(ChatProxyTest, SendsProviderKeyAndNeverTheClientsAuthorization) {
  const auto response = chat(chat_body("chat"), {{"authorization", "Bearer client-secret"}});
  ASSERT_EQ(response.status, 200) << response.body;
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer upstream-key");
  for (const auto& [name, value] : requests[0].headers) {
    EXPECT_EQ(value.find("client-secret"), std::string::npos) << name;
  }
}

TEST_F(ChatProxyTest, ForwardsTheRequestIdUpstream) {
  const auto response = chat(chat_body("chat"), {{"x-request-id", "trace-123"}});
  EXPECT_EQ(response.header("x-request-id"), "trace-123");
  EXPECT_EQ(upstream_.requests().at(0).headers.at("x-request-id"), "trace-123");
}

TEST_F(ChatProxyTest, StreamsChunksWithUsageWhenAsked) {
  const auto response =
      chat(chat_body("chat", R"(,"stream":true,"stream_options":{"include_usage":true})"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("content-type"), "text/event-stream");
  const auto events = sse_data(response.body);
  ASSERT_GE(events.size(), 3U);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (std::size_t i = 0; i + 2 < events.size(); ++i) {
    const auto chunk = json::parse(events[i]).as_object();
    EXPECT_EQ(chunk.at("model"), "chat");
    const auto& delta = chunk.at("choices").at(0).at("delta").as_object();
    if (const auto* content = delta.if_contains("content")) {
      text += content->as_string();
    }
  }
  EXPECT_EQ(text, "This is a fake reply.");
  const auto usage_chunk = json::parse(events[events.size() - 2]).as_object();
  EXPECT_TRUE(usage_chunk.at("choices").as_array().empty());
  EXPECT_EQ(usage_chunk.at("usage").at("completion_tokens"), 5);
}

TEST_F(ChatProxyTest, AsksUpstreamForUsageButHidesItWhenClientDidNot) {
  const auto response = chat(chat_body("chat", R"(,"stream":true)"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto sent = json::parse(upstream_.requests().at(0).body).as_object();
  EXPECT_EQ(sent.at("stream_options").at("include_usage"), true);
  for (const auto& event : sse_data(response.body)) {
    if (event == "[DONE]") {
      continue;
    }
    const auto chunk = json::parse(event).as_object();
    EXPECT_FALSE(chunk.contains("usage")) << event;
    EXPECT_FALSE(chunk.at("choices").as_array().empty()) << event;
  }
}

TEST_F(ChatProxyTest, RelaysEachChunkAsItArrives) {
  const auto started = std::chrono::steady_clock::now();
  const auto response = chat(chat_body("slow-stream", R"(,"stream":true)"));
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_GE(response.pieces.size(), 4U);
  // The upstream waits 150 ms between chunks; a gateway that buffered would deliver
  // everything at once at the end.
  const auto first = response.pieces.front().first - started;
  const auto last = response.pieces.back().first - started;
  EXPECT_GT(last - first, std::chrono::milliseconds(450));
}

TEST_F(ChatProxyTest, StreamCutByUpstreamEndsWithAnErrorEventAndNoDone) {
  const auto response = chat(chat_body("cut", R"(,"stream":true)"));
  ASSERT_EQ(response.status, 200);
  const auto events = sse_data(response.body);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.back(), "[DONE]");
  const auto last = json::parse(events.back()).as_object();
  EXPECT_EQ(last.at("error").at("code"), "upstream_unavailable");
  EXPECT_EQ(response.body.find("[DONE]"), std::string::npos);
}

TEST_F(ChatProxyTest, ToolCallsComeBackWhole) {
  const std::string tools = R"(,"tools":[{"type":"function","function":{"name":"lookup",)"
                            R"("parameters":{"type":"object"}}}],"tool_choice":"auto")";
  const auto response = chat(chat_body("chat", tools));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto choice = json::parse(response.body).at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const auto& call = choice.at("message").at("tool_calls").at(0);
  EXPECT_EQ(call.at("function").at("name"), "lookup");
  EXPECT_NO_THROW(json::parse(call.at("function").at("arguments").as_string()));
}

TEST_F(ChatProxyTest, UnknownModelIs404NamingIt) {
  const auto response = chat(chat_body("no-such-model"));
  EXPECT_EQ(response.status, 404);
  const auto error = json::parse(response.body).at("error").as_object();
  EXPECT_EQ(error.at("code"), "model_not_found");
  EXPECT_NE(std::string(error.at("message").as_string()).find("no-such-model"), std::string::npos);
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ChatProxyTest, BadRequestsAre400NamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"model":"chat"})", "messages"},
      {R"({"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"chat","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "temperature"},
      {R"({"model":"chat","messages":[{"role":"user","content":"x"}],"max_tokens":0})",
       "max_tokens"},
      {R"({"model":"chat","messages":[{"role":"user"}]})", "messages[0].content"},
      {R"({"model":"chat","messages":[{"role":"user","content":"x"}],"stream":"yes"})", "stream"},
  };
  for (const auto& [body, param] : cases) {
    const auto response = chat(body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(json::parse(response.body).at("error").at("param"), param.c_str()) << body;
  }
  const auto malformed = chat(R"({"model":"chat",)");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(json::parse(malformed.body).at("error").at("code"), "invalid_json");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(ChatProxyTest, FeaturesTheModelLacksAreRefused) {
  const auto response = chat(chat_body("text-only", R"(,"stream":true)"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body).at("error").at("param"), "stream");
}

TEST_F(ChatProxyTest, UpstreamErrorsMapToClearStatuses) {
  struct Case {
    const char* model;
    unsigned status;
    const char* code;
  };
  for (const Case& c :
       {Case{"broken", 502, "upstream_error"}, Case{"denied", 502, "upstream_auth_failed"},
        Case{"limited", 429, "rate_limit_exceeded"}}) {
    const auto response = chat(chat_body(c.model));
    EXPECT_EQ(response.status, c.status) << c.model;
    const auto error = json::parse(response.body).at("error").as_object();
    EXPECT_EQ(error.at("code"), c.code) << c.model;
    EXPECT_FALSE(error.at("message").as_string().empty());
  }
  const auto limited = chat(chat_body("limited"));
  EXPECT_EQ(limited.header("retry-after"), "1");
  const auto refused = chat(chat_body("refused"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(std::string(json::parse(refused.body).at("error").at("message").as_string())
                .find("fake upstream"),
            std::string::npos);
}

TEST_F(ChatProxyTest, SilentUpstreamTimesOutWith504) {
  const auto started = std::chrono::steady_clock::now();
  const auto response = chat(chat_body("hang"));
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "upstream_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(ChatProxyTest, ForwardsEmbeddings) {
  const auto response = post_json(gateway_.port(), "/v1/embeddings",
                                  R"({"model":"embed","input":["a b","c"],"dimensions":4})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto answer = json::parse(response.body).as_object();
  EXPECT_EQ(answer.at("model"), "embed");
  EXPECT_EQ(answer.at("data").as_array().size(), 2U);
  EXPECT_EQ(answer.at("data").at(0).at("embedding").as_array().size(), 4U);
  EXPECT_EQ(json::parse(upstream_.requests().at(0).body).at("model"), "fake-embed");
}

// An answer the gateway only renames goes out as the upstream wrote it: the same layout and
// number spellings, only the model's value changed.
TEST_F(ChatProxyTest, WholeAnswersKeepTheUpstreamsTextWithOnlyTheModelRenamed) {
  GatewayUnderTest gateway(standard_config(upstream_.base_url(), R"(
[[models]]
name = "as-written"
provider = "fake"
upstream_model = "pretty"
capabilities = ["chat", "embeddings"]
)"));
  const auto chat_answer =
      post_json(gateway.port(), "/v1/chat/completions", chat_body("as-written"));
  const auto embeddings =
      post_json(gateway.port(), "/v1/embeddings", R"({"model":"as-written","input":"a b"})");

  for (const TestResponse* response : {&chat_answer, &embeddings}) {
    ASSERT_EQ(response->status, 200) << response->body;
    EXPECT_NE(response->body.find("\n  \"model\": \"as-written\""), std::string::npos)
        << response->body;
    EXPECT_EQ(response->body.find("pretty"), std::string::npos) << response->body;
    EXPECT_EQ(response->body.back(), '\n');
  }
  EXPECT_TRUE(chat_answer.body.starts_with("{\n  \"id\": \"chatcmpl-")) << chat_answer.body;
  EXPECT_EQ(json::parse(chat_answer.body).at("choices").at(0).at("message").at("content"),
            "This is a fake reply.");
}

// A stream of many chunks far larger than a chunk's arena starts with arrives whole. Each
// chunk reuses the stream's arena; Boost.JSON's own release() let its blocks double from one
// chunk to the next, and the gateway died on the thirtieth or so 64 KiB chunk.
TEST_F(ChatProxyTest, StreamsOfManyLargeChunksArriveWhole) {
  GatewayUnderTest gateway(standard_config(upstream_.base_url(), R"(
[[models]]
name = "big-chunks"
provider = "fake"
upstream_model = "echo-65536"
capabilities = ["chat", "streaming"]

[privacy]
enabled = false
)"));
  const std::string text(2 << 20, 'a');
  const std::string part = R"({"type":"text","text":")" + text + R"("})";
  const auto response =
      post_json(gateway.port(), "/v1/chat/completions",
                R"({"model":"big-chunks","stream":true,"messages":[{"role":"user","content":[)" +
                    part + "," + part + "]}]}");

  ASSERT_EQ(response.status, 200);
  const std::vector<std::string> events = sse_data(response.body);
  ASSERT_GT(events.size(), 64U);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string echoed;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const json::value chunk = json::parse(events[i]);
    const json::value& delta = chunk.at("choices").at(0).at("delta");
    if (const auto* content = delta.as_object().if_contains("content")) {
      echoed += content->as_string();
    }
  }
  EXPECT_TRUE(echoed == text + " " + text) << "echoed " << echoed.size() << " bytes";
}

TEST_F(ChatProxyTest, ListsConfiguredModels) {
  const auto response = send_request(gateway_.port(), {.target = "/v1/models"});
  ASSERT_EQ(response.status, 200);
  const auto data = json::parse(response.body).at("data").as_array();
  ASSERT_EQ(data.size(), 10U);
  EXPECT_EQ(data.at(0).at("id"), "chat");
  EXPECT_EQ(data.at(0).at("context_length"), 8192);
  const auto one = send_request(gateway_.port(), {.target = "/v1/models/embed"});
  EXPECT_EQ(json::parse(one.body).at("id"), "embed");
  EXPECT_EQ(send_request(gateway_.port(), {.target = "/v1/models/nope"}).status, 404);
}

TEST(ChatProxyUnavailableTest, UnreachableUpstreamIs502) {
  // A port that was free a moment ago: nothing listens there.
  FakeUpstream probe;
  probe.start();
  const std::string url = probe.base_url();
  probe.stop();
  GatewayUnderTest gateway(standard_config(url));
  const auto response = post_json(gateway.port(), "/v1/chat/completions", chat_body("chat"));
  EXPECT_EQ(response.status, 502);
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "upstream_unavailable");
}

}  // namespace
}  // namespace switchyard::testing
