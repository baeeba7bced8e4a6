// The gateway's own limits: requests and tokens per minute per key and per model, and money
// budgets per key that concurrent requests cannot overspend. Every 429 of ours carries
// Retry-After; failed requests spend nothing.
#include <atomic>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;

// The fake counts words: this prompt is 3 prompt tokens, and the answer "w0 w1 w2 w3 w4" is 5.
// The gateway reserves 4 + 18 / 3 = 10 prompt tokens and max_tokens = 10 completion tokens.
std::string chat_body(const std::string& model, bool stream = false) {
  return fmt::format(R"({{"model":"{}","max_tokens":10,"stream":{},)"
                     R"("messages":[{{"role":"user","content":"hello there friend"}}]}})",
                     model, stream ? "true" : "false");
}

// $1000 per million tokens both ways: a request reserves (10 + 10) tokens = $0.02 and, answered,
// spends (3 + 5) tokens = $0.008.
constexpr double kReserved = 0.02;
constexpr double kSpent = 0.008;

class LimitsTest : public ::testing::Test {
 protected:
  LimitsTest() { upstream_.start(); }

  void start(const std::string& key_lines, const std::string& models) {
    gateway_ =
        std::make_unique<GatewayUnderTest>(fmt::format(R"(
[server]
listen = "127.0.0.1:0"
io_threads = 2

[[keys]]
name = "team"
key = "team-key"
{}

[[providers]]
name = "fake"
kind = "openai_compatible"
base_url = "{}"
{}
)",
                                                       key_lines, upstream_.base_url(), models));
  }

  static std::string model(const std::string& name, const std::string& upstream,
                           const std::string& extra = "", double price = 1000) {
    return fmt::format(R"(
[[models]]
name = "{}"
provider = "fake"
upstream_model = "{}"
input_price_per_mtok = {}
output_price_per_mtok = {}
{}
)",
                       name, upstream, price, price, extra);
  }

  TestResponse chat(const std::string& body) {
    return post_json(gateway_->port(), "/v1/chat/completions", body,
                     {{"Authorization", "Bearer team-key"}});
  }

  json::object usage() {
    TestRequest request{.method = "GET",
                        .target = "/switchyard/usage",
                        .headers = {{"Authorization", "Bearer team-key"}}};
    const auto response = send_request(gateway_->port(), request);
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body).as_object();
  }

  double spent() { return usage().at("budget").at("spent_usd").to_number<double>(); }

  FakeUpstream upstream_;
  std::unique_ptr<GatewayUnderTest> gateway_;
};

TEST_F(LimitsTest, KeyRequestsPerMinuteAreEnforcedWithRetryAfter) {
  start("requests_per_minute = 2", model("m", "tokens-5"));
  EXPECT_EQ(chat(chat_body("m")).status, 200);
  EXPECT_EQ(chat(chat_body("m")).status, 200);
  const auto refused = chat(chat_body("m"));
  EXPECT_EQ(refused.status, 429) << refused.body;
  const auto error = json::parse(refused.body).at("error");
  EXPECT_EQ(error.at("code"), "rate_limit_exceeded");
  EXPECT_NE(std::string(error.at("message").as_string()).find("'team'"), std::string::npos);
  // Two per minute refill one every 30 s.
  EXPECT_GE(std::stoi(refused.header("retry-after")), 29);
  EXPECT_EQ(upstream_.requests().size(), 2U);
}

TEST_F(LimitsTest, KeyTokensPerMinuteCountTheReservation) {
  start("tokens_per_minute = 50", model("m", "tokens-5"));
  // Each request reserves 20 and gives back the 12 it did not use: after four (32 used, 18
  // left) the fifth cannot reserve its 20.
  int answered = 0;
  for (int i = 0; i < 8; ++i) {
    answered += chat(chat_body("m")).status == 200 ? 1 : 0;
  }
  EXPECT_EQ(answered, 4);  // 50 - 4 * 8 = 18 < 20 is the fifth's reservation
}

TEST_F(LimitsTest, AModelOverItsLimitPassesToItsFallback) {
  start("", model("main", "tokens-5", "requests_per_minute = 1\nfallbacks = [\"spare\"]") +
                model("spare", "tokens-3") + model("alone", "tokens-5", "requests_per_minute = 1"));
  EXPECT_EQ(chat(chat_body("main")).header("x-switchyard-model"), "main");
  const auto second = chat(chat_body("main"));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.header("x-switchyard-model"), "spare");

  EXPECT_EQ(chat(chat_body("alone")).status, 200);
  const auto refused = chat(chat_body("alone"));
  EXPECT_EQ(refused.status, 429);
  EXPECT_NE(refused.body.find("'alone'"), std::string::npos);
  EXPECT_FALSE(refused.header("retry-after").empty());
}

TEST_F(LimitsTest, ConcurrentRequestsOverspendABudgetByAtMostOneReservation) {
  constexpr double kBudget = 0.5;
  start(fmt::format("budget_usd = {}\nbudget_window = \"day\"", kBudget),
        model("m", "tokens-5+delay-20"));
  constexpr int kClients = 200;
  std::atomic<int> answered = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      const auto response = chat(chat_body("m"));
      if (response.status == 200) {
        ++answered;
      } else if (response.status == 429 &&
                 json::parse(response.body).at("error").at("code") == "budget_exceeded") {
        ++refused;
      }
    });
  }
  for (auto& client : clients) {
    client.join();
  }
  EXPECT_EQ(answered + refused, kClients);
  RecordProperty("answered", answered.load());
  EXPECT_GT(refused, 0);
  const auto state = usage().at("budget");
  const double total = state.at("spent_usd").to_number<double>();
  EXPECT_LE(total, kBudget + kReserved);
  EXPECT_NEAR(total, answered * kSpent, 1e-9);
  EXPECT_NEAR(state.at("reserved_usd").to_number<double>(), 0, 1e-9);
  EXPECT_TRUE(state.as_object().contains("resets_at"));
}

TEST_F(LimitsTest, FailedRequestsSpendNothingAndStreamsSpendTheirUsage) {
  start("budget_usd = 1", model("broken", "error-400") + model("m", "tokens-5"));
  EXPECT_EQ(chat(chat_body("broken")).status, 400);
  EXPECT_DOUBLE_EQ(spent(), 0);
  EXPECT_EQ(chat(chat_body("m", true)).status, 200);
  EXPECT_NEAR(spent(), kSpent, 1e-9);
}

TEST_F(LimitsTest, ZeroCostModelsDoNotTouchTheBudget) {
  start("budget_usd = 0", model("free", "tokens-5", "", 0) + model("paid", "tokens-5"));
  EXPECT_EQ(chat(chat_body("free")).status, 200);
  EXPECT_EQ(chat(chat_body("paid")).status, 429);
  EXPECT_DOUBLE_EQ(spent(), 0);
}

}  // namespace
}  // namespace switchyard::testing
