#include "privacy/evaluation.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "scanner_fixture.h"
#include "test_values.h"

namespace switchyard::privacy {
namespace {

std::string write_dataset(std::string_view name, std::string_view contents) {
  const std::string path = testing::temp_path(name);
  std::ofstream(path) << contents;
  return path;
}

TEST(DatasetTest, ConvertsCodePointOffsetsToBytes) {
  // "Szöllösy" has two two-byte letters, so byte offsets run ahead of code points.
  const std::string path = write_dataset(
      "offsets.jsonl",
      R"({"text": "Krisztián Szöllösy, card 4111111111111111", "spans": [)"
      R"({"type": "PERSON", "start": 0, "end": 18, "value": "Krisztián Szöllösy"},)"
      R"({"type": "CREDIT_CARD", "start": 25, "end": 41, "value": "4111111111111111"}]})"
      "\n");
  auto records = read_dataset(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(records.ok()) << records.error();
  ASSERT_EQ(records->size(), 1u);
  const LabelledText& record = (*records)[0];
  ASSERT_EQ(record.entities.size(), 2u);
  EXPECT_EQ(record.text.substr(record.entities[0].begin, record.entities[0].size()),
            "Krisztián Szöllösy");
  EXPECT_EQ(record.text.substr(record.entities[1].begin, record.entities[1].size()),
            "4111111111111111");
  EXPECT_EQ(record.entities[1].type, EntityType::kPaymentCard);
}

TEST(DatasetTest, ReportsTheLineOfABadRecord) {
  const std::string path =
      write_dataset("bad.jsonl", "{\"text\": \"a\", \"spans\": []}\nnot json\n");
  auto records = read_dataset(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(records.ok());
  EXPECT_NE(records.error().find(":2:"), std::string::npos) << records.error();
}

TEST(DatasetTest, TypeNamesMapBothWays) {
  EXPECT_EQ(dataset_name(EntityType::kLocation), "GPE");
  EXPECT_EQ(type_from_dataset("GPE"), EntityType::kLocation);
  EXPECT_EQ(dataset_name(EntityType::kDateOfBirth), "DATE_TIME");
  EXPECT_EQ(type_from_dataset("DATE_TIME"), EntityType::kDateTime);
  EXPECT_FALSE(dataset_name(EntityType::kJwt).has_value());
}

TEST(EvaluationTest, ScoresTokensAndExactSpans) {
  LabelledText record;
  record.text = "card 4111111111111111 and ip 10.0.0.1";
  record.entities.push_back({EntityType::kPaymentCard, DataClass::kPci, 5, 21});
  record.entities.push_back({EntityType::kIpAddress, DataClass::kPii, 29, 36});  // one short
  const EvaluationReport report = evaluate(testing::patterns_only(), {&record, 1});
  EXPECT_EQ(report.token_scores.at("CREDIT_CARD").correct, 1u);
  EXPECT_DOUBLE_EQ(report.token_overall.recall(), 1.0);
  EXPECT_DOUBLE_EQ(report.span_scores.at("CREDIT_CARD").f_beta(1), 1.0);
  EXPECT_EQ(report.span_scores.at("IP_ADDRESS").correct, 0u);
}

TEST(EvaluationTest, TheSplitIsDeterministicAndRoughlySeventyThirty) {
  int heldout = 0;
  for (int i = 0; i < 1000; ++i) {
    heldout += is_heldout("record " + std::to_string(i)) ? 1 : 0;
  }
  EXPECT_GT(heldout, 250);
  EXPECT_LT(heldout, 350);
  EXPECT_EQ(is_heldout("same text"), is_heldout("same text"));
}

}  // namespace
}  // namespace switchyard::privacy
