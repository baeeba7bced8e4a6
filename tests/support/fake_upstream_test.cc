// Exercises the fake upstream over real sockets with a small blocking HTTP client, so that the
// framing (chunks, keep-alive, cut connections) is checked as a gateway would see it.

#include "support/fake_upstream.h"

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using switchyard::testing::FakeUpstream;
using switchyard::testing::FakeUpstreamOptions;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kChat = "/v1/chat/completions";
constexpr std::string_view kEmbeddings = "/v1/embeddings";
constexpr std::string_view kDone = "data: [DONE]\n\n";
constexpr auto kPatience = std::chrono::seconds(5);

// What a streamed response delivered: its header, each HTTP chunk as received, and the error
// that ended the body early, if any.
struct StreamResult {
  http::response_header<> head;
  std::vector<std::string> chunks;
  beast::error_code error;
};

Request make_request(http::verb method, std::string_view target, std::string body = {}) {
  Request request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
  }
  request.prepare_payload();
  return request;
}

// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
  }

  void write(const Request& request) { http::write(socket_, request); }

  Response read(beast::error_code& ec) {
    Response response;
    http::read(socket_, buffer_, response, ec);
    return response;
  }

  Response send(const Request& request) {
    write(request);
    beast::error_code ec;
    Response response = read(ec);
    EXPECT_FALSE(ec) << ec.message();
    return response;
  }

  Response post(std::string_view target, const json::value& body) {
    return send(make_request(http::verb::post, target, json::serialize(body)));
  }

  Response get(std::string_view target) { return send(make_request(http::verb::get, target)); }

  StreamResult stream(const json::value& body) {
    write(make_request(http::verb::post, kChat, json::serialize(body)));
    return read_chunks();
  }

 private:
  StreamResult read_chunks() {
    StreamResult result;
    std::string current;
    auto on_chunk = [&](uint64_t remain, beast::string_view body, beast::error_code&) {
      current.append(body.data(), body.size());
      if (remain == body.size()) {
        result.chunks.push_back(std::exchange(current, {}));
      }
      return body.size();
    };
    http::response_parser<http::string_body> parser;
    parser.on_chunk_body(on_chunk);

    http::read_header(socket_, buffer_, parser, result.error);
    while (!result.error && !parser.is_done()) {
      http::read(socket_, buffer_, parser, result.error);
      if (result.error == http::error::end_of_chunk) {
        result.error = {};
      }
    }
    result.head = parser.get().base();
    return result;
  }

  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

json::object chat_request(std::string_view model) {
  return {{"model", model},
          {"messages", json::array{json::object{{"role", "system"}, {"content", "You are terse."}},
                                   json::object{{"role", "user"}, {"content", "hello there"}}}}};
}

json::object stream_request(std::string_view model) {
  json::object request = chat_request(model);
  request["stream"] = true;
  return request;
}

json::object with_tools(json::object request) {
  auto tool = [](std::string_view name) {
    return json::object{{"type", "function"},
                        {"function", json::object{{"name", name}, {"parameters", json::object{}}}}};
  };
  request["tools"] = json::array{tool("lookup"), tool("search")};
  return request;
}

json::object parse_object(std::string_view text) {
  return json::parse(text).as_object();
}

// The JSON of each event except [DONE]; fails the test on an event that is not "data: ...".
std::vector<json::object> chunk_objects(const StreamResult& result) {
  std::vector<json::object> chunks;
  for (const std::string& event : result.chunks) {
    EXPECT_TRUE(event.starts_with("data: ") && event.ends_with("\n\n")) << event;
    if (event != kDone) {
      chunks.push_back(parse_object(std::string_view(event).substr(6, event.size() - 8)));
    }
  }
  return chunks;
}

const json::object& delta_of(const json::object& chunk) {
  return chunk.at("choices").at(0).at("delta").as_object();
}

json::object error_of(const Response& response) {
  return parse_object(response.body()).at("error").as_object();
}

std::vector<float> decode_base64_floats(std::string_view text) {
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<unsigned char> bytes;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') {
      break;
    }
    bits = (bits << 6) | static_cast<uint32_t>(alphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes.push_back(static_cast<unsigned char>(bits >> count));
    }
  }
  std::vector<float> values;
  for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    const uint32_t word = bytes[i] | bytes[i + 1] << 8 | bytes[i + 2] << 16 |
                          static_cast<uint32_t>(bytes[i + 3]) << 24;
    values.push_back(std::bit_cast<float>(word));
  }
  return values;
}

std::vector<float> float_array(const json::value& embedding) {
  std::vector<float> values;
  for (const json::value& value : embedding.as_array()) {
    values.push_back(static_cast<float>(value.as_double()));
  }
  return values;
}

double length_of(const std::vector<float>& values) {
  double sum = 0;
  for (float value : values) {
    sum += static_cast<double>(value) * value;
  }
  return std::sqrt(sum);
}

class FakeUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override { upstream_.start(); }

  FakeUpstream upstream_;
};

TEST_F(FakeUpstreamTest, ChatCompletionHasOpenAiShape) {
  Client client(upstream_.port());
  Response response = client.post(kChat, chat_request("gpt-test"));

  ASSERT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  json::object body = parse_object(response.body());
  EXPECT_TRUE(body.at("id").as_string().starts_with("chatcmpl-"));
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_TRUE(body.at("created").is_int64());
  EXPECT_EQ(body.at("model"), "gpt-test");
  EXPECT_EQ(body.at("system_fingerprint"), "fp_fake");
  const json::object& choice = body.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("index"), 0);
  EXPECT_EQ(choice.at("message"),
            json::parse(R"({"role":"assistant",)"
                        R"("content":"This is a fake reply.","refusal":null})"));
  EXPECT_TRUE(choice.at("logprobs").is_null());
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  EXPECT_EQ(body.at("usage"),
            json::parse(R"({"prompt_tokens":5,"completion_tokens":5,"total_tokens":10})"));
}

TEST_F(FakeUpstreamTest, ChatIdsDifferBetweenRequests) {
  Client client(upstream_.port());
  json::object first = parse_object(client.post(kChat, chat_request("m")).body());
  json::object second = parse_object(client.post(kChat, chat_request("m")).body());
  EXPECT_NE(first.at("id"), second.at("id"));
}

TEST_F(FakeUpstreamTest, PromptTokensCountTextPartsOfArrayContent) {
  json::object request = chat_request("m");
  json::array parts{json::object{{"type", "text"}, {"text", "one two"}},
                    json::object{{"type", "image_url"}, {"image_url", json::object{}}},
                    json::object{{"type", "text"}, {"text", "three"}}};
  request["messages"].as_array().push_back(json::object{{"role", "user"}, {"content", parts}});

  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, request).body());
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 8);
}

TEST_F(FakeUpstreamTest, MaxTokensTruncatesTheReplyWithLengthFinish) {
  json::object request = chat_request("m");
  request["max_tokens"] = 3;
  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, request).body());

  const json::object& choice = body.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("message").at("content"), "This is a");
  EXPECT_EQ(choice.at("finish_reason"), "length");
  EXPECT_EQ(body.at("usage").at("completion_tokens"), 3);
}

TEST_F(FakeUpstreamTest, MaxCompletionTokensAboveTheReplyLengthChangesNothing) {
  json::object request = chat_request("m");
  request["max_completion_tokens"] = 50;
  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, request).body());
  EXPECT_EQ(body.at("choices").at(0).at("finish_reason"), "stop");
}

TEST_F(FakeUpstreamTest, TokensModelRepliesWithNumberedWords) {
  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, chat_request("tokens-4")).body());
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "w0 w1 w2 w3");
  EXPECT_EQ(body.at("usage").at("completion_tokens"), 4);
}

TEST_F(FakeUpstreamTest, StreamSendsEachEventAsItsOwnChunk) {
  Client client(upstream_.port());
  StreamResult result = client.stream(stream_request("m"));

  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.head[http::field::content_type], "text/event-stream");
  EXPECT_EQ(result.head[http::field::transfer_encoding], "chunked");
  ASSERT_EQ(result.chunks.size(), 8);  // role, five words, finish, [DONE]
  EXPECT_EQ(result.chunks.back(), kDone);

  std::vector<json::object> chunks = chunk_objects(result);
  EXPECT_EQ(delta_of(chunks[0]), json::parse(R"({"role":"assistant","content":""})"));
  std::string text;
  for (size_t i = 1; i <= 5; ++i) {
    text += delta_of(chunks[i]).at("content").as_string();
  }
  EXPECT_EQ(text, "This is a fake reply.");
  EXPECT_EQ(delta_of(chunks[2]).at("content"), "is ");
  EXPECT_TRUE(delta_of(chunks[6]).empty());
  EXPECT_EQ(chunks[6].at("choices").at(0).at("finish_reason"), "stop");

  for (const json::object& chunk : chunks) {
    EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("id"), chunks[0].at("id"));
    EXPECT_EQ(chunk.at("created"), chunks[0].at("created"));
    EXPECT_EQ(chunk.at("model"), "m");
    EXPECT_FALSE(chunk.contains("usage"));
    EXPECT_TRUE(chunk.at("choices").at(0).at("logprobs").is_null());
  }
  EXPECT_TRUE(chunks[1].at("choices").at(0).at("finish_reason").is_null());
}

TEST_F(FakeUpstreamTest, StreamWithIncludeUsageEndsWithAUsageChunk) {
  json::object request = stream_request("m");
  request["stream_options"] = json::object{{"include_usage", true}};
  Client client(upstream_.port());
  StreamResult result = client.stream(request);

  ASSERT_EQ(result.chunks.size(), 9);
  std::vector<json::object> chunks = chunk_objects(result);
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_TRUE(chunks[i].at("usage").is_null());
  }
  const json::object& last = chunks.back();
  EXPECT_TRUE(last.at("choices").as_array().empty());
  EXPECT_EQ(last.at("usage"),
            json::parse(R"({"prompt_tokens":5,"completion_tokens":5,"total_tokens":10})"));
}

TEST_F(FakeUpstreamTest, StreamedMaxTokensStopsEarly) {
  json::object request = stream_request("m");
  request["max_tokens"] = 2;
  Client client(upstream_.port());
  std::vector<json::object> chunks = chunk_objects(client.stream(request));

  ASSERT_EQ(chunks.size(), 4);
  EXPECT_EQ(delta_of(chunks[2]).at("content"), "is");
  EXPECT_EQ(chunks[3].at("choices").at(0).at("finish_reason"), "length");
}

TEST_F(FakeUpstreamTest, ToolsGetACallToTheFirstFunction) {
  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, with_tools(chat_request("m"))).body());

  const json::object& choice = body.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const json::object& message = choice.at("message").as_object();
  EXPECT_TRUE(message.at("content").is_null());
  const json::object& call = message.at("tool_calls").at(0).as_object();
  EXPECT_TRUE(call.at("id").as_string().starts_with("call_"));
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function").at("name"), "lookup");
  EXPECT_EQ(call.at("function").at("arguments"), R"({"echo":"hello there"})");
}

TEST_F(FakeUpstreamTest, ToolChoiceNamesTheCalledFunction) {
  json::object request = with_tools(chat_request("m"));
  request["tool_choice"] =
      json::object{{"type", "function"}, {"function", json::object{{"name", "search"}}}};
  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, request).body());
  EXPECT_EQ(body.at("choices").at(0).at("message").at("tool_calls").at(0).at("function").at("name"),
            "search");
}

TEST_F(FakeUpstreamTest, ToolChoiceNoneGetsATextReply) {
  json::object request = with_tools(chat_request("m"));
  request["tool_choice"] = "none";
  Client client(upstream_.port());
  json::object body = parse_object(client.post(kChat, request).body());
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "This is a fake reply.");
  EXPECT_EQ(body.at("choices").at(0).at("finish_reason"), "stop");
}

TEST_F(FakeUpstreamTest, StreamedToolCallSplitsTheArgumentsInTwo) {
  Client client(upstream_.port());
  StreamResult result = client.stream(with_tools(stream_request("m")));
  std::vector<json::object> chunks = chunk_objects(result);
  ASSERT_EQ(chunks.size(), 4);

  const json::object& head = delta_of(chunks[0]);
  EXPECT_EQ(head.at("role"), "assistant");
  EXPECT_TRUE(head.at("content").is_null());
  const json::object& call = head.at("tool_calls").at(0).as_object();
  EXPECT_EQ(call.at("index"), 0);
  EXPECT_TRUE(call.at("id").as_string().starts_with("call_"));
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function"), json::parse(R"({"name":"lookup","arguments":""})"));

  std::string arguments;
  for (size_t i = 1; i <= 2; ++i) {
    const json::object& part = delta_of(chunks[i]).at("tool_calls").at(0).as_object();
    EXPECT_EQ(part.at("index"), 0);
    EXPECT_FALSE(part.at("function").at("arguments").as_string().empty());
    arguments += part.at("function").at("arguments").as_string();
  }
  EXPECT_EQ(arguments, R"({"echo":"hello there"})");
  EXPECT_EQ(chunks[3].at("choices").at(0).at("finish_reason"), "tool_calls");
}

TEST_F(FakeUpstreamTest, EmbeddingsAreDeterministicUnitVectors) {
  Client client(upstream_.port());
  json::object request{{"model", "embed"}, {"input", "some text"}};
  json::object first = parse_object(client.post(kEmbeddings, request).body());
  json::object second = parse_object(client.post(kEmbeddings, request).body());

  EXPECT_EQ(first, second);
  EXPECT_EQ(first.at("object"), "list");
  EXPECT_EQ(first.at("model"), "embed");
  EXPECT_EQ(first.at("usage"), json::parse(R"({"prompt_tokens":2,"total_tokens":2})"));
  const json::object& item = first.at("data").at(0).as_object();
  EXPECT_EQ(item.at("object"), "embedding");
  EXPECT_EQ(item.at("index"), 0);
  std::vector<float> values = float_array(item.at("embedding"));
  EXPECT_EQ(values.size(), 8);
  EXPECT_NEAR(length_of(values), 1.0, 1e-5);
}

TEST_F(FakeUpstreamTest, EmbeddingsHonourDimensionsAndArrayInput) {
  Client client(upstream_.port());
  json::object request{
      {"model", "embed"}, {"input", json::array{"alpha", "beta gamma"}}, {"dimensions", 16}};
  json::object body = parse_object(client.post(kEmbeddings, request).body());

  const json::array& data = body.at("data").as_array();
  ASSERT_EQ(data.size(), 2);
  EXPECT_EQ(data[1].at("index"), 1);
  EXPECT_EQ(data[1].at("embedding").as_array().size(), 16);
  EXPECT_NE(data[0].at("embedding"), data[1].at("embedding"));
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 3);
}

TEST_F(FakeUpstreamTest, EmbeddingsAcceptTokenIds) {
  Client client(upstream_.port());
  json::object single{{"model", "embed"}, {"input", json::array{1, 2, 3}}};
  json::object body = parse_object(client.post(kEmbeddings, single).body());
  EXPECT_EQ(body.at("data").as_array().size(), 1);
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 3);

  json::object batch{{"model", "embed"}, {"input", json::array{json::array{1, 2}, json::array{3}}}};
  body = parse_object(client.post(kEmbeddings, batch).body());
  EXPECT_EQ(body.at("data").as_array().size(), 2);
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 3);
}

TEST_F(FakeUpstreamTest, Base64EmbeddingsDecodeToTheFloatValues) {
  Client client(upstream_.port());
  json::object request{{"model", "embed"}, {"input", "some text"}, {"dimensions", 5}};
  json::object floats = parse_object(client.post(kEmbeddings, request).body());
  request["encoding_format"] = "base64";
  json::object base64 = parse_object(client.post(kEmbeddings, request).body());

  const json::value& encoded = base64.at("data").at(0).at("embedding");
  ASSERT_TRUE(encoded.is_string());
  EXPECT_EQ(decode_base64_floats(encoded.as_string()),
            float_array(floats.at("data").at(0).at("embedding")));
}

TEST_F(FakeUpstreamTest, EmbeddingsRejectBadInput) {
  Client client(upstream_.port());
  Response response =
      client.post(kEmbeddings, json::object{{"model", "embed"}, {"input", json::array{}}});
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(error_of(response).at("param"), "input");
}

TEST_F(FakeUpstreamTest, ModelsListsTheFakeModel) {
  Client client(upstream_.port());
  Response response = client.get("/v1/models");
  ASSERT_EQ(response.result_int(), 200);
  EXPECT_EQ(parse_object(response.body()),
            json::parse(R"({"object":"list","data":[{"id":"fake-model","object":"model",)"
                        R"("created":1700000000,"owned_by":"fake"}]})"));
}

TEST_F(FakeUpstreamTest, UnknownRouteIsA404WithAnErrorBody) {
  Client client(upstream_.port());
  Response response = client.post("/v1/completions", chat_request("m"));
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(error_of(response).at("type"), "invalid_request_error");
}

TEST_F(FakeUpstreamTest, MalformedJsonIsA400WithAllFourErrorKeys) {
  Client client(upstream_.port());
  Response response = client.send(make_request(http::verb::post, kChat, "{\"model\": "));
  ASSERT_EQ(response.result_int(), 400);
  const json::object& error = error_of(response);
  EXPECT_EQ(error.size(), 4);
  EXPECT_FALSE(error.at("message").as_string().empty());
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  EXPECT_TRUE(error.at("param").is_null());
  EXPECT_TRUE(error.at("code").is_null());
}

struct ErrorCase {
  unsigned status;
  std::string_view type;
  std::optional<std::string_view> code;
};

TEST_F(FakeUpstreamTest, ErrorModelsReturnThatStatusWithOpenAiTypesAndCodes) {
  const std::vector<ErrorCase> cases = {
      {400, "invalid_request_error", std::nullopt},
      {401, "invalid_request_error", "invalid_api_key"},
      {403, "permission_error", std::nullopt},
      {404, "invalid_request_error", "model_not_found"},
      {429, "requests", "rate_limit_exceeded"},
      {500, "server_error", std::nullopt},
      {503, "server_error", "service_unavailable"},
  };
  Client client(upstream_.port());
  for (const ErrorCase& expected : cases) {
    const std::string model = "error-" + std::to_string(expected.status);
    Response response = client.post(kChat, chat_request(model));
    EXPECT_EQ(response.result_int(), expected.status) << model;
    const json::object& error = error_of(response);
    EXPECT_EQ(error.at("message").as_string(),
              "fake upstream error " + std::to_string(expected.status));
    EXPECT_EQ(error.at("type").as_string(), expected.type) << model;
    EXPECT_TRUE(error.at("param").is_null());
    if (expected.code) {
      EXPECT_EQ(error.at("code").as_string(), *expected.code) << model;
    } else {
      EXPECT_TRUE(error.at("code").is_null()) << model;
    }
  }
}

TEST_F(FakeUpstreamTest, RateLimitErrorCarriesRetryAfter) {
  Client client(upstream_.port());
  Response response =
      client.post(kEmbeddings, json::object{{"model", "error-429"}, {"input", "x"}});
  EXPECT_EQ(response.result_int(), 429);
  EXPECT_EQ(response[http::field::retry_after], "1");
}

TEST(FakeUpstreamApiKey, RequestsWithoutTheRightKeyGetA401First) {
  FakeUpstreamOptions options;
  options.api_key = "sk-test";
  FakeUpstream upstream(options);
  upstream.start();
  Client client(upstream.port());

  Request request = make_request(http::verb::post, "/v1/nowhere", "{}");
  Response response = client.send(request);
  EXPECT_EQ(response.result_int(), 401);
  EXPECT_EQ(error_of(response).at("code"), "invalid_api_key");

  request.set(http::field::authorization, "Bearer sk-wrong");
  EXPECT_EQ(client.send(request).result_int(), 401);

  request.set(http::field::authorization, "Bearer sk-test");
  EXPECT_EQ(client.send(request).result_int(), 404);
  request.target(kChat);
  request.body() = json::serialize(chat_request("m"));
  request.prepare_payload();
  EXPECT_EQ(client.send(request).result_int(), 200);
}

TEST_F(FakeUpstreamTest, StreamCutDropsTheConnectionMidStream) {
  Client client(upstream_.port());
  StreamResult result = client.stream(stream_request("stream-cut-2"));

  EXPECT_TRUE(result.error);
  ASSERT_EQ(result.chunks.size(), 3);  // role and two words
  std::vector<json::object> chunks = chunk_objects(result);
  EXPECT_EQ(delta_of(chunks[2]).at("content"), "is ");
}

TEST_F(FakeUpstreamTest, StreamCutLeavesNonStreamingRequestsAlone) {
  Client client(upstream_.port());
  EXPECT_EQ(client.post(kChat, chat_request("stream-cut-2")).result_int(), 200);
}

TEST_F(FakeUpstreamTest, DelayHoldsBackTheResponse) {
  Client client(upstream_.port());
  const Clock::time_point start = Clock::now();
  Response response = client.post(kChat, chat_request("delay-150"));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(response.result_int(), 200);
}

TEST_F(FakeUpstreamTest, ChunkDelaySpacesOutTheChunks) {
  Client client(upstream_.port());
  const Clock::time_point start = Clock::now();
  StreamResult result = client.stream(stream_request("chunk-delay-30"));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(30 * 7));
  EXPECT_EQ(result.chunks.size(), 8);
  EXPECT_FALSE(result.error);
}

TEST_F(FakeUpstreamTest, StopEndsHangingConnectionsPromptly) {
  Client client(upstream_.port());
  client.write(make_request(http::verb::post, kChat, json::serialize(chat_request("hang"))));
  const Clock::time_point deadline = Clock::now() + kPatience;
  while (upstream_.requests().empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(upstream_.requests().size(), 1);

  const Clock::time_point start = Clock::now();
  upstream_.stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  beast::error_code ec;
  client.read(ec);
  EXPECT_TRUE(ec);
}

TEST_F(FakeUpstreamTest, KeepAliveServesManyRequestsOnOneConnection) {
  Client client(upstream_.port());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client.post(kChat, chat_request("m")).result_int(), 200);
    EXPECT_EQ(client.stream(stream_request("m")).chunks.size(), 8);
  }
}

TEST_F(FakeUpstreamTest, ExpectContinueGetsAnInterimResponse) {
  Request request = make_request(http::verb::post, kChat, json::serialize(chat_request("m")));
  request.set(http::field::expect, "100-continue");
  Client client(upstream_.port());
  client.write(request);

  beast::error_code ec;
  EXPECT_EQ(client.read(ec).result_int(), 100);
  EXPECT_EQ(client.read(ec).result_int(), 200);
  EXPECT_FALSE(ec);
}

TEST_F(FakeUpstreamTest, RecordsRequestsWithLowerCasedHeaderNames) {
  Request request = make_request(http::verb::post, kChat, json::serialize(chat_request("m")));
  request.set("X-Custom", "yes");
  Client client(upstream_.port());
  client.send(request);

  std::vector<switchyard::testing::RecordedRequest> recorded = upstream_.requests();
  ASSERT_EQ(recorded.size(), 1);
  EXPECT_EQ(recorded[0].method, "POST");
  EXPECT_EQ(recorded[0].target, kChat);
  EXPECT_EQ(recorded[0].headers.at("x-custom"), "yes");
  EXPECT_EQ(recorded[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(json::parse(recorded[0].body), chat_request("m"));

  upstream_.clear_requests();
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST(FakeUpstreamRecording, RecordOffKeepsNothing) {
  FakeUpstreamOptions options;
  options.record = false;
  FakeUpstream upstream(options);
  upstream.start();
  Client client(upstream.port());
  EXPECT_EQ(client.post(kChat, chat_request("m")).result_int(), 200);
  EXPECT_TRUE(upstream.requests().empty());
}

TEST(FakeUpstreamThreads, ServesConcurrentClientsOnSeveralThreads) {
  constexpr int kClients = 8;
  constexpr int kRequestsEach = 20;
  FakeUpstreamOptions options;
  options.threads = 4;
  FakeUpstream upstream(options);
  upstream.start();

  std::vector<std::thread> clients;
  clients.reserve(kClients);
  std::atomic<int> successes{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      Client client(upstream.port());
      for (int j = 0; j < kRequestsEach; ++j) {
        successes += client.stream(stream_request("m")).chunks.size() == 8 ? 1 : 0;
      }
    });
  }
  for (std::thread& client : clients) {
    client.join();
  }
  EXPECT_EQ(successes, kClients * kRequestsEach);
  EXPECT_EQ(upstream.requests().size(), kClients * kRequestsEach);
}

TEST(FakeUpstreamThreads, StopClosesBusyConnectionsOnEveryThread) {
  FakeUpstreamOptions options;
  options.threads = 3;
  FakeUpstream upstream(options);
  upstream.start();

  std::vector<std::unique_ptr<Client>> clients;
  for (std::string_view model : {"hang", "chunk-delay-1000", "delay-1000", "hang", "m"}) {
    clients.push_back(std::make_unique<Client>(upstream.port()));
    clients.back()->write(
        make_request(http::verb::post, kChat, json::serialize(stream_request(model))));
  }
  const Clock::time_point deadline = Clock::now() + kPatience;
  while (upstream.requests().size() < clients.size() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(upstream.requests().size(), clients.size());

  const Clock::time_point start = Clock::now();
  upstream.stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST(FakeUpstreamLifecycle, StartTwiceThrowsAndRestartWorks) {
  FakeUpstream upstream;
  upstream.start();
  EXPECT_THROW(upstream.start(), std::logic_error);
  upstream.stop();
  upstream.stop();
  upstream.start();
  Client client(upstream.port());
  EXPECT_EQ(client.get("/v1/models").result_int(), 200);
  EXPECT_EQ(upstream.base_url(), "http://127.0.0.1:" + std::to_string(upstream.port()) + "/v1");
}

TEST(FakeUpstreamLifecycle, BusyPortThrows) {
  FakeUpstream first;
  first.start();
  FakeUpstreamOptions options;
  options.port = first.port();
  FakeUpstream second(options);
  EXPECT_ANY_THROW(second.start());
}

TEST(FakeUpstreamLifecycle, MissingCertificateThrows) {
  FakeUpstreamOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  FakeUpstream upstream(options);
  EXPECT_ANY_THROW(upstream.start());
}

// A throwaway self-signed certificate, so the TLS test needs no files in the tree.
struct TlsFiles {
  std::string cert;
  std::string key;
};

TlsFiles write_self_signed_certificate() {
  const std::filesystem::path dir = ::testing::TempDir();
  const std::string suffix = std::to_string(::getpid()) + ".pem";
  TlsFiles files{(dir / ("fake_upstream_cert_" + suffix)).string(),
                 (dir / ("fake_upstream_key_" + suffix)).string()};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_sign(cert.get(), key.get(), EVP_sha256());

  std::unique_ptr<FILE, decltype(&fclose)> cert_out(fopen(files.cert.c_str(), "w"), fclose);
  PEM_write_X509(cert_out.get(), cert.get());
  std::unique_ptr<FILE, decltype(&fclose)> key_out(fopen(files.key.c_str(), "w"), fclose);
  PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return files;
}

TEST(FakeUpstreamTls, ServesHttpsWithTheGivenCertificate) {
  const TlsFiles files = write_self_signed_certificate();
  FakeUpstreamOptions options;
  options.tls_cert_file = files.cert;
  options.tls_key_file = files.key;
  FakeUpstream upstream(options);
  upstream.start();
  EXPECT_TRUE(upstream.base_url().starts_with("https://"));

  net::io_context io;
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.set_verify_mode(net::ssl::verify_none);  // self-signed; the test checks framing, not trust
  net::ssl::stream<tcp::socket> stream(io, tls);
  stream.next_layer().connect({net::ip::make_address("127.0.0.1"), upstream.port()});
  stream.handshake(net::ssl::stream_base::client);

  http::write(stream, make_request(http::verb::post, kChat, json::serialize(chat_request("m"))));
  beast::flat_buffer buffer;
  Response response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(parse_object(response.body()).at("model"), "m");
}

}  // namespace
