// Routed aliases: requests to "auto" go where the first matching route says, the explanation
// headers agree with where they actually went, PHI never leaves our hardware under any alias,
// and a request no route can take gets a 400 that says why. The intent and difficulty
// classifiers are trained here on a few examples so the test depends on no committed model.
#include <chrono>
#include <filesystem>
#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "router/difficulty_scorer.h"
#include "router/intent_classifier.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;

constexpr char kPhi[] = "Patient MRN: 00482913, diagnosis: E11.9 type 2 diabetes";

// A classifier that tells weather questions from billing ones, written to `path`.
void write_intent_model(const std::string& path) {
  std::vector<router::LabelledQuery> queries;
  for (const char* text :
       {"what is the weather today", "will it rain tomorrow", "is it sunny outside",
        "weather forecast for the weekend", "how cold is it now", "will it snow tonight"}) {
    queries.push_back({text, "weather"});
  }
  for (const char* text :
       {"why was my card charged twice", "refund my last invoice", "what is on my bill",
        "update my payment method", "cancel my subscription billing", "invoice for last month"}) {
    queries.push_back({text, "billing"});
  }
  router::IntentTrainingOptions options;
  options.oos_label = "";
  options.oos_share = 0;
  auto classifier = router::IntentClassifier::train(queries, options);
  ASSERT_TRUE(classifier) << classifier.error();
  ASSERT_TRUE(classifier->save(path));
}

// A scorer for which long multi-step arithmetic is what the weak model fails and the strong
// one solves, written to `path`.
void write_difficulty_model(const std::string& path) {
  std::vector<std::string> prompts;
  std::vector<router::DifficultyExample> examples;
  for (int i = 0; i < 60; ++i) {
    prompts.push_back(fmt::format("what colour is the sky on day {}", i));
    prompts.push_back(fmt::format("compute {} times {} plus {} divided by {} minus {} squared", i,
                                  i + 7, i * 3, i + 2, i + 11));
  }
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const bool hard = i % 2 == 1;
    examples.push_back({.prompt = prompts[i], .weak_correct = !hard, .strong_correct = true});
  }
  router::DifficultyTrainingOptions options;
  options.trees = 20;
  const auto scorer = router::DifficultyScorer::train(examples, options);
  ASSERT_TRUE(scorer.save(path));
}

class RoutingTest : public ::testing::Test {
 protected:
  RoutingTest() {
    upstream_.start();
    dir_ = std::filesystem::temp_directory_path() / fmt::format("routing-test-{}", getpid());
    std::filesystem::create_directories(dir_);
  }
  ~RoutingTest() override { std::filesystem::remove_all(dir_); }

  void start(const std::string& router_table, const std::string& routes) {
    gateway_ = std::make_unique<GatewayUnderTest>(fmt::format(R"(
[server]
listen = "127.0.0.1:0"
io_threads = 2

{}

[[providers]]
name = "ours"
kind = "openai_compatible"
base_url = "{}"
self_hosted = true

[[providers]]
name = "cloud"
kind = "openai_compatible"
base_url = "{}"

[[models]]
name = "small"
provider = "ours"
upstream_model = "small-upstream"
context_length = 64

[[models]]
name = "medium"
provider = "ours"
upstream_model = "medium-upstream"
capabilities = ["chat", "streaming", "tools"]

[[models]]
name = "frontier"
provider = "cloud"
upstream_model = "frontier-upstream"
capabilities = ["chat", "streaming", "tools", "json_schema"]

[[models]]
name = "router"
provider = "ours"
upstream_model = "pick-route"
capabilities = ["chat", "json_schema"]

[[models]]
name = "slow-router"
provider = "ours"
upstream_model = "pick-route+delay-1000"
capabilities = ["chat", "json_schema"]

[[tiers]]
name = "local"
models = ["small", "medium"]

{}
)",
                                                              router_table, upstream_.base_url(),
                                                              upstream_.base_url(), routes));
  }

  TestResponse chat(const std::string& text, const std::string& model = "auto",
                    const std::string& extra = "") {
    json::object body{{"model", model},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}};
    std::string out = json::serialize(body);
    out.insert(out.size() - 1, extra);
    return post_json(gateway_->port(), "/v1/chat/completions", out);
  }

  // The upstream model name the last request reached.
  std::string last_upstream_model() {
    const auto requests = upstream_.requests();
    return requests.empty()
               ? ""
               : std::string(json::parse(requests.back().body).at("model").as_string());
  }

  FakeUpstream upstream_;
  std::filesystem::path dir_;
  std::unique_ptr<GatewayUnderTest> gateway_;
};

constexpr char kBasicRoutes[] = R"(
[[routes]]
name = "tools-to-medium"
features = ["tools"]
to = ["medium", "frontier"]

[[routes]]
name = "research"
metadata = { team = "research" }
to = ["frontier"]

[[routes]]
name = "long-prompts"
min_prompt_tokens = 40
to = ["frontier"]

[[routes]]
name = "default"
to = ["local", "frontier"]
)";

TEST_F(RoutingTest, RulesMatchAsWrittenAndHeadersSayWhereTheRequestWent) {
  start("", kBasicRoutes);
  const auto plain = chat("hello there");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.header("x-switchyard-route"), "default");
  EXPECT_EQ(plain.header("x-switchyard-model"), "small");
  EXPECT_EQ(json::parse(plain.body).at("model"), "small");
  EXPECT_EQ(last_upstream_model(), "small-upstream");
  EXPECT_NE(plain.header("x-switchyard-route-reason").find("data=none"), std::string::npos);

  const auto research = chat("hello there", "auto", R"(,"metadata":{"team":"research"})");
  EXPECT_EQ(research.header("x-switchyard-route"), "research");
  EXPECT_EQ(research.header("x-switchyard-model"), "frontier");
  EXPECT_EQ(last_upstream_model(), "frontier-upstream");

  const auto long_prompt = chat(std::string(200, 'x'));
  EXPECT_EQ(long_prompt.header("x-switchyard-route"), "long-prompts");
  EXPECT_EQ(last_upstream_model(), "frontier-upstream");
}

TEST_F(RoutingTest, TheFirstMatchingRouteWinsAndIncapableModelsAreSkipped) {
  start("", std::string(kBasicRoutes) + R"(
[[routes]]
name = "local-tier"
alias = "local"
to = ["local"]
)");
  // Both "tools-to-medium" and "research" match; the first one written wins.
  const auto response = chat(
      "hello", "auto",
      R"(,"metadata":{"team":"research"},"tools":[{"type":"function","function":{"name":"f"}}])");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("x-switchyard-route"), "tools-to-medium");
  EXPECT_EQ(response.header("x-switchyard-model"), "medium");
  // The tier's first model, "small", holds 64 tokens: a prompt of about 70 goes to "medium".
  const auto long_prompt = chat(std::string(200, 'y'), "local");
  ASSERT_EQ(long_prompt.status, 200) << long_prompt.body;
  EXPECT_EQ(long_prompt.header("x-switchyard-model"), "medium");
  EXPECT_EQ(chat("short", "local").header("x-switchyard-model"), "small");
}

TEST_F(RoutingTest, PhiNeverLeavesOurHardwareUnderAnyAlias) {
  start("", std::string(kBasicRoutes) + R"(
[[routes]]
name = "all-cloud"
alias = "cloud"
to = ["frontier"]
)");
  // "research" would send it to the frontier model; the privacy policy keeps it local, so no
  // target is left and the request is refused rather than sent out.
  const auto research = chat(kPhi, "auto", R"(,"metadata":{"team":"research"})");
  EXPECT_EQ(research.status, 400) << research.body;
  EXPECT_EQ(json::parse(research.body).at("error").at("code"), "no_route_target");
  const auto local = chat(kPhi);
  ASSERT_EQ(local.status, 200) << local.body;
  EXPECT_EQ(local.header("x-switchyard-model"), "small");
  EXPECT_NE(local.header("x-switchyard-route-reason").find("phi"), std::string::npos);
  const auto cloud = chat(kPhi, "cloud");
  EXPECT_EQ(cloud.status, 400);
  EXPECT_NE(cloud.body.find("privacy policy"), std::string::npos);
  for (const auto& request : upstream_.requests()) {
    EXPECT_NE(json::parse(request.body).at("model"), "frontier-upstream");
  }
}

TEST_F(RoutingTest, AnUnroutableRequestGetsA400NamingWhy) {
  start("", R"(
[[routes]]
name = "short-clean"
data_class = ["none"]
max_prompt_tokens = 20
to = ["small"]
)");
  const auto response = chat(
      "a question far longer than twenty tokens would be, for sure, since "
      "it goes on and on without end");
  EXPECT_EQ(response.status, 400) << response.body;
  const auto error = json::parse(response.body).at("error");
  EXPECT_EQ(error.at("code"), "no_route");
  EXPECT_EQ(error.at("param"), "model");
  const std::string message(error.at("message").as_string());
  EXPECT_NE(message.find("'auto'"), std::string::npos);
  EXPECT_NE(message.find("prompt_tokens="), std::string::npos);
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(RoutingTest, RoutesOnTheIntentTheClassifierNames) {
  const std::string model = (dir_ / "intent.bin").string();
  write_intent_model(model);
  start(fmt::format("[router]\nintent_model = \"{}\"", model), R"(
[[routes]]
name = "billing"
intent = ["billing"]
to = ["frontier"]

[[routes]]
name = "rest"
to = ["small"]
)");
  const auto billing = chat("why was my card charged twice on my bill");
  EXPECT_EQ(billing.header("x-switchyard-route"), "billing");
  EXPECT_NE(billing.header("x-switchyard-route-reason").find("intent=billing"), std::string::npos);
  const auto weather = chat("will it rain this weekend");
  EXPECT_EQ(weather.header("x-switchyard-route"), "rest");
}

TEST_F(RoutingTest, HardRequestsEscalateToTheFrontierTier) {
  const std::string model = (dir_ / "difficulty.bin").string();
  write_difficulty_model(model);
  start(fmt::format("[router]\ndifficulty_model = \"{}\"\nescalate_share = 0.5", model), R"(
[[routes]]
name = "hard"
difficulty = "hard"
to = ["frontier"]

[[routes]]
name = "easy"
to = ["small"]
)");
  const auto hard = chat("compute 12 times 19 plus 36 divided by 14 minus 23 squared");
  EXPECT_EQ(hard.header("x-switchyard-route"), "hard");
  EXPECT_NE(hard.header("x-switchyard-route-reason").find("hard ("), std::string::npos);
  const auto easy = chat("what colour is the sky on day 3");
  EXPECT_EQ(easy.header("x-switchyard-route"), "easy");
}

constexpr char kDescribedRoutes[] = R"(
[[routes]]
name = "billing"
description = "charges, invoices, refunds and payment methods"
to = ["frontier"]

[[routes]]
name = "weather"
description = "forecasts and the weather outside"
to = ["medium"]

[[routes]]
name = "rest"
to = ["small"]
)";

TEST_F(RoutingTest, RoutesWhereTheRouteModelSaysAndAsksItOnce) {
  start("[router]\nroute_model = \"router\"", kDescribedRoutes);
  const auto billing = chat("please refund the billing error");
  ASSERT_EQ(billing.status, 200) << billing.body;
  EXPECT_EQ(billing.header("x-switchyard-route"), "billing");
  EXPECT_EQ(billing.header("x-switchyard-model"), "frontier");
  EXPECT_NE(billing.header("x-switchyard-route-reason").find("chosen=billing ("), std::string::npos)
      << billing.header("x-switchyard-route-reason");
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 2U);  // the route model, then the route's model
  const json::value question = json::parse(requests[0].body);
  EXPECT_EQ(question.at("model"), "pick-route");
  const std::string instructions(question.at("messages").at(0).at("content").as_string());
  EXPECT_NE(instructions.find("- billing: charges, invoices, refunds"), std::string::npos);
  EXPECT_NE(instructions.find("- weather: forecasts"), std::string::npos);
  EXPECT_EQ(instructions.find("rest"), std::string::npos);  // no description, not a choice
  EXPECT_EQ(question.at("messages").at(1).at("content"), "please refund the billing error");
  const json::value names =
      question.at("response_format").at_pointer("/json_schema/schema/properties/route/enum");
  EXPECT_EQ(names, json::parse(R"(["billing", "weather", "none"])"));
  EXPECT_EQ(json::parse(requests[1].body).at("model"), "frontier-upstream");

  const auto weather = chat("how is the weather today");
  EXPECT_EQ(weather.header("x-switchyard-route"), "weather");
  EXPECT_EQ(last_upstream_model(), "medium-upstream");
  const auto other = chat("tell me a joke");
  EXPECT_EQ(other.header("x-switchyard-route"), "rest");
  EXPECT_NE(other.header("x-switchyard-route-reason").find("chosen=none"), std::string::npos);
  // A named model is not routed, so the route model is not asked.
  const std::size_t before = upstream_.requests().size();
  EXPECT_EQ(chat("billing", "small").status, 200);
  EXPECT_EQ(upstream_.requests().size(), before + 1);
}

TEST_F(RoutingTest, ASlowRouteModelIsPassedOverAtItsTimeout) {
  start("[router]\nroute_model = \"slow-router\"\nroute_model_timeout_ms = 150", kDescribedRoutes);
  const auto started = std::chrono::steady_clock::now();
  const auto response = chat("please refund the billing error");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("x-switchyard-route"), "rest");
  EXPECT_NE(response.header("x-switchyard-route-reason").find("chosen=timeout"), std::string::npos)
      << response.header("x-switchyard-route-reason");
  EXPECT_LT(elapsed, std::chrono::milliseconds(900));
}

// A configuration that must not start, and the words its error must contain.
void expect_refused(const std::string& tables, std::string_view words) {
  const std::string text = fmt::format(R"(
[server]
listen = "127.0.0.1:0"
[[providers]]
name = "cloud"
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
[[providers]]
name = "ours"
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
self_hosted = true
[[models]]
name = "external"
provider = "cloud"
capabilities = ["chat", "json_schema"]
[[models]]
name = "plain"
provider = "ours"
{}
)",
                                       tables);
  try {
    GatewayUnderTest gateway(text);
    ADD_FAILURE() << "started with: " << tables;
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
  }
}

TEST(RoutingConfigTest, TheRouteModelMustBeLocalAbleAndPresent) {
  constexpr char kRoute[] = "[[routes]]\nname = \"r\"\ndescription = \"d\"\nto = [\"plain\"]\n";
  expect_refused(kRoute, "'routes[0].description': needs [router].route_model");
  expect_refused(std::string("[router]\nroute_model = \"external\"\n") + kRoute,
                 "'external' runs outside our hardware");
  expect_refused(std::string("[router]\nroute_model = \"plain\"\n") + kRoute,
                 "needs the chat and json_schema capabilities");
  expect_refused(std::string("[router]\nroute_model = \"nobody\"\n") + kRoute,
                 "no model named 'nobody'");
  expect_refused(
      "[router]\nroute_model = \"plain\"\n"
      "[[routes]]\nname = \"none\"\ndescription = \"d\"\nto = [\"plain\"]\n",
      "may not be named 'none'");
}

TEST(RoutingConfigTest, AnIntentTheClassifierDoesNotKnowFailsAtStart) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("routing-cfg-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string model = (dir / "intent.bin").string();
  write_intent_model(model);
  const std::string text = fmt::format(R"(
[server]
listen = "127.0.0.1:0"
[router]
intent_model = "{}"
[[providers]]
name = "p"
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
[[models]]
name = "m"
provider = "p"
[[routes]]
name = "r"
intent = ["weathr"]
to = ["m"]
)",
                                       model);
  try {
    GatewayUnderTest gateway(text);
    ADD_FAILURE() << "started with an unknown intent";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("'weathr'"), std::string::npos) << error.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace switchyard::testing
