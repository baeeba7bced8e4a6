// The local tier end to end: a model made by the model maker, served in-process through the
// gateway, with continuous batching across concurrent requests.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "local/lora_maker.h"
#include "local/model_maker.h"
#include "local/text_stream.h"
#include "support/fake_upstream.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// One tiny random-weight model for the whole suite.
const std::string& model_path() {
  static const std::string path = [] {
    const fs::path file =
        fs::temp_directory_path() / ("switchyard-local-" + std::to_string(::getpid()) + ".gguf");
    auto shape = local::preset_shape("tiny");
    EXPECT_TRUE(shape.ok());
    shape->seed = 7;
    auto made = local::make_model(*shape, file.string());
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error());
    std::atexit([] {
      fs::remove(fs::temp_directory_path() /
                 ("switchyard-local-" + std::to_string(::getpid()) + ".gguf"));
    });
    return file.string();
  }();
  return path;
}

// A random LoRA adapter for the tiny model, made once.
const std::string& adapter_path() {
  static const std::string path = [] {
    const fs::path file =
        fs::temp_directory_path() / ("switchyard-lora-" + std::to_string(::getpid()) + ".gguf");
    auto shape = local::preset_shape("tiny");
    auto made = local::make_lora(*shape, {.rank = 4, .alpha = 8, .seed = 9}, file.string());
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.error());
    std::atexit([] {
      fs::remove(fs::temp_directory_path() /
                 ("switchyard-lora-" + std::to_string(::getpid()) + ".gguf"));
    });
    return file.string();
  }();
  return path;
}

std::string local_config(const std::string& options, int context = 256) {
  return R"(
[server]
listen = "127.0.0.1:0"
io_threads = 2

[[models]]
name = "tiny"
provider = "local"
path = ")" +
         model_path() + R"("
context_length = )" +
         std::to_string(context) + R"(
capabilities = ["chat", "streaming", "json_schema", "embeddings"]
# One inference thread: ggml's threads spin while they wait for each other, and CTest runs
# tests side by side on few cores.
threads = 1
)" + options;
}

std::string request(const std::string& content, const std::string& extra) {
  return R"({"model":"tiny","messages":[{"role":"user","content":")" + content + R"("}])" + extra +
         "}";
}

json::object complete(std::uint16_t port, const std::string& body) {
  const auto response = post_json(port, "/v1/chat/completions", body);
  EXPECT_EQ(response.status, 200) << response.body;
  return json::parse(response.body).as_object();
}

std::string content_of(const json::object& answer) {
  return std::string(answer.at("choices").at(0).at("message").at("content").as_string());
}

std::string streamed_text(const TestResponse& response) {
  std::string text;
  for (const auto& event : sse_data(response.body)) {
    if (event == "[DONE]") {
      break;
    }
    const auto chunk = json::parse(event).as_object();
    for (const auto& choice : chunk.at("choices").as_array()) {
      const auto& delta = choice.at("delta").as_object();
      if (const auto* piece = delta.if_contains("content")) {
        text += piece->as_string();
      }
    }
  }
  return text;
}

TEST(LocalTierTest, FixedSeedIsDeterministic) {
  GatewayUnderTest gateway(local_config("parallel = 2\n"));
  const std::string body =
      request("tell me a story", R"(,"seed":42,"temperature":0.9,"max_tokens":24)");
  const auto first = complete(gateway.port(), body);
  const auto second = complete(gateway.port(), body);
  EXPECT_FALSE(content_of(first).empty());
  EXPECT_EQ(content_of(first), content_of(second));
  const auto other =
      complete(gateway.port(),
               request("tell me a story", R"(,"seed":43,"temperature":0.9,"max_tokens":24)"));
  EXPECT_NE(content_of(first), content_of(other));
}

TEST(LocalTierTest, UsageAddsUpAndRespectsMaxTokens) {
  GatewayUnderTest gateway(local_config(""));
  const auto answer =
      complete(gateway.port(), request("hello", R"(,"max_tokens":7,"temperature":0)"));
  const auto& usage = answer.at("usage").as_object();
  EXPECT_GT(usage.at("prompt_tokens").as_int64(), 1);
  EXPECT_LE(usage.at("completion_tokens").as_int64(), 7);
  EXPECT_EQ(usage.at("total_tokens").as_int64(),
            usage.at("prompt_tokens").as_int64() + usage.at("completion_tokens").as_int64());
  if (usage.at("completion_tokens").as_int64() == 7) {
    EXPECT_EQ(answer.at("choices").at(0).at("finish_reason"), "length");
  }
  EXPECT_EQ(answer.at("model"), "tiny");
}

TEST(LocalTierTest, ConcurrentStreamsDoNotMixTokens) {
  GatewayUnderTest gateway(local_config("parallel = 4\n"));
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    bodies.push_back(request("prompt number " + std::to_string(i),
                             R"(,"stream":true,"temperature":0,"max_tokens":16)"));
  }
  // Alone, each request's greedy answer is its reference.
  std::vector<std::string> alone;
  for (const auto& body : bodies) {
    alone.push_back(streamed_text(post_json(gateway.port(), "/v1/chat/completions", body)));
  }
  std::vector<std::future<TestResponse>> together;
  for (const auto& body : bodies) {
    together.push_back(std::async(std::launch::async, [&gateway, body] {
      return post_json(gateway.port(), "/v1/chat/completions", body);
    }));
  }
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const auto response = together[i].get();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(streamed_text(response), alone[i]) << "request " << i;
    EXPECT_EQ(sse_data(response.body).back(), "[DONE]");
  }
}

TEST(LocalTierTest, StreamsEndWithUsageWhenAsked) {
  GatewayUnderTest gateway(local_config(""));
  const auto response = post_json(
      gateway.port(), "/v1/chat/completions",
      request("hi", R"(,"stream":true,"stream_options":{"include_usage":true},"max_tokens":5)"));
  const auto events = sse_data(response.body);
  ASSERT_GE(events.size(), 4U);
  const auto usage_chunk = json::parse(events[events.size() - 2]).as_object();
  EXPECT_TRUE(usage_chunk.at("choices").as_array().empty());
  EXPECT_GE(usage_chunk.at("usage").at("completion_tokens").as_int64(), 1);
}

TEST(LocalTierTest, LogprobsDescribeEveryGeneratedToken) {
  GatewayUnderTest gateway(local_config(""));
  const auto answer = complete(
      gateway.port(),
      request("hello", R"(,"temperature":0,"max_tokens":6,"logprobs":true,"top_logprobs":3)"));
  const auto& choice = answer.at("choices").at(0).as_object();
  const auto& content = choice.at("logprobs").at("content").as_array();
  EXPECT_EQ(static_cast<std::int64_t>(content.size()),
            answer.at("usage").at("completion_tokens").as_int64());
  std::string bytes;
  for (const auto& entry : content) {
    const double logprob = entry.at("logprob").to_number<double>();
    EXPECT_LE(logprob, 0.0);
    const auto& top = entry.at("top_logprobs").as_array();
    ASSERT_EQ(top.size(), 3U);
    // Greedy sampling picks the most likely token, and alternatives come best first.
    EXPECT_DOUBLE_EQ(top.at(0).at("logprob").to_number<double>(), logprob);
    EXPECT_GE(top.at(0).at("logprob").to_number<double>(),
              top.at(1).at("logprob").to_number<double>());
    for (const auto& byte : entry.at("bytes").as_array()) {
      bytes.push_back(static_cast<char>(byte.as_int64()));
    }
  }
  EXPECT_EQ(local::to_valid_utf8(bytes), content_of(answer));

  const auto plain = complete(gateway.port(), request("hello", R"(,"max_tokens":2)"));
  EXPECT_TRUE(plain.at("choices").at(0).at("logprobs").is_null());
}

TEST(LocalTierTest, StopSequencesEndTheAnswerBeforeThem) {
  GatewayUnderTest gateway(local_config(""));
  const std::string base = R"(,"seed":5,"temperature":0,"max_tokens":20)";
  const std::string full = content_of(complete(gateway.port(), request("go", base)));
  ASSERT_GE(full.size(), 6U);
  // Random weights give any token, so the stop sequence is taken from an ASCII stretch.
  std::size_t at = full.size() / 2;
  while (at + 3 < full.size() && !(std::isalnum(static_cast<unsigned char>(full[at])) &&
                                   std::isalnum(static_cast<unsigned char>(full[at + 1])))) {
    ++at;
  }
  ASSERT_LT(at + 3, full.size()) << full;
  const std::string stop = full.substr(at, 2);
  json::object stopped =
      complete(gateway.port(),
               request("go", base + R"(,"stop":[)" + json::serialize(json::value(stop)) + "]"));
  const std::string text = content_of(stopped);
  EXPECT_EQ(text, full.substr(0, full.find(stop)));
  EXPECT_EQ(stopped.at("choices").at(0).at("finish_reason"), "stop");
}

// Random weights would write anything; only the grammar makes the output valid.
TEST(LocalTierTest, JsonSchemaOutputAlwaysMatchesTheSchema) {
  GatewayUnderTest gateway(local_config("parallel = 4\n", 512));
  const std::string format = R"(,"max_tokens":200,"temperature":1.0,"response_format":{
      "type":"json_schema","json_schema":{"name":"ticket","schema":{
        "type":"object","additionalProperties":false,"required":["label","priority","urgent"],
        "properties":{"label":{"enum":["billing","bug","other"]},
                      "priority":{"type":"integer","minimum":1,"maximum":5},
                      "urgent":{"type":"boolean"}}}}})";
  for (int seed = 1; seed <= 8; ++seed) {
    const auto answer =
        complete(gateway.port(),
                 request("classify this ticket", format + R"(,"seed":)" + std::to_string(seed)));
    const std::string text = content_of(answer);
    json::error_code ec;
    const auto parsed = json::parse(text, ec);
    ASSERT_FALSE(ec) << "seed " << seed << ": " << text;
    const auto& object = parsed.as_object();
    EXPECT_EQ(object.size(), 3U) << text;
    const auto& label = object.at("label").as_string();
    EXPECT_TRUE(label == "billing" || label == "bug" || label == "other") << text;
    const auto priority = object.at("priority").as_int64();
    EXPECT_GE(priority, 1) << text;
    EXPECT_LE(priority, 5) << text;
    EXPECT_TRUE(object.at("urgent").is_bool()) << text;
  }
}

// The tiny model as the route model, with two described routes and one without a description.
std::string route_model_config(int timeout_ms) {
  return local_config(fmt::format(R"(
[router]
route_model = "tiny"
route_model_timeout_ms = {}

[[routes]]
name = "billing"
description = "charges and refunds"
to = ["tiny"]

[[routes]]
name = "travel"
description = "flights and hotels"
to = ["tiny"]

[[routes]]
name = "rest"
to = ["tiny"]
)",
                                  timeout_ms),
                      512);
}

TestResponse routed(std::uint16_t port, const std::string& text) {
  const json::object message{{"role", "user"}, {"content", text}};
  const json::object body{{"model", "auto"}, {"max_tokens", 2}, {"messages", json::array{message}}};
  return post_json(port, "/v1/chat/completions", json::serialize(body));
}

// The in-process model as the route model: its grammar-constrained answer always names one of
// the described routes or "none", and the request goes where the headers say.
TEST(LocalTierTest, ALocalRouteModelNamesARouteAndTheHeadersAgree) {
  GatewayUnderTest gateway(route_model_config(10000));
  for (const char* text : {"refund my card", "book a flight to Oslo", "sing a song"}) {
    const auto response = routed(gateway.port(), text);
    ASSERT_EQ(response.status, 200) << response.body;
    const std::string reason = response.header("x-switchyard-route-reason");
    const std::string route = response.header("x-switchyard-route");
    const bool named = reason.find("chosen=billing (") != std::string::npos ||
                       reason.find("chosen=travel (") != std::string::npos;
    if (named) {
      EXPECT_NE(reason.find("chosen=" + route + " ("), std::string::npos) << reason;
    } else {
      EXPECT_NE(reason.find("chosen=none ("), std::string::npos) << reason;
      EXPECT_EQ(route, "rest");
    }
    EXPECT_EQ(response.header("x-switchyard-model"), "tiny");
  }
}

// A local route model that cannot answer within its timeout is cancelled, the request goes on
// to the routes without descriptions, and the model is free for the next request.
TEST(LocalTierTest, ALocalRouteModelPastItsTimeoutIsCancelled) {
  GatewayUnderTest gateway(route_model_config(1));
  for (int i = 0; i < 3; ++i) {
    const auto response = routed(gateway.port(), "refund me");
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.header("x-switchyard-route"), "rest");
    EXPECT_NE(response.header("x-switchyard-route-reason").find("chosen=timeout"),
              std::string::npos)
        << response.header("x-switchyard-route-reason");
  }
}

// A request that starts like an earlier one decodes only what differs, and answers as if it
// had decoded all of it.
TEST(LocalTierTest, APromptThatSharesItsStartIsServedFromTheCache) {
  const std::string system(400, 'x');
  auto body = [&](const std::string& question) {
    return R"({"model":"tiny","max_tokens":8,"temperature":0,"messages":[)"
           R"({"role":"system","content":")" +
           system + R"("},{"role":"user","content":")" + question + R"("}]})";
  };
  auto cached = [](const json::object& answer) {
    return answer.at("usage").at("prompt_tokens_details").at("cached_tokens").as_int64();
  };
  GatewayUnderTest cache_on(local_config("parallel = 2\n", 512));
  GatewayUnderTest cache_off(local_config("parallel = 2\nprompt_cache = false\n", 512));
  EXPECT_EQ(cached(complete(cache_on.port(), body("first question"))), 0);
  for (const char* question : {"second question", "a third one", "second question"}) {
    // A request that shares nothing takes the other sequence and leaves the cache alone.
    complete(cache_on.port(), request("something else", R"(,"max_tokens":2)"));
    const auto warm = complete(cache_on.port(), body(question));
    const auto cold = complete(cache_off.port(), body(question));
    const auto prompt = warm.at("usage").at("prompt_tokens").as_int64();
    EXPECT_GT(cached(warm), prompt / 2) << question;
    EXPECT_LT(cached(warm), prompt);
    EXPECT_EQ(cached(cold), 0);
    EXPECT_EQ(content_of(warm), content_of(cold)) << question;
  }
}

TEST(LocalTierTest, JsonObjectModeGivesAnObject) {
  GatewayUnderTest gateway(local_config("", 512));
  const auto answer =
      complete(gateway.port(),
               request("json please",
                       R"(,"seed":3,"max_tokens":300,"response_format":{"type":"json_object"})"));
  const auto& choice = answer.at("choices").at(0).as_object();
  if (choice.at("finish_reason") == "stop") {
    EXPECT_TRUE(json::parse(content_of(answer)).is_object()) << content_of(answer);
  } else {
    // An object can be longer than max_tokens; what came out is still a valid prefix.
    EXPECT_EQ(content_of(answer).front(), '{');
  }
}

TEST(LocalTierTest, UnenforceableSchemaIs400) {
  GatewayUnderTest gateway(local_config(""));
  const auto response =
      post_json(gateway.port(), "/v1/chat/completions",
                request("x", R"(,"response_format":{"type":"json_schema",)"
                             R"("json_schema":{"name":"s","schema":{"$ref":"#/nowhere"}}})"));
  EXPECT_EQ(response.status, 400) << response.body;
}

TEST(LocalTierTest, EmbeddingsHaveTheModelsWidthAndUnitLength) {
  GatewayUnderTest gateway(local_config(""));
  const auto response =
      post_json(gateway.port(), "/v1/embeddings",
                R"({"model":"tiny","input":["first text","second text","first text"]})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json::parse(response.body).as_object();
  const auto& data = body.at("data").as_array();
  ASSERT_EQ(data.size(), 3U);
  std::vector<std::vector<double>> vectors;
  for (const auto& item : data) {
    std::vector<double> vector;
    for (const auto& value : item.at("embedding").as_array()) {
      vector.push_back(value.to_number<double>());
    }
    double norm = 0;
    for (const double value : vector) {
      norm += value * value;
    }
    EXPECT_EQ(vector.size(), 64U);  // the tiny preset's embedding width
    EXPECT_NEAR(norm, 1.0, 1e-4);
    vectors.push_back(std::move(vector));
  }
  EXPECT_EQ(vectors[0], vectors[2]);
  EXPECT_NE(vectors[0], vectors[1]);
  EXPECT_GT(body.at("usage").at("prompt_tokens").as_int64(), 3);
  EXPECT_EQ(body.at("model"), "tiny");

  const auto encoded =
      post_json(gateway.port(), "/v1/embeddings",
                R"({"model":"tiny","input":"first text","encoding_format":"base64"})");
  const auto encoded_body = json::parse(encoded.body);
  const auto& text = encoded_body.at("data").at(0).at("embedding").as_string();
  EXPECT_EQ(text.size(), (64U * 4 + 2) / 3 * 4);
  const auto wrong = post_json(gateway.port(), "/v1/embeddings",
                               R"({"model":"tiny","input":"x","dimensions":32})");
  EXPECT_EQ(wrong.status, 400);
}

TEST(LocalTierTest, PromptLongerThanTheContextIs400) {
  GatewayUnderTest gateway(local_config(""));
  std::string long_prompt;
  for (int i = 0; i < 400; ++i) {
    long_prompt += "word ";
  }
  const auto response = post_json(gateway.port(), "/v1/chat/completions", request(long_prompt, ""));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "context_length_exceeded");
}

TEST(LocalTierTest, FullQueueIs503WithRetryAfter) {
  // A long context and many tokens keep the one sequence busy for a while.
  GatewayUnderTest gateway(local_config("parallel = 1\nmax_queue = 1\n", 2048));
  const std::string slow = request("x", R"(,"stream":true,"max_tokens":2000,"temperature":0)");
  auto running = std::async(
      std::launch::async, [&] { return post_json(gateway.port(), "/v1/chat/completions", slow); });
  std::this_thread::sleep_for(milliseconds(100));
  auto queued = std::async(std::launch::async,
                           [&] { return post_json(gateway.port(), "/v1/chat/completions", slow); });
  std::this_thread::sleep_for(milliseconds(100));
  const auto rejected = post_json(gateway.port(), "/v1/chat/completions", request("y", ""));
  EXPECT_EQ(rejected.status, 503) << rejected.body;
  EXPECT_EQ(rejected.header("retry-after"), "1");
  EXPECT_EQ(running.get().status, 200);
  EXPECT_EQ(queued.get().status, 200);
}

TEST(LocalTierTest, ClientThatDisconnectsFreesItsSequence) {
  GatewayUnderTest gateway(local_config("parallel = 1\nmax_queue = 4\n", 2048));
  // A long stream on the only sequence; the client reads its headers and goes away.
  const std::string endless = request("x", R"(,"stream":true,"max_tokens":2000,"temperature":0)");
  const std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(endless.size()) + "\r\n\r\n" + endless;
  raw_exchange(gateway.port(), head, milliseconds(150));
  // Were the sequence still busy, this request would wait for all 2000 tokens.
  const auto started = steady_clock::now();
  const auto answer = complete(gateway.port(), request("y", R"(,"max_tokens":2)"));
  EXPECT_LT(steady_clock::now() - started, milliseconds(1500));
  EXPECT_EQ(answer.at("model"), "tiny");
}

TEST(LocalTierTest, AHedgeThatWinsCancelsTheLocalGeneration) {
  FakeUpstream remote;
  remote.start();
  GatewayUnderTest gateway(local_config(R"(parallel = 1
max_queue = 4
fallbacks = ["remote"]

[reliability]
hedge_after_ms = 100

[[providers]]
name = "remote"
kind = "openai_compatible"
base_url = ")" + remote.base_url() + R"("

[[models]]
name = "remote"
provider = "remote"
upstream_model = "tokens-3"
)",
                                        2048));
  // The local model is slow to answer all 2000 tokens; the remote hedge answers first, and
  // the answer does not wait for the losing generation to end by itself.
  const auto sent = steady_clock::now();
  const auto hedged =
      complete(gateway.port(), request("x", R"(,"max_tokens":2000,"temperature":0)"));
  EXPECT_LT(steady_clock::now() - sent, milliseconds(1000));
  EXPECT_EQ(hedged.at("model"), "remote");
  EXPECT_EQ(hedged.at("usage").at("completion_tokens"), 3);
  // Had the losing generation gone on, this would wait for its 2000 tokens.
  const auto started = steady_clock::now();
  const auto answer = complete(gateway.port(), request("y", R"(,"max_tokens":2)"));
  EXPECT_LT(steady_clock::now() - started, milliseconds(1500));
  EXPECT_EQ(answer.at("model"), "tiny");
}

// The request deadline holds for in-process models as for upstreams: a generation still
// running when it passes is ended, the client gets a timeout (an error event once a stream has
// begun), and the sequence is free for the next request.
TEST(LocalTierTest, TheRequestDeadlineEndsALocalGeneration) {
  GatewayUnderTest gateway(local_config(R"(parallel = 1

[reliability]
request_timeout_ms = 300
)",
                                        2048));
  const auto sent = steady_clock::now();
  const auto whole = post_json(gateway.port(), "/v1/chat/completions",
                               request("x", R"(,"max_tokens":2000,"temperature":0)"));
  EXPECT_LT(steady_clock::now() - sent, milliseconds(1000));
  EXPECT_EQ(whole.status, 504) << whole.body;
  EXPECT_EQ(json::parse(whole.body).at("error").at("code"), "upstream_timeout");

  const auto streamed =
      post_json(gateway.port(), "/v1/chat/completions",
                request("x", R"(,"max_tokens":2000,"temperature":0,"stream":true)"));
  ASSERT_EQ(streamed.status, 200);
  const auto events = sse_data(streamed.body);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.back().find("upstream_timeout"), std::string::npos) << events.back();

  const auto started = steady_clock::now();
  const auto answer = complete(gateway.port(), request("y", R"(,"max_tokens":2)"));
  EXPECT_LT(steady_clock::now() - started, milliseconds(1000));
  EXPECT_EQ(answer.at("model"), "tiny");
}

std::string config_for_path(const std::string& path) {
  std::string text = local_config("");
  const std::string current = "path = \"" + model_path() + "\"";
  text.replace(text.find(current), current.size(), "path = \"" + path + "\"");
  return text;
}

std::string start_error(const std::string& toml) {
  try {
    GatewayUnderTest gateway(toml);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

TEST(LocalTierTest, MissingOrCorruptModelFilesAreClearStartErrors) {
  const fs::path dir = fs::temp_directory_path() / ("switchyard-bad-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string missing = (dir / "nowhere.gguf").string();
  EXPECT_NE(start_error(config_for_path(missing)).find("cannot load '" + missing + "'"),
            std::string::npos);

  // A file that starts like a GGUF and then stops, and one that is not a GGUF at all.
  const std::string truncated = (dir / "truncated.gguf").string();
  {
    std::ifstream source(model_path(), std::ios::binary);
    std::string head(4096, '\0');
    source.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(truncated, std::ios::binary) << head;
  }
  // Whole metadata, half the tensor data.
  const std::string halved = (dir / "halved.gguf").string();
  fs::copy_file(model_path(), halved);
  fs::resize_file(halved, fs::file_size(halved) / 2);
  const std::string garbage = (dir / "garbage.gguf").string();
  std::ofstream(garbage, std::ios::binary) << "this is not a model";
  for (const auto& path : {truncated, halved, garbage}) {
    EXPECT_NE(start_error(config_for_path(path)).find("cannot load"), std::string::npos) << path;
  }
  fs::remove_all(dir);
}

// The engine may still be finishing a step when the I/O threads go away; what it delivers
// then must be dropped, not posted into a destroyed io_context.
TEST(LocalTierTest, ShutdownDuringAStreamIsClean) {
  std::string toml = local_config("parallel = 2\n", 2048);
  toml.insert(toml.find("io_threads = 2\n"), "drain_timeout_ms = 100\n");
  auto gateway = std::make_unique<GatewayUnderTest>(toml);
  const std::uint16_t port = gateway->port();
  auto stream = std::async(std::launch::async, [port] {
    return post_json(port, "/v1/chat/completions",
                     request("x", R"(,"stream":true,"max_tokens":2000,"temperature":0)"));
  });
  std::this_thread::sleep_for(milliseconds(150));
  gateway.reset();
  const auto response = stream.get();  // cut short, but the process is still here
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.find("[DONE]"), std::string::npos);
}

std::string adapter_config(const std::string& adapter_file) {
  return local_config("parallel = 4\n\n[[models.adapters]]\nname = \"tiny-tuned\"\npath = \"" +
                      adapter_file + "\"\n");
}

TEST(LocalTierTest, LoraAdapterIsItsOwnModelAndChangesTheAnswer) {
  GatewayUnderTest gateway(adapter_config(adapter_path()));
  const auto models = json::parse(send_request(gateway.port(), {.target = "/v1/models"}).body);
  ASSERT_EQ(models.at("data").as_array().size(), 2U);
  EXPECT_EQ(models.at("data").at(1).at("id"), "tiny-tuned");

  const std::string extra = R"(,"temperature":0,"max_tokens":12)";
  auto ask = [&](const std::string& model) {
    const std::string body = R"({"model":")" + model +
                             R"(","messages":[{"role":"user","content":"same question"}])" + extra +
                             "}";
    return content_of(complete(gateway.port(), body));
  };
  const std::string base = ask("tiny");
  const std::string tuned = ask("tiny-tuned");
  EXPECT_NE(base, tuned);
  EXPECT_EQ(tuned, ask("tiny-tuned"));

  // Base and adapter requests at once: each still gets its own answer.
  std::vector<std::future<std::string>> together;
  for (int i = 0; i < 4; ++i) {
    together.push_back(
        std::async(std::launch::async, [&, i] { return ask(i % 2 == 0 ? "tiny" : "tiny-tuned"); }));
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(together[static_cast<std::size_t>(i)].get(), i % 2 == 0 ? base : tuned) << i;
  }
}

TEST(LocalTierTest, MissingAdapterFileIsAClearStartError) {
  EXPECT_NE(start_error(adapter_config("/nonexistent/adapter.gguf")).find("LoRA adapter"),
            std::string::npos);
}

TEST(LocalTierTest, ListedWithItsContextLength) {
  GatewayUnderTest gateway(local_config(""));
  const auto models = json::parse(send_request(gateway.port(), {.target = "/v1/models"}).body);
  EXPECT_EQ(models.at("data").at(0).at("id"), "tiny");
  EXPECT_EQ(models.at("data").at(0).at("context_length"), 256);
}

}  // namespace
}  // namespace switchyard::testing
