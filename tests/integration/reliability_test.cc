// The gateway in front of failing upstreams: every fault of the fault-injecting upstream ends
// in a complete answer (from a retry or a fallback) or a clear, bounded error, never in a
// truncated answer reported as success. Deadlines are scaled down (hundreds of milliseconds
// instead of tens of seconds) so the suite stays fast; the breaker's own arithmetic over a
// one-minute outage is checked with an injected clock in the unit tests.
#include <atomic>
#include <chrono>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string chat_body(const std::string& model, bool stream = false) {
  return fmt::format(R"({{"model":"{}","stream":{},"stream_options":{{"include_usage":true}},)"
                     R"("messages":[{{"role":"user","content":"hello there friend"}}]}})",
                     model, stream ? "true" : "false");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Two upstreams: "primary" and "backup", and models on each named in the tests.
class ReliabilityTest : public ::testing::Test {
 protected:
  ReliabilityTest() {
    primary_.start();
    backup_.start();
  }

  // Starts the gateway with these [reliability] lines and these extra [[models]] tables.
  void start(const std::string& reliability, const std::string& models) {
    const std::string text =
        fmt::format(R"(
[server]
listen = "127.0.0.1:0"
io_threads = 2

[reliability]
backoff_base_ms = 20
backoff_max_ms = 100
{}

[[providers]]
name = "primary"
kind = "openai_compatible"
base_url = "{}"
first_byte_timeout_ms = 400
idle_timeout_ms = 400

[[providers]]
name = "backup"
kind = "openai_compatible"
base_url = "{}"

[[models]]
name = "backup-chat"
provider = "backup"
upstream_model = "tokens-3"
input_price_per_mtok = 1.0
output_price_per_mtok = 2.0
context_length = 32768
{}
)",
                    reliability, primary_.base_url(), backup_.base_url(), models);
    gateway_ = std::make_unique<GatewayUnderTest>(text);
  }

  // A model at the primary whose upstream name is the fault, optionally with fallbacks.
  static std::string model(const std::string& name, const std::string& fault,
                           const std::string& fallbacks = "", int context = 4096) {
    return fmt::format(R"(
[[models]]
name = "{}"
provider = "primary"
upstream_model = "{}"
context_length = {}
fallbacks = [{}]
)",
                       name, fault, context, fallbacks);
  }

  TestResponse chat(const std::string& body) {
    return post_json(gateway_->port(), "/v1/chat/completions", body);
  }

  // The content of a streamed answer, its parsed events and whether it ended with [DONE].
  struct Streamed {
    std::string text;
    std::vector<json::object> events;
    bool done = false;
    bool error = false;
  };
  static Streamed parse_stream(const TestResponse& response) {
    Streamed out;
    for (const std::string& data : sse_data(response.body)) {
      if (data == "[DONE]") {
        out.done = true;
        continue;
      }
      json::object event = json::parse(data).as_object();  // throws on garbage
      out.error = out.error || event.contains("error");
      const auto* choices = event.if_contains("choices");
      if (choices != nullptr && !choices->as_array().empty()) {
        const auto* content =
            choices->as_array()[0].as_object().at("delta").as_object().if_contains("content");
        if (content != nullptr && content->is_string()) {
          out.text += content->as_string();
        }
      }
      out.events.push_back(std::move(event));
    }
    return out;
  }

  FakeUpstream primary_;
  FakeUpstream backup_;
  std::unique_ptr<GatewayUnderTest> gateway_;
};

TEST_F(ReliabilityTest, RateLimitWaitsForRetryAfterBeforeTheOneRetry) {
  start("", model("limited", "error-429+retry-after-2"));
  std::atomic<bool> finished = false;
  TestResponse response;
  const auto sent = Clock::now();
  std::thread client([&] {
    response = chat(chat_body("limited"));
    finished = true;
  });
  std::this_thread::sleep_for(milliseconds(1'500));
  EXPECT_EQ(primary_.requests().size(), 1U) << "retried before Retry-After passed";
  client.join();
  EXPECT_GE(seconds_since(sent), 2.0);
  EXPECT_EQ(primary_.requests().size(), 2U);  // attempts_per_model
  EXPECT_EQ(response.status, 429) << response.body;
  EXPECT_EQ(response.header("retry-after"), "2");
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "rate_limit_exceeded");
}

TEST_F(ReliabilityTest, RateLimitedForeverFallsBackAtOnceAndReportsTheFallback) {
  start("", model("limited", "error-429+retry-after-30", R"("backup-chat")"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("limited"));
  EXPECT_LT(seconds_since(sent), 1.0);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto answer = json::parse(response.body).as_object();
  EXPECT_EQ(answer.at("model"), "backup-chat");
  EXPECT_EQ(response.header("x-switchyard-model"), "backup-chat");
  // The usage is the fallback's own answer's: three words, nothing of the failed attempt.
  EXPECT_EQ(answer.at("usage").at("completion_tokens"), 3);
  EXPECT_EQ(answer.at("choices").at(0).at("message").at("content"), "w0 w1 w2");
  EXPECT_EQ(primary_.requests().size(), 1U);
}

TEST_F(ReliabilityTest, UnavailableForeverGivesACleanErrorAfterBoundedAttempts) {
  start("max_attempts = 3\nattempts_per_model = 3", model("down", "error-503"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("down"));
  EXPECT_LT(seconds_since(sent), 2.0);
  EXPECT_EQ(response.status, 502) << response.body;
  EXPECT_EQ(json::parse(response.body).at("error").at("code"), "upstream_error");
  EXPECT_EQ(primary_.requests().size(), 3U);
}

TEST_F(ReliabilityTest, ServerErrorOnceThenHealthyIsAnswered) {
  start("", model("flaky", "error-500+fail-first-1"));
  const auto response = chat(chat_body("flaky"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body).at("model"), "flaky");
  EXPECT_EQ(primary_.requests().size(), 2U);
}

TEST_F(ReliabilityTest, ConnectionResetBeforeHeadersIsAnswered) {
  start("", model("reset", "reset+fail-first-1"));
  const auto response = chat(chat_body("reset"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(primary_.requests().size(), 2U);
}

TEST_F(ReliabilityTest, AcceptedButNeverAnsweredEndsInsideTheRequestBudget) {
  start("request_timeout_ms = 1000", model("hang", "hang"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("hang"));
  const double took = seconds_since(sent);
  EXPECT_EQ(response.status, 504) << response.body;
  EXPECT_LT(took, 1.5);
  EXPECT_GE(took, 0.4);  // at least one first-byte deadline
}

TEST_F(ReliabilityTest, SlowFirstTokenFailsOverAtTheFirstByteDeadline) {
  start("", model("slow", "delay-20000", R"("backup-chat")"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("slow", true));
  EXPECT_LT(seconds_since(sent), 2.0);
  ASSERT_EQ(response.status, 200) << response.body;
  const Streamed streamed = parse_stream(response);
  EXPECT_EQ(streamed.text, "w0 w1 w2");
  EXPECT_TRUE(streamed.done);
  EXPECT_EQ(response.header("x-switchyard-model"), "backup-chat");
  EXPECT_EQ(streamed.events.front().at("model"), "backup-chat");
}

TEST_F(ReliabilityTest, StreamCutMidwayIsNeverATruncatedSuccess) {
  start("", model("cut", "tokens-60+stream-cut-40", R"("backup-chat")"));
  const auto response = chat(chat_body("cut", true));
  ASSERT_EQ(response.status, 200) << response.body;
  const Streamed streamed = parse_stream(response);
  EXPECT_FALSE(streamed.done);
  ASSERT_TRUE(streamed.error);
  const auto& error = streamed.events.back().at("error");
  EXPECT_EQ(error.at("code"), "upstream_unavailable");
  EXPECT_EQ(streamed.text.substr(0, 6), "w0 w1 ");
  EXPECT_EQ(streamed.text.find("w59"), std::string::npos);
  // Bytes had reached the client, so the fallback must not have been used.
  EXPECT_TRUE(backup_.requests().empty());
}

TEST_F(ReliabilityTest, StalledStreamIsDetectedWithinTheIdleDeadline) {
  start("", model("stall", "tokens-20+stall-5-30000") + model("ok", "tokens-2"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("stall", true));
  const double took = seconds_since(sent);
  EXPECT_LT(took, 1.5);
  EXPECT_GE(took, 0.4);
  const Streamed streamed = parse_stream(response);
  EXPECT_FALSE(streamed.done);
  ASSERT_TRUE(streamed.error);
  EXPECT_EQ(streamed.events.back().at("error").at("code"), "upstream_timeout");
  // The gateway is healthy afterwards.
  EXPECT_EQ(chat(chat_body("ok")).status, 200);
}

TEST_F(ReliabilityTest, InvalidJsonInTheTenthEventSendsNoGarbage) {
  start("", model("garbled", "tokens-20+bad-json-10"));
  const auto response = chat(chat_body("garbled", true));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body.find("chatcmpl-broken"), std::string::npos);
  const Streamed streamed = parse_stream(response);  // every event parses
  EXPECT_FALSE(streamed.done);
  ASSERT_TRUE(streamed.error);
  EXPECT_EQ(streamed.events.back().at("error").at("code"), "upstream_protocol_error");
  // Events 1-9 (the role chunk and eight words) went through, nothing after the bad one.
  EXPECT_EQ(streamed.text, "w0 w1 w2 w3 w4 w5 w6 w7 ");
}

TEST_F(ReliabilityTest, AnErrorEventMidStreamEndsTheStreamWithTheUpstreamsReason) {
  start("", model("failing", "tokens-20+error-event-6") + model("ok", "tokens-2"));
  const auto response = chat(chat_body("failing", true));
  ASSERT_EQ(response.status, 200) << response.body;
  const Streamed streamed = parse_stream(response);
  EXPECT_FALSE(streamed.done);
  ASSERT_TRUE(streamed.error);
  const auto& error = streamed.events.back().at("error");
  EXPECT_NE(std::string_view(error.at("message").as_string()).find("while processing"),
            std::string_view::npos)
      << response.body;
  // Events 1-5 (the role chunk and four words) went through, nothing after the error.
  EXPECT_EQ(streamed.text, "w0 w1 w2 w3 ");
  // The gateway is healthy afterwards.
  EXPECT_EQ(chat(chat_body("ok")).status, 200);
}

TEST_F(ReliabilityTest, AnUpstreamThatDawdlesAfterDoneDoesNotHoldTheClient) {
  // The upstream sends [DONE] at once but ends its HTTP body only two seconds later. The
  // client has its whole stream long before that, and before the 400 ms idle timeout too.
  start("", model("slow-end", "tokens-3+end-delay-2000") + model("ok", "tokens-2"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("slow-end", true));
  EXPECT_LT(seconds_since(sent), 0.3);
  const Streamed streamed = parse_stream(response);
  EXPECT_TRUE(streamed.done);
  EXPECT_FALSE(streamed.error);
  EXPECT_EQ(streamed.text, "w0 w1 w2");
  // The gateway gave up on that connection rather than wait, and answers on another.
  EXPECT_EQ(chat(chat_body("ok")).status, 200);
}

TEST_F(ReliabilityTest, StreamWithoutDoneIsFinalisedPromptlyWithUsage) {
  start("", model("no-done", "tokens-5+no-done"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("no-done", true));
  EXPECT_LT(seconds_since(sent), 1.0);
  const Streamed streamed = parse_stream(response);
  EXPECT_TRUE(streamed.done);
  EXPECT_FALSE(streamed.error);
  EXPECT_EQ(streamed.text, "w0 w1 w2 w3 w4");
  ASSERT_TRUE(streamed.events.back().contains("usage"));
  EXPECT_EQ(streamed.events.back().at("usage").at("completion_tokens"), 5);
}

TEST_F(ReliabilityTest, ContextLengthGoesOnceToTheModelAndThenToALargerOne) {
  start("", model("small", "context-length", R"("backup-chat")", 4096));
  const auto response = chat(chat_body("small"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body).at("model"), "backup-chat");
  EXPECT_EQ(primary_.requests().size(), 1U);
}

TEST_F(ReliabilityTest, ContextLengthWithNoLargerModelIsOneAttemptAndTheUpstreamsReason) {
  start("", model("small", "context-length", R"("backup-chat")", 65536));
  const auto response = chat(chat_body("small"));
  EXPECT_EQ(response.status, 400) << response.body;
  const auto error = json::parse(response.body).at("error");
  EXPECT_EQ(error.at("code"), "context_length_exceeded");
  EXPECT_EQ(primary_.requests().size(), 1U);
  EXPECT_TRUE(backup_.requests().empty());
}

TEST_F(ReliabilityTest, ContentPolicyRefusalIsOneAttemptWithTheProvidersReason) {
  start("", model("strict", "content-policy", R"("backup-chat")"));
  const auto response = chat(chat_body("strict"));
  EXPECT_EQ(response.status, 400) << response.body;
  const auto error = json::parse(response.body).at("error");
  EXPECT_EQ(error.at("code"), "content_policy_violation");
  EXPECT_NE(std::string(error.at("message").as_string()).find("safety system"), std::string::npos);
  EXPECT_EQ(primary_.requests().size(), 1U);
  EXPECT_TRUE(backup_.requests().empty());
}

TEST_F(ReliabilityTest, OutageIsServedByTheFallbackAndThePrimaryReturnsAfterRecovery) {
  start("breaker_failures = 3\nbreaker_ejection_ms = 200\nbreaker_max_ejection_ms = 800",
        model("main", "tokens-2", R"("backup-chat")"));
  ASSERT_EQ(chat(chat_body("main")).header("x-switchyard-model"), "main");

  primary_.set_outage(true);
  primary_.clear_requests();
  const auto outage_start = Clock::now();
  int answered = 0;
  int requests = 0;
  while (seconds_since(outage_start) < 3.0) {
    const auto response = chat(chat_body("main"));
    ++requests;
    answered += response.status == 200 && response.header("x-switchyard-model") == "backup-chat";
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(answered, requests);
  // Ejected after three failures, then one probe per ejection (200, 400, 800, 800 ms): far
  // fewer than one attempt per request.
  EXPECT_LE(primary_.requests().size(), 3U + 6U);
  EXPECT_GT(requests, 30);

  primary_.set_outage(false);
  const auto recovered = Clock::now();
  double back_after = -1;
  while (seconds_since(recovered) < 3.0) {
    const auto response = chat(chat_body("main"));
    ASSERT_EQ(response.status, 200);
    if (response.header("x-switchyard-model") == "main") {
      back_after = seconds_since(recovered);
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_GE(back_after, 0) << "never went back to the primary";
  EXPECT_LT(back_after, 1.0);  // within the longest ejection
}

TEST_F(ReliabilityTest, ClientThatHangsUpMidStreamCancelsTheUpstream) {
  start("", model("long", "tokens-400+chunk-delay-20"));
  const std::string body = chat_body("long", true);
  const std::string request = fmt::format(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\n\r\n{}",
      body.size(), body);
  const std::string seen = raw_exchange(gateway_->port(), request, milliseconds(300));
  EXPECT_NE(seen.find("data: "), std::string::npos);
  EXPECT_EQ(primary_.open_connections(), 1);
  const auto closed = Clock::now();
  while (primary_.open_connections() > 0 && seconds_since(closed) < 2.0) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(primary_.open_connections(), 0);
  EXPECT_LT(seconds_since(closed), 1.0);
}

// Hedging: after hedge_after_ms without an answer a second attempt goes to the fallback; the
// first answer wins and the other attempt's upstream connection is closed at once.
TEST_F(ReliabilityTest, HedgeAnswersFromTheFallbackWhileThePrimaryHangs) {
  start("hedge_after_ms = 50", model("main", "hang", R"("backup-chat")"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("main"));
  const double took = seconds_since(sent);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_GE(took, 0.05);
  EXPECT_LT(took, 0.35) << "waited for the primary's first-byte deadline";
  const auto answer = json::parse(response.body).as_object();
  EXPECT_EQ(answer.at("model"), "backup-chat");
  EXPECT_EQ(response.header("x-switchyard-model"), "backup-chat");
  EXPECT_EQ(answer.at("usage").at("completion_tokens"), 3);
  EXPECT_EQ(primary_.requests().size(), 1U);
  EXPECT_EQ(backup_.requests().size(), 1U);
  const auto answered = Clock::now();
  while (primary_.open_connections() > 0 && seconds_since(answered) < 2.0) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(primary_.open_connections(), 0) << "the losing attempt was not cancelled";
  EXPECT_LT(seconds_since(answered), 0.25);
}

TEST_F(ReliabilityTest, HedgedStreamComesWholeFromTheFallback) {
  start("hedge_after_ms = 50", model("main", "hang", R"("backup-chat")"));
  const auto sent = Clock::now();
  const auto response = chat(chat_body("main", true));
  EXPECT_LT(seconds_since(sent), 0.35);
  ASSERT_EQ(response.status, 200) << response.body;
  const Streamed streamed = parse_stream(response);
  EXPECT_EQ(streamed.text, "w0 w1 w2");
  EXPECT_TRUE(streamed.done);
  EXPECT_FALSE(streamed.error);
  EXPECT_EQ(response.header("x-switchyard-model"), "backup-chat");
  EXPECT_EQ(streamed.events.back().at("usage").at("completion_tokens"), 3);
}

TEST_F(ReliabilityTest, APrimaryThatAnswersFirstWinsAndTheHedgeIsCancelled) {
  start("hedge_after_ms = 100", model("main", "tokens-2+delay-300", R"("hanging-backup")") +
                                    R"(
[[models]]
name = "hanging-backup"
provider = "backup"
upstream_model = "hang"
)");
  const auto sent = Clock::now();
  const auto response = chat(chat_body("main"));
  EXPECT_LT(seconds_since(sent), 0.6) << "waited for the hedge to end by itself";
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("x-switchyard-model"), "main");
  EXPECT_EQ(json::parse(response.body).at("usage").at("completion_tokens"), 2);
  EXPECT_EQ(backup_.requests().size(), 1U) << "no hedge was sent";
  const auto answered = Clock::now();
  while (backup_.open_connections() > 0 && seconds_since(answered) < 2.0) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(backup_.open_connections(), 0) << "the losing hedge was not cancelled";
}

TEST_F(ReliabilityTest, NoHedgeIsSentWhenThePrimaryAnswersInTime) {
  start("hedge_after_ms = 300", model("main", "tokens-2", R"("backup-chat")"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(chat(chat_body("main")).header("x-switchyard-model"), "main");
  }
  EXPECT_TRUE(backup_.requests().empty());
}

TEST_F(ReliabilityTest, WithNothingToHedgeToTheSlowPrimaryIsAwaited) {
  start("hedge_after_ms = 50", model("main", "tokens-2+delay-200"));
  const auto response = chat(chat_body("main"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(primary_.requests().size(), 1U);
}

}  // namespace
}  // namespace switchyard::testing
