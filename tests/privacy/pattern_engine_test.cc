#include "privacy/pattern_engine.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "privacy/rules.h"

namespace switchyard::privacy {
namespace {

const Rule& builtin(std::string_view name) {
  const auto rules = builtin_rules();
  return *std::find_if(rules.begin(), rules.end(),
                       [&](const Rule& rule) { return rule.name == name; });
}

std::vector<RawMatch> sorted_matches(const PatternEngine& engine, const std::string& text) {
  std::vector<RawMatch> matches;
  EXPECT_TRUE(engine.scan(text, matches, SIZE_MAX));
  std::sort(matches.begin(), matches.end(), [](const RawMatch& a, const RawMatch& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  return matches;
}

std::string describe(const std::vector<RawMatch>& matches) {
  std::string out;
  for (const RawMatch& match : matches) {
    out += std::to_string(match.begin) + "-" + std::to_string(match.end) + " ";
  }
  return out;
}

// The phone and card rules read on past the number so that Vectorscan reports it once; merged,
// their matches must be exactly those of the plain pattern that reports at every digit.
void expect_same_as_plain(const Rule& rule, std::string_view plain, std::string_view alphabet) {
  PatternSpec reading_on = spec_of(rule);
  PatternSpec every_digit = reading_on;
  every_digit.regex = std::string(plain);
  every_digit.end_chars = {};
  ASSERT_FALSE(reading_on.end_chars.empty()) << rule.name;
  auto fast = PatternEngine::compile(std::span(&reading_on, 1));
  auto slow = PatternEngine::compile(std::span(&every_digit, 1));
  ASSERT_TRUE(fast.ok() && slow.ok());

  std::vector<std::string> texts = {
      "call (937) 555-0143 or 555 0199.",
      "1234567+8901234",
      "12345678 9",
      "4111 1111 1111 1111 -- 4111-1111",
      "ends with digits 1234567",
      "trailing  555-0143   ",
      "line 5550143\n",
      "9999999999999999999999999999999999999999999",
  };
  std::mt19937 random(11);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 2000; ++i) {
    std::string text(1 + i % 60, ' ');
    std::generate(text.begin(), text.end(), [&] { return alphabet[pick(random)]; });
    texts.push_back(text);
  }
  for (const std::string& text : texts) {
    EXPECT_EQ(describe(sorted_matches(**fast, text)), describe(sorted_matches(**slow, text)))
        << rule.name << " in '" << text << "'";
  }
}

TEST(PatternEngineTest, PhoneRuleMatchesAsIfReportedAtEveryDigit) {
  expect_same_as_plain(builtin("phone"), R"(\d[\d ().-]{5,}\d)", "0123456789 ().+-x\n");
}

TEST(PatternEngineTest, CardRuleMatchesAsIfReportedAtEveryDigit) {
  expect_same_as_plain(builtin("payment_card"), R"(\d[\d -]{10,}\d)", "0123456789 -+x\n");
}

}  // namespace
}  // namespace switchyard::privacy
