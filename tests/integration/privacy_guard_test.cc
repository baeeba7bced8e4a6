// The privacy policy in front of a fake upstream that records every byte it receives and
// echoes the last user message back: detected values never reach an external model, the
// client gets them back in the answer, and what may not leave is refused before any attempt.
#include <chrono>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include "common/log.h"
#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;

constexpr char kPerson[] = "Ada Lovelace";
constexpr char kEmail[] = "ada.lovelace@example.com";
constexpr char kCard[] = "4111 1111 1111 1111";
constexpr char kSsn[] = "536-90-4399";

// A provider on our own machines (self_hosted) with the same fake behind it, and models that
// echo in three-byte pieces so that placeholders come back split across chunks.
std::string privacy_config(const std::string& base_url, const std::string& privacy = "") {
  return standard_config(base_url, fmt::format(R"(
[[providers]]
name = "ours"
kind = "openai_compatible"
base_url = "{}"
api_key_env = "UPSTREAM_KEY"
self_hosted = true

[[models]]
name = "echo"
provider = "fake"
upstream_model = "echo-3"
capabilities = ["chat", "streaming", "tools", "json_schema"]

[[models]]
name = "echo-flaky"
provider = "fake"
upstream_model = "echo-3+error-500+fail-first-1"

[[models]]
name = "local-echo"
provider = "ours"
upstream_model = "echo-3"

[[models]]
name = "local-broken"
provider = "ours"
upstream_model = "error-500"

[[models]]
name = "local-embed"
provider = "ours"
upstream_model = "fake-embed"
capabilities = ["embeddings"]
{}
)",
                                               base_url, privacy));
}

std::string user_text() {
  return fmt::format("Write to {} at {} today. {}, your SSN {} is on file.", kPerson, kEmail,
                     kPerson, kSsn);
}

std::string chat_body(std::string_view model, const std::string& text,
                      std::string_view extra = "") {
  json::object message{{"role", "user"}, {"content", text}};
  json::object body{{"model", model}, {"messages", json::array{std::move(message)}}};
  std::string out = json::serialize(body);
  out.insert(out.size() - 1, extra);
  return out;
}

class PrivacyGuardTest : public ::testing::Test {
 protected:
  PrivacyGuardTest()
      : upstream_(start_upstream()), gateway_(privacy_config(upstream_.base_url())) {}

  FakeUpstream& start_upstream() {
    FakeUpstreamOptions options;
    options.api_key = "upstream-key";
    storage_ = std::make_unique<FakeUpstream>(options);
    storage_->start();
    return *storage_;
  }

  TestResponse chat(const std::string& body) {
    return post_json(gateway_.port(), "/v1/chat/completions", body);
  }

  // Every byte the upstream received, target, headers and body of every request.
  std::string everything_received() const {
    std::string all;
    for (const auto& request : upstream_.requests()) {
      all += request.target;
      for (const auto& [name, value] : request.headers) {
        all += name + ": " + value + "\n";
      }
      all += request.body;
    }
    return all;
  }

  void expect_no_value_left() const {
    const std::string received = everything_received();
    for (const char* value : {kPerson, "Lovelace", kEmail, kSsn, kCard}) {
      EXPECT_EQ(received.find(value), std::string::npos) << value << " reached the upstream";
    }
  }

  std::unique_ptr<FakeUpstream> storage_;
  FakeUpstream& upstream_;
  GatewayUnderTest gateway_;
};

// A JSON string's text, for comparing with std::string.
std::string text_of(const json::value& value) {
  return std::string(value.as_string());
}

std::string streamed_content(const std::string& body) {
  std::string text;
  for (const auto& event : sse_data(body)) {
    if (event == "[DONE]") {
      break;
    }
    const auto chunk = json::parse(event).as_object();
    for (const auto& choice : chunk.at("choices").as_array()) {
      const auto* content = choice.at("delta").as_object().if_contains("content");
      if (content != nullptr && content->is_string()) {
        text += content->as_string();
      }
    }
  }
  return text;
}

TEST_F(PrivacyGuardTest, PseudonymizesForExternalModelsAndRestoresTheAnswer) {
  const auto response = chat(chat_body("echo", user_text()));
  ASSERT_EQ(response.status, 200) << response.body;
  expect_no_value_left();
  const auto sent = json::parse(upstream_.requests().at(0).body);
  EXPECT_EQ(sent.at("messages").at(0).at("content"),
            "Write to <PERSON_1> at <EMAIL_1> today. <PERSON_1>, your SSN <US_SSN_1> is "
            "on file.");
  const auto answer = json::parse(response.body);
  EXPECT_EQ(text_of(answer.at("choices").at(0).at("message").at("content")), user_text());
  EXPECT_EQ(response.header("x-switchyard-privacy"), "pseudonymize; PERSON=2, EMAIL=1, US_SSN=1");
}

TEST_F(PrivacyGuardTest, ARetrySendsTheSamePlaceholdersAndTheAnswerIsRestored) {
  const auto response = chat(chat_body("echo-flaky", user_text()));
  ASSERT_EQ(response.status, 200) << response.body;
  expect_no_value_left();
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 2U);  // the first try failed with a 500
  EXPECT_EQ(json::parse(requests[0].body), json::parse(requests[1].body));
  const auto answer = json::parse(response.body);
  EXPECT_EQ(text_of(answer.at("choices").at(0).at("message").at("content")), user_text());
}

TEST_F(PrivacyGuardTest, RestoresPlaceholdersSplitAcrossStreamedChunks) {
  const auto response = chat(chat_body("echo", user_text(), R"(,"stream":true)"));
  ASSERT_EQ(response.status, 200) << response.body;
  expect_no_value_left();
  EXPECT_EQ(streamed_content(response.body), user_text());
  EXPECT_EQ(response.header("x-switchyard-privacy"), "pseudonymize; PERSON=2, EMAIL=1, US_SSN=1");
}

TEST_F(PrivacyGuardTest, RestoresToolCallArgumentsWholeAndStreamed) {
  constexpr std::string_view kTools =
      R"(,"tools":[{"type":"function","function":{"name":"send","parameters":{}}}])";
  const auto whole = chat(chat_body("echo", user_text(), kTools));
  ASSERT_EQ(whole.status, 200) << whole.body;
  const json::value parsed = json::parse(whole.body);
  const auto& call = parsed.at("choices").at(0).at("message").at("tool_calls");
  const auto arguments = json::parse(call.at(0).at("function").at("arguments").as_string());
  EXPECT_EQ(text_of(arguments.at("echo")), user_text());

  const auto streamed =
      chat(chat_body("echo", user_text(), std::string(kTools) + R"(,"stream":true)"));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  std::string fragments;
  for (const auto& event : sse_data(streamed.body)) {
    if (event == "[DONE]") {
      break;
    }
    const json::value chunk = json::parse(event);
    const auto& delta = chunk.at("choices").at(0).at("delta").as_object();
    if (const auto* calls = delta.if_contains("tool_calls")) {
      for (const auto& item : calls->as_array()) {
        fragments += item.at("function").at("arguments").as_string();
      }
    }
  }
  EXPECT_EQ(text_of(json::parse(fragments).at("echo")), user_text());
  expect_no_value_left();
}

TEST_F(PrivacyGuardTest, PseudonymizesToolDefinitionsSchemasNamesAndUser) {
  const std::string extra =
      fmt::format(R"(,"user":"{0}","tools":[{{"type":"function","function":{{"name":"send",)"
                  R"("description":"Mail {0} about {1}","parameters":{{"type":"object"}}}}}}],)"
                  R"("response_format":{{"type":"json_schema","json_schema":{{"name":"r","schema":)"
                  R"({{"type":"object","description":"for {0}"}}}}}})",
                  kEmail, kPerson);
  json::value body = json::parse(chat_body("echo", "hello", extra));
  body.at("messages").at(0).as_object()["name"] = "ada";
  body.at("messages")
      .as_array()
      .push_back(json::object{{"role", "user"}, {"name", kEmail}, {"content", "hi"}});
  const auto response = chat(json::serialize(body));
  ASSERT_EQ(response.status, 200) << response.body;
  expect_no_value_left();
  const auto sent = json::parse(upstream_.requests().at(0).body);
  EXPECT_EQ(sent.at("user"), "<EMAIL_1>");
  EXPECT_EQ(sent.at("tools").at(0).at("function").at("description"),
            "Mail <EMAIL_1> about <PERSON_1>");
  EXPECT_EQ(sent.at("tools").at(0).at("function").at("name"), "send");
  EXPECT_EQ(sent.at("response_format").at("json_schema").at("schema").at("description"),
            "for <EMAIL_1>");
  EXPECT_EQ(sent.at("messages").at(1).at("name"), "EMAIL_1");  // names take no brackets
  EXPECT_EQ(sent.at("messages").at(0).at("name"), "ada");
}

// The second request's system prompt and tool definition come from the scan cache; what
// reaches the upstream must not change.
TEST_F(PrivacyGuardTest, InstructionsSentAgainArePseudonymizedAgain) {
  const std::string system = fmt::format("Forward complaints to {} ({}).", kEmail, kPerson);
  const std::string tools = fmt::format(
      R"(,"tools":[{{"type":"function","function":{{"name":"send","description":"Mail {}"}}}}])",
      kEmail);
  for (const char* question : {"first question", "second question"}) {
    json::value body = json::parse(chat_body("echo", question, tools));
    body.at("messages")
        .as_array()
        .insert(body.at("messages").as_array().begin(),
                json::object{{"role", "system"}, {"content", system}});
    const auto response = chat(json::serialize(body));
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.header("x-switchyard-privacy"), "pseudonymize; EMAIL=2, PERSON=1");
  }
  expect_no_value_left();
  ASSERT_EQ(upstream_.requests().size(), 2U);
  for (const auto& request : upstream_.requests()) {
    const auto sent = json::parse(request.body);
    EXPECT_EQ(sent.at("messages").at(0).at("content"),
              "Forward complaints to <EMAIL_1> (<PERSON_1>).");
    EXPECT_EQ(sent.at("tools").at(0).at("function").at("description"), "Mail <EMAIL_1>");
  }
}

TEST_F(PrivacyGuardTest, PseudonymizesEmbeddingsInputForAnExternalModel) {
  const std::string body = json::serialize(
      json::object{{"model", "embed"}, {"input", json::array{user_text(), "nothing to see"}}});
  const auto response = post_json(gateway_.port(), "/v1/embeddings", body);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body).at("data").as_array().size(), 2U);
  expect_no_value_left();
  const auto sent = json::parse(upstream_.requests().at(0).body);
  EXPECT_EQ(sent.at("input").at(0),
            "Write to <PERSON_1> at <EMAIL_1> today. <PERSON_1>, your SSN <US_SSN_1> is "
            "on file.");
  EXPECT_EQ(sent.at("input").at(1), "nothing to see");
  EXPECT_EQ(response.header("x-switchyard-privacy"), "pseudonymize; PERSON=2, EMAIL=1, US_SSN=1");
}

TEST_F(PrivacyGuardTest, EmbeddingsOfCardDataOrTokenIdsStayOnOurHardware) {
  const std::string card = fmt::format("card {}", kCard);
  for (const std::string& input : {json::serialize(json::value(card)), std::string("[[17, 42]]")}) {
    const auto refused = post_json(gateway_.port(), "/v1/embeddings",
                                   fmt::format(R"({{"model":"embed","input":{}}})", input));
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(json::parse(refused.body).at("error").at("code"), "privacy_local_only");
    EXPECT_EQ(refused.body.find(kCard), std::string::npos);
  }
  EXPECT_TRUE(upstream_.requests().empty());

  const auto local =
      post_json(gateway_.port(), "/v1/embeddings",
                json::serialize(json::object{{"model", "local-embed"}, {"input", card}}));
  ASSERT_EQ(local.status, 200) << local.body;
  EXPECT_EQ(text_of(json::parse(upstream_.requests().at(0).body).at("input")), card);
  EXPECT_EQ(local.header("x-switchyard-privacy"), "local_only; PAYMENT_CARD=1");
}

TEST_F(PrivacyGuardTest, RefusesCardDataForAnExternalModelAndSendsNothing) {
  const auto response = chat(chat_body("echo", fmt::format("charge card {} please", kCard)));
  EXPECT_EQ(response.status, 403) << response.body;
  const auto error = json::parse(response.body).at("error");
  EXPECT_EQ(error.at("code"), "privacy_local_only");
  EXPECT_NE(std::string(error.at("message").as_string()).find("PCI"), std::string::npos);
  EXPECT_EQ(std::string(error.at("message").as_string()).find(kCard), std::string::npos);
  EXPECT_EQ(response.header("x-switchyard-privacy"), "local_only; PAYMENT_CARD=1");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(PrivacyGuardTest, RefusesHealthDataForAnExternalModelWholeOrStreamed) {
  const std::string text = "Patient MRN: 00482913, diagnosis: E11.9 type 2 diabetes";
  for (const char* extra : {"", R"(,"stream":true)"}) {
    const auto response = chat(chat_body("echo", text, extra));
    EXPECT_EQ(response.status, 403) << response.body;
    const auto error = json::parse(response.body).at("error");
    EXPECT_EQ(error.at("code"), "privacy_local_only");
    EXPECT_NE(text_of(error.at("message")).find("PHI"), std::string::npos);
    EXPECT_EQ(text_of(error.at("message")).find("00482913"), std::string::npos);
  }
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(PrivacyGuardTest, SendsTheOriginalTextToASelfHostedModel) {
  const std::string text = fmt::format("{} pays with {}", kPerson, kCard);
  const auto response = chat(chat_body("local-echo", text));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(
      text_of(json::parse(upstream_.requests().at(0).body).at("messages").at(0).at("content")),
      text);
  EXPECT_EQ(text_of(json::parse(response.body).at("choices").at(0).at("message").at("content")),
            text);
}

TEST_F(PrivacyGuardTest, ALocalOnlyRequestThatFailsLocallyGetsAnErrorNotAnotherModel) {
  const auto response = chat(chat_body("local-broken", fmt::format("card {}", kCard)));
  EXPECT_EQ(response.status, 502) << response.body;
  EXPECT_EQ(response.header("x-switchyard-privacy"), "local_only; PAYMENT_CARD=1");
  // Retried on the same self-hosted model (twice by default), never sent anywhere else.
  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 2U);
  for (const auto& request : requests) {
    EXPECT_EQ(json::parse(request.body).at("model"), "error-500");
  }
}

TEST_F(PrivacyGuardTest, BlocksSecretsNamingTypesNeverValues) {
  std::string token = "ghp_";
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t i = 0; i < 36; ++i) {
    token.push_back(kAlphabet[(i * 37 + 11) % kAlphabet.size()]);
  }
  const auto response = chat(chat_body("local-echo", "deploy with token " + token));
  EXPECT_EQ(response.status, 400) << response.body;
  const auto error = json::parse(response.body).at("error");
  EXPECT_EQ(error.at("code"), "privacy_blocked");
  EXPECT_NE(std::string(error.at("message").as_string()).find("ACCESS_TOKEN=1"), std::string::npos);
  EXPECT_EQ(response.body.find(token), std::string::npos);
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(PrivacyGuardTest, AnswersWithoutFindingsSayAllow) {
  const auto response = chat(chat_body("chat", "what is the capital of the moon"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("x-switchyard-privacy"), "allow");
}

TEST_F(PrivacyGuardTest, AConversationKeepsItsPlaceholdersAcrossTurnsPerCredential) {
  auto turn = [&](const std::string& text, const std::string& credential) {
    return post_json(gateway_.port(), "/v1/chat/completions", chat_body("echo", text),
                     {{"x-switchyard-conversation-id", "conversation-1"},
                      {"authorization", "Bearer " + credential}});
  };
  auto sent = [&](std::size_t index) {
    return text_of(
        json::parse(upstream_.requests().at(index).body).at("messages").at(0).at("content"));
  };
  ASSERT_EQ(turn(fmt::format("Please write to {} today.", kPerson), "a").status, 200);
  const std::string both = fmt::format("Please write to Grace Hopper and {} today.", kPerson);
  const auto second = turn(both, "a");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(sent(1), "Please write to <PERSON_2> and <PERSON_1> today.");
  EXPECT_EQ(text_of(json::parse(second.body).at("choices").at(0).at("message").at("content")),
            both);

  // Another credential with the same id gets a conversation of its own.
  ASSERT_EQ(turn(both, "b").status, 200);
  EXPECT_EQ(sent(2), "Please write to <PERSON_1> and <PERSON_2> today.");
  expect_no_value_left();
}

TEST_F(PrivacyGuardTest, RefusesAnOverlongConversationId) {
  const auto response =
      post_json(gateway_.port(), "/v1/chat/completions", chat_body("echo", "hello"),
                {{"x-switchyard-conversation-id", std::string(129, 'x')}});
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_TRUE(upstream_.requests().empty());
}

// Keeps every line a logger writes, for tests to read while the I/O threads log.
class CapturingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    lines_.emplace_back(message.payload.data(), message.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;  // guarded by the base class's mutex_
};

TEST_F(PrivacyGuardTest, LogLinesCarryTheActionAndCountsButNeverTheValues) {
  const auto logger = log::get("api");
  const auto sink = std::make_shared<CapturingSink>();
  const auto level = logger->level();
  logger->sinks().push_back(sink);
  logger->set_level(spdlog::level::debug);

  chat(chat_body("echo", user_text()));
  chat(chat_body("echo", user_text(), R"(,"stream":true)"));
  chat(chat_body("echo", fmt::format("{} pays with {}", kPerson, kCard)));
  // The request line is written after the answer, so wait for the last one.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sink->lines().size() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  logger->set_level(level);
  logger->sinks().pop_back();

  std::string all;
  for (const auto& line : sink->lines()) {
    all += line + "\n";
  }
  EXPECT_NE(all.find(R"(privacy="pseudonymize; PERSON=2, EMAIL=1, US_SSN=1")"), std::string::npos)
      << all;
  EXPECT_NE(all.find(R"(privacy="local_only; PERSON=1, PAYMENT_CARD=1")"), std::string::npos)
      << all;
  for (const char* value : {kPerson, "Lovelace", kEmail, kSsn, kCard}) {
    EXPECT_EQ(all.find(value), std::string::npos) << value << " was logged";
  }
}

TEST(PrivacyGuardConfigTest, AllowPassesValuesThroughAndDisabledSendsNoHeader) {
  FakeUpstreamOptions options;
  options.api_key = "upstream-key";
  FakeUpstream upstream(options);
  upstream.start();
  {
    GatewayUnderTest gateway(privacy_config(upstream.base_url(), "[privacy]\npii = \"allow\"\n"));
    const auto response = post_json(gateway.port(), "/v1/chat/completions",
                                    chat_body("echo", fmt::format("mail {}", kEmail)));
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.header("x-switchyard-privacy"), "allow; EMAIL=1");
    EXPECT_NE(upstream.requests().at(0).body.find(kEmail), std::string::npos);
  }
  GatewayUnderTest gateway(privacy_config(upstream.base_url(), "[privacy]\nenabled = false\n"));
  const auto response = post_json(gateway.port(), "/v1/chat/completions",
                                  chat_body("echo", fmt::format("card {}", kCard)));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.header("x-switchyard-privacy").empty());
}

TEST(PrivacyGuardConfigTest, RefusesToStartWithAPatternThatDoesNotCompile) {
  EXPECT_THROW(GatewayUnderTest("[[privacy.patterns]]\nname = \"bad\"\nregex = \"(\"\nclass = "
                                "\"pii\"\n[server]\nlisten = \"127.0.0.1:0\"\n"),
               std::runtime_error);
}

}  // namespace
}  // namespace switchyard::testing
