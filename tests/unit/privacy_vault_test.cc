// Pseudonymization: typed placeholders numbered per type, one placeholder per value across the
// whole request, rewriting in place back to front, and classes the policy allows left alone;
// and the conversation store, which keeps vaults across turns within its bounds.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "privacy/vault.h"
#include "privacy/vault_store.h"

namespace switchyard::privacy {
namespace {

namespace json = boost::json;

// A finding of `value` at its first occurrence in the string at `location`.
Finding at(const json::object& request, TextLocation location, std::string_view value,
           EntityType type, DataClass data_class = DataClass::kPii) {
  const std::string_view text = *text_at(request, location);
  const auto begin = static_cast<std::uint32_t>(text.find(value));
  EXPECT_NE(begin, std::string_view::npos) << value;
  Finding out;
  out.location = location;
  out.entity = {.type = type,
                .data_class = data_class,
                .begin = begin,
                .end = begin + static_cast<std::uint32_t>(value.size()),
                .confidence = 1};
  return out;
}

json::object request_of(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(PrivacyVaultTest, NumbersPlaceholdersPerTypeAndReusesThemPerValue) {
  Vault vault;
  EXPECT_EQ(vault.placeholder_for(EntityType::kPerson, "Ada Lovelace"), "<PERSON_1>");
  EXPECT_EQ(vault.placeholder_for(EntityType::kEmail, "ada@example.com"), "<EMAIL_1>");
  EXPECT_EQ(vault.placeholder_for(EntityType::kPerson, "Alan Turing"), "<PERSON_2>");
  EXPECT_EQ(vault.placeholder_for(EntityType::kPerson, "Ada Lovelace"), "<PERSON_1>");
  ASSERT_NE(vault.value_of("PERSON_2"), nullptr);
  EXPECT_EQ(*vault.value_of("PERSON_2"), "Alan Turing");
  EXPECT_EQ(vault.value_of("PERSON_3"), nullptr);
  EXPECT_TRUE(vault.has_key_prefix("EMAIL_"));
  EXPECT_FALSE(vault.has_key_prefix("PHONE"));
}

TEST(PrivacyVaultTest, RewritesEverySpanAndKeepsOneValueOnePlaceholderAcrossMessages) {
  json::object request = request_of(R"({"messages":[
    {"role":"user","content":"Ada Lovelace (ada@example.com) wrote to Alan Turing."},
    {"role":"assistant","content":"Noted."},
    {"role":"user","content":[{"type":"text","text":"Ask Ada Lovelace again."}]}]})");
  const TextLocation first{.message = 0};
  const TextLocation third{.message = 2, .field = TextField::kContentPart, .part = 0};
  Findings findings;
  findings.findings = {at(request, first, "Ada Lovelace", EntityType::kPerson),
                       at(request, first, "ada@example.com", EntityType::kEmail),
                       at(request, first, "Alan Turing", EntityType::kPerson),
                       at(request, third, "Ada Lovelace", EntityType::kPerson)};

  Vault vault;
  EXPECT_EQ(pseudonymize(request, findings, ClassActions{}, vault), 4U);
  EXPECT_EQ(*text_at(request, first), "<PERSON_1> (<EMAIL_1>) wrote to <PERSON_2>.");
  EXPECT_EQ(*text_at(request, third), "Ask <PERSON_1> again.");
  EXPECT_EQ(vault.size(), 3U);
}

TEST(PrivacyVaultTest, LeavesClassesThePolicyDoesNotPseudonymize) {
  json::object request =
      request_of(R"({"messages":[{"role":"user","content":"Mail ada@example.com, card 4111"}]})");
  const TextLocation first{.message = 0};
  Findings findings;
  findings.findings = {at(request, first, "ada@example.com", EntityType::kEmail),
                       at(request, first, "4111", EntityType::kPaymentCard, DataClass::kPci)};
  ClassActions actions;
  actions[DataClass::kPci] = Action::kAllow;

  Vault vault;
  EXPECT_EQ(pseudonymize(request, findings, actions, vault), 1U);
  EXPECT_EQ(*text_at(request, first), "Mail <EMAIL_1>, card 4111");
}

TEST(PrivacyVaultTest, KeepsValuesFoundInsideJsonTextUnescaped) {
  json::object request = request_of(R"({"messages":[{"role":"assistant","content":null,
    "tool_calls":[{"id":"c","type":"function",
      "function":{"name":"mail","arguments":"{\"to\":\"Dan \\\"the Man\\\" Lee\"}"}}]}]})");
  const TextLocation arguments{.field = TextField::kToolCallArguments};
  Findings findings;
  findings.findings = {at(request, arguments, R"(Dan \"the Man\" Lee)", EntityType::kPerson)};
  Vault vault;
  pseudonymize(request, findings, ClassActions{}, vault);
  EXPECT_EQ(*text_at(request, arguments), R"({"to":"<PERSON_1>"})");
  ASSERT_NE(vault.value_of("PERSON_1"), nullptr);
  EXPECT_EQ(*vault.value_of("PERSON_1"), R"(Dan "the Man" Lee)");
}

TEST(PrivacyVaultTest, RewritesToolCallArguments) {
  json::object request = request_of(R"({"messages":[{"role":"assistant","content":null,
    "tool_calls":[{"id":"c","type":"function",
      "function":{"name":"mail","arguments":"{\"to\":\"ada@example.com\"}"}}]}]})");
  const TextLocation arguments{.field = TextField::kToolCallArguments};
  Findings findings;
  findings.findings = {at(request, arguments, "ada@example.com", EntityType::kEmail)};
  Vault vault;
  pseudonymize(request, findings, ClassActions{}, vault);
  EXPECT_EQ(*text_at(request, arguments), R"({"to":"<EMAIL_1>"})");
}

}  // namespace
}  // namespace switchyard::privacy

namespace switchyard::privacy {
namespace {

using Clock = VaultStore::Clock;

class VaultStoreTest : public ::testing::Test {
 protected:
  VaultStore make_store(VaultStore::Limits limits) {
    return VaultStore(limits, [this] { return now_; });
  }

  // Pseudonymizes "Ask <name>." in `conversation` and returns the rewritten text.
  std::string ask(VaultStore& store, const std::string& conversation, std::string_view name) {
    json::object request = request_of(json::serialize(json::object{
        {"messages",
         json::array{json::object{{"role", "user"}, {"content", fmt::format("Ask {}.", name)}}}}}));
    const TextLocation first{.message = 0};
    Findings findings;
    findings.findings = {at(request, first, name, EntityType::kPerson)};
    store.pseudonymize(conversation, request, findings, ClassActions{});
    return std::string(*text_at(request, first));
  }

  Clock::time_point now_ = Clock::time_point{} + std::chrono::hours(1);
};

TEST_F(VaultStoreTest, KeepsPlaceholdersAcrossTurnsOfOneConversation) {
  VaultStore store = make_store({});
  EXPECT_EQ(ask(store, "a", "Ada Lovelace"), "Ask <PERSON_1>.");
  EXPECT_EQ(ask(store, "a", "Alan Turing"), "Ask <PERSON_2>.");
  EXPECT_EQ(ask(store, "a", "Ada Lovelace"), "Ask <PERSON_1>.");
  EXPECT_EQ(ask(store, "b", "Alan Turing"), "Ask <PERSON_1>.");
  EXPECT_EQ(store.size(), 2U);
}

TEST_F(VaultStoreTest, ForgetsIdleConversations) {
  VaultStore store = make_store({.idle_timeout = std::chrono::minutes(10)});
  ask(store, "a", "Ada Lovelace");
  now_ += std::chrono::minutes(11);
  EXPECT_EQ(ask(store, "a", "Alan Turing"), "Ask <PERSON_1>.");
}

TEST_F(VaultStoreTest, DropsTheLeastRecentlyUsedPastTheBound) {
  VaultStore store = make_store({.max_conversations = 2});
  ask(store, "a", "Ada Lovelace");
  ask(store, "b", "Ada Lovelace");
  ask(store, "a", "Ada Lovelace");  // "b" is now the least recently used
  ask(store, "c", "Ada Lovelace");
  EXPECT_EQ(store.size(), 2U);
  EXPECT_EQ(ask(store, "a", "Alan Turing"), "Ask <PERSON_2>.");
  EXPECT_EQ(ask(store, "b", "Alan Turing"), "Ask <PERSON_1>.");
}

TEST_F(VaultStoreTest, StartsAVaultOverPastItsSizeBound) {
  VaultStore store = make_store({.max_values = 2});
  ask(store, "a", "Ada Lovelace");
  ask(store, "a", "Alan Turing");
  EXPECT_EQ(ask(store, "a", "Grace Hopper"), "Ask <PERSON_1>.");
}

TEST(PrivacyVaultTest, ANameTakesThePlaceholderKeyWithoutBrackets) {
  json::object request = request_of(R"({"messages":[
    {"role":"user","name":"ada_lovelace","content":"I am ada_lovelace."}]})");
  const TextLocation name{.message = 0, .field = TextField::kName};
  Findings findings;
  findings.findings = {at(request, name, "ada_lovelace", EntityType::kPerson),
                       at(request, {.message = 0}, "ada_lovelace", EntityType::kPerson)};
  Vault vault;
  EXPECT_EQ(pseudonymize(request, findings, ClassActions{}, vault), 2U);
  EXPECT_EQ(*text_at(request, name), "PERSON_1");
  EXPECT_EQ(*text_at(request, {.message = 0}), "I am <PERSON_1>.");
}

}  // namespace
}  // namespace switchyard::privacy
