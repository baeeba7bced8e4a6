#include <algorithm>
#include <thread>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "scanner_fixture.h"

namespace switchyard::privacy {
namespace {

namespace json = boost::json;
using testing::found;
using testing::one;

constexpr std::string_view kRequest = R"({
  "model": "fast",
  "messages": [
    {"role": "system", "content": "You are helpful. Escalate to ops@example.com."},
    {"role": "user", "content": [
      {"type": "text", "text": "My card is 4111 1111 1111 1111."},
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
      {"type": "text", "text": "SSN 536-90-4399"}
    ]},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "a", "type": "function", "function": {"name": "lookup", "arguments": "{}"}},
      {"id": "b", "type": "function",
       "function": {"name": "lookup", "arguments": "{\"ip\": \"10.1.2.3\"}"}}
    ]},
    {"role": "tool", "tool_call_id": "b", "content": "owner: jane@example.org"},
    {"role": "assistant", "content": "", "function_call":
      {"name": "legacy", "arguments": "{\"iban\": \"GB82WEST12345698765432\"}"}}
  ]
})";

TEST(ScanRequestTest, WalksEveryTextAndReportsWhereEachFindingIs) {
  const json::object request = json::parse(kRequest).as_object();
  const Findings findings = testing::patterns_only().scan_request(request);

  struct Expected {
    std::string pointer;
    std::string type;
    std::string value;
  };
  const std::vector<Expected> expected = {
      {"/messages/0/content", "EMAIL", "ops@example.com"},
      {"/messages/1/content/0/text", "PAYMENT_CARD", "4111 1111 1111 1111"},
      {"/messages/1/content/2/text", "US_SSN", "536-90-4399"},
      {"/messages/2/tool_calls/1/function/arguments", "IP_ADDRESS", "10.1.2.3"},
      {"/messages/3/content", "EMAIL", "jane@example.org"},
      {"/messages/4/function_call/arguments", "IBAN", "GB82WEST12345698765432"},
  };
  ASSERT_EQ(findings.findings.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Finding& finding = findings.findings[i];
    EXPECT_EQ(finding.location.json_pointer(), expected[i].pointer);
    EXPECT_EQ(name_of(finding.entity.type), expected[i].type);
    const json::string* text = text_at(request, finding.location);
    ASSERT_NE(text, nullptr) << expected[i].pointer;
    EXPECT_EQ(std::string_view(*text).substr(finding.entity.begin, finding.entity.size()),
              expected[i].value);
  }
  EXPECT_EQ(findings.count(DataClass::kPci), 2u);
  EXPECT_EQ(findings.count(DataClass::kPii), 4u);
  EXPECT_TRUE(findings.complete);
}

TEST(ScanRequestTest, TextAtGivesAStringThatCanBeRewrittenInPlace) {
  json::object request = json::parse(kRequest).as_object();
  const TextLocation where{1, TextField::kContentPart, 2};
  json::string* text = text_at(request, where);
  ASSERT_NE(text, nullptr);
  *text = "SSN <US_SSN_1>";
  EXPECT_EQ(request["messages"]
                .as_array()[1]
                .as_object()["content"]
                .as_array()[2]
                .as_object()["text"]
                .as_string(),
            "SSN <US_SSN_1>");
  EXPECT_EQ(text_at(request, {9, TextField::kContent, 0}), nullptr);
  EXPECT_EQ(text_at(request, {1, TextField::kContentPart, 1}), nullptr);  // an image part
}

TEST(ScanRequestTest, RequestsWithoutMessagesOrWithOddShapesYieldNothing) {
  const Scanner& scanner = testing::patterns_only();
  EXPECT_TRUE(scanner.scan_request(json::parse(R"({"model": "x"})").as_object()).empty());
  const auto odd = json::parse(R"({"messages": [1, "x", {"content": 7}, {"content": [3]}]})");
  EXPECT_TRUE(scanner.scan_request(odd.as_object()).empty());
}

// Everything a client can put text in besides the messages' texts: a participant's name,
// tool and function definitions, the response schema, user, metadata, stop and fields the
// gateway does not know. Identifiers (model, function and schema names, types, the list of
// required properties) are not read, so they are never rewritten.
constexpr std::string_view kOtherFields = R"({
  "model": "ops@example.com",
  "messages": [{"role": "user", "name": "ops@example.com", "content": "hi"},
               {"role": "assistant", "refusal": "I cannot mail jane@example.org"}],
  "tools": [{"type": "function", "function": {
    "name": "notify",
    "description": "Pages the on-call engineer at 780-999-2181",
    "parameters": {"type": "object", "required": ["to"],
                   "properties": {"to": {"type": "string",
                                         "enum": ["ann@example.com", "bob@example.com"]}}}}}],
  "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {
    "type": "object", "description": "cards like 4111 1111 1111 1111"}}},
  "user": "carol@example.com",
  "metadata": {"customer": "dave@example.com"},
  "stop": ["erin@example.com"],
  "vendor_extension": {"note": "SSN 536-90-4399"}
})";

TEST(ScanRequestTest, WalksEveryOtherStringAndLeavesIdentifiersAlone) {
  const json::object request = json::parse(kOtherFields).as_object();
  const Findings findings = testing::patterns_only().scan_request(request);
  std::vector<std::pair<std::string, std::string>> seen;
  for (const Finding& finding : findings.findings) {
    const json::string* text = text_at(request, finding.location);
    ASSERT_NE(text, nullptr) << finding.location.json_pointer();
    seen.emplace_back(
        finding.location.json_pointer(),
        std::string(std::string_view(*text).substr(finding.entity.begin, finding.entity.size())));
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"/messages/0/name", "ops@example.com"},
      {"/messages/1/refusal", "jane@example.org"},
      {"/tools/0/function/description", "780-999-2181"},
      {"/tools/0/function/parameters/properties/to/enum/0", "ann@example.com"},
      {"/tools/0/function/parameters/properties/to/enum/1", "bob@example.com"},
      {"/response_format/json_schema/schema/description", "4111 1111 1111 1111"},
      {"/user", "carol@example.com"},
      {"/metadata/customer", "dave@example.com"},
      {"/stop/0", "erin@example.com"},
      {"/vendor_extension/note", "536-90-4399"},
  };
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(findings.complete);
}

TEST(ScanRequestTest, ReadsEmbeddingsInputAndCannotVouchForTokenIds) {
  const Scanner& scanner = testing::patterns_only();
  const auto one_text = json::parse(R"({"model": "e", "input": "mail ann@example.com"})");
  const Findings single = scanner.scan_request(one_text.as_object());
  ASSERT_EQ(single.findings.size(), 1U);
  EXPECT_EQ(single.findings[0].location.json_pointer(), "/input");

  const auto texts = json::parse(R"({"model": "e", "input": ["plain", "card 4111111111111111"]})");
  const Findings many = scanner.scan_request(texts.as_object());
  ASSERT_EQ(many.findings.size(), 1U);
  EXPECT_EQ(many.findings[0].location.json_pointer(), "/input/1");
  EXPECT_EQ(many.count(DataClass::kPci), 1U);
  EXPECT_TRUE(many.complete);

  for (const char* tokens : {R"({"input": [1, 2, 3]})", R"({"input": [[1, 2], [3]]})"}) {
    EXPECT_FALSE(scanner.scan_request(json::parse(tokens).as_object()).complete) << tokens;
  }
}

TEST(ScanRequestTest, PointersWithEscapesAndDeadEndsResolveSafely) {
  json::object request =
      json::parse(R"({"a/b": {"c~d": ["x", "mail ann@example.com"]}})").as_object();
  const Findings findings = testing::patterns_only().scan_request(request);
  ASSERT_EQ(findings.findings.size(), 1U);
  EXPECT_EQ(findings.findings[0].location.json_pointer(), "/a~1b/c~0d/1");
  ASSERT_NE(text_at(request, findings.findings[0].location), nullptr);
  for (const char* dead : {"", "/", "/a~1b/c~0d/2", "/a~1b/c~0d/-1", "/a~1b/c~0d/1/x", "/a~1b",
                           "/a~1b/c~0d/01x", "/missing"}) {
    const TextLocation location{.field = TextField::kPointer, .pointer = dead};
    EXPECT_EQ(text_at(request, location), nullptr) << dead;
  }
}

TEST(ScanRequestTest, ClinicalTextRaisesThePhiSignalWithoutAnyIdentifier) {
  const auto request = json::parse(R"({"messages": [
    {"role": "user", "content": "Assessment: type 2 diabetes mellitus, poorly controlled."},
    {"role": "user", "content": "Plan: start metformin 500 mg bid, recheck HbA1c in 3 months."}
  ]})");
  const Findings findings = testing::patterns_only().scan_request(request.as_object());
  EXPECT_TRUE(findings.findings.empty());
  EXPECT_GT(findings.phi_score, 0.8F);
  EXPECT_TRUE(findings.phi());

  const auto plain = json::parse(R"({"messages": [
    {"role": "user", "content": "Plan: ship the release on Friday and write the notes."}]})");
  const Findings ordinary = testing::patterns_only().scan_request(plain.as_object());
  EXPECT_LT(ordinary.phi_score, 0.5F);
  EXPECT_FALSE(ordinary.phi());
}

TEST(ScannerTest, OverlapsKeepTheMoreConfidentSpan) {
  // The whole URL is a URL (0.8) but its password is a secret (0.95): the password wins.
  EXPECT_EQ(found("https://bob:Sup3rS3cret@example.com/x"), one("PASSWORD", "Sup3rS3cret"));
}

TEST(ScannerTest, ALongTextWithManyOverlapsKeepsTheSameSpansAsEachPieceAlone) {
  // Enough findings that the overlaps are resolved in a tree rather than in the vector.
  const std::string piece = "see https://bob:Sup3rS3cret@example.com/x or mail a@b.io, ";
  const testing::Found alone = found(piece);
  ASSERT_EQ(alone.size(), 2U);
  std::string text;
  testing::Found expected;
  for (int i = 0; i < 400; ++i) {
    text += piece;
    expected.insert(expected.end(), alone.begin(), alone.end());
  }
  EXPECT_EQ(found(text), expected);
  const auto entities = testing::patterns_only().scan(text);
  EXPECT_TRUE(std::is_sorted(entities.begin(), entities.end(),
                             [](const Entity& a, const Entity& b) { return a.end <= b.begin; }));
}

TEST(ScannerTest, CustomPatternsDenyAndAllowLists) {
  GuardOptions options;
  options.custom_patterns.push_back(
      {"employee_id", R"(EMP-\d{6})", EntityType::kCustom, DataClass::kPii, 0.9F, false});
  options.deny_list.push_back({"Project Bluebird", DataClass::kSecret});
  options.allow_list.push_back("support@example.com");
  auto scanner = Scanner::create(options);
  ASSERT_TRUE(scanner.ok()) << scanner.error();

  const std::string text = "EMP-004211 asked support@example.com about project bluebird.";
  const auto entities = scanner->scan(text);
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(scanner->rule_name(entities[0].rule), "employee_id");
  EXPECT_EQ(entities[0].data_class, DataClass::kPii);
  EXPECT_EQ(text.substr(entities[1].begin, entities[1].size()), "project bluebird");
  EXPECT_EQ(entities[1].data_class, DataClass::kSecret);
  EXPECT_EQ(scanner->rule_name(entities[1].rule), "deny_list");
}

TEST(ScannerTest, DisabledTypesAndTheConfidenceFloorDropEntities) {
  GuardOptions options;
  options.disabled_types = {EntityType::kEmail};
  options.min_confidence = 0.85F;
  auto scanner = Scanner::create(options);
  ASSERT_TRUE(scanner.ok());
  // The URL (0.8) is below the floor and the e-mail is disabled; the card stays.
  EXPECT_EQ(testing::found(*scanner, "a@b.io https://x.io 4111111111111111"),
            one("PAYMENT_CARD", "4111111111111111"));
}

TEST(ScannerTest, ACustomPatternThatDoesNotCompileIsReported) {
  GuardOptions options;
  options.custom_patterns.push_back({"broken", "(unclosed", EntityType::kCustom});
  auto scanner = Scanner::create(options);
  ASSERT_FALSE(scanner.ok());
  EXPECT_NE(scanner.error().find("pattern"), std::string::npos) << scanner.error();
}

TEST(ScannerTest, TooManyMatchesMarksTheTextIncomplete) {
  GuardOptions options;
  options.max_matches_per_text = 10;
  auto scanner = Scanner::create(options);
  ASSERT_TRUE(scanner.ok());
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += "a@b.io ";
  }
  TextFindings findings;
  scanner->scan(text, findings);
  EXPECT_FALSE(findings.complete);
}

TEST(ScannerTest, ConcurrentScansAgree) {
  const Scanner& scanner = testing::patterns_only();
  const std::string text = "card 4111111111111111, mail a@b.io, ip 10.0.0.1, SSN 536-90-4399";
  const auto expected = found(text);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        mismatches += found(scanner, text) == expected ? 0 : 1;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(expected.size(), 4u);
}

TEST(EntityTest, NamesRoundTripAndClassesAreAssigned) {
  for (std::size_t i = 0; i < kEntityTypeCount; ++i) {
    const auto type = static_cast<EntityType>(i);
    EXPECT_EQ(entity_type_from_name(name_of(type)), type);
  }
  EXPECT_EQ(class_of(EntityType::kPaymentCard), DataClass::kPci);
  EXPECT_EQ(class_of(EntityType::kNpi), DataClass::kPhi);
  EXPECT_EQ(class_of(EntityType::kJwt), DataClass::kSecret);
  EXPECT_EQ(class_of(EntityType::kPerson), DataClass::kPii);
  EXPECT_EQ(data_class_from_name("SECRET"), DataClass::kSecret);
}

}  // namespace
}  // namespace switchyard::privacy
