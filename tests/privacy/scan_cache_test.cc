// The scan cache: what it keeps and gives back, what it leaves out, and that a request scanned
// through it is reported exactly as one scanned without it.
#include "privacy/scan_cache.h"

#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "scanner_fixture.h"

namespace switchyard::privacy {
namespace {

namespace json = boost::json;

TextFindings findings_of(std::string_view text) {
  TextFindings findings;
  testing::patterns_only().scan(text, findings);
  return findings;
}

TEST(ScanCacheTest, GivesBackWhatWasStoredForExactlyThatText) {
  ScanCache cache(4096);
  const std::string text = "Escalate to ops@example.com.";
  cache.insert(text, findings_of(text));
  const TextFindings* hit = cache.find(text);
  ASSERT_NE(hit, nullptr);
  ASSERT_EQ(hit->entities.size(), 1U);
  EXPECT_EQ(text.substr(hit->entities[0].begin, hit->entities[0].size()), "ops@example.com");
  EXPECT_EQ(cache.find("Escalate to ops@example.com"), nullptr);  // one byte short
}

TEST(ScanCacheTest, DropsTheLeastRecentlyUsedTextFirst) {
  ScanCache cache(800);  // room for eight texts of 100 bytes
  auto text = [](char c) { return std::string(100, c); };
  for (char c = 'a'; c < 'i'; ++c) {
    cache.insert(text(c), {});
  }
  ASSERT_EQ(cache.size(), 8U);
  ASSERT_NE(cache.find(text('a')), nullptr);  // now the most recent
  cache.insert(text('i'), {});
  EXPECT_EQ(cache.size(), 8U);
  EXPECT_LE(cache.bytes(), 800U);
  EXPECT_NE(cache.find(text('a')), nullptr);
  EXPECT_EQ(cache.find(text('b')), nullptr);  // the oldest untouched one went
  EXPECT_NE(cache.find(text('i')), nullptr);
}

TEST(ScanCacheTest, KeepsNeitherLargeTextsNorIncompleteScans) {
  ScanCache cache(800);
  cache.insert(std::string(101, 'x'), {});  // over an eighth
  TextFindings incomplete;
  incomplete.complete = false;
  cache.insert("short", incomplete);
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(cache.find("short"), nullptr);
}

constexpr std::string_view kRequest = R"({
  "model": "fast",
  "messages": [
    {"role": "system", "content": "You are helpful. Escalate to ops@example.com."},
    {"role": "developer",
     "content": [{"type": "text", "text": "Card on file 4111 1111 1111 1111"}]},
    {"role": "user", "content": "Mail me at jane@example.org"}
  ],
  "tools": [{"type": "function", "function": {"name": "page",
    "description": "Pages the on-call engineer at +1 415 555 0100"}}]
})";

std::vector<std::string> pointers(const Findings& findings) {
  std::vector<std::string> out;
  for (const Finding& finding : findings.findings) {
    out.push_back(finding.location.json_pointer() + " " + std::to_string(finding.entity.begin) +
                  "-" + std::to_string(finding.entity.end));
  }
  return out;
}

TEST(ScanCacheTest, ARequestScannedThroughTheCacheIsReportedAsWithout) {
  const json::object request = json::parse(kRequest).as_object();
  const Scanner& scanner = testing::patterns_only();
  const Findings plain = scanner.scan_request(request);
  ASSERT_EQ(plain.findings.size(), 4U);

  ScanCache cache(64 * 1024);
  const Findings first = scanner.scan_request(request, &cache);
  const Findings second = scanner.scan_request(request, &cache);  // served from the cache
  EXPECT_EQ(pointers(first), pointers(plain));
  EXPECT_EQ(pointers(second), pointers(plain));
  EXPECT_EQ(second.class_counts, plain.class_counts);
  EXPECT_EQ(second.complete, plain.complete);
}

TEST(ScanCacheTest, HoldsTheApplicationsInstructionsButNotItsUsersWords) {
  const json::object request = json::parse(kRequest).as_object();
  ScanCache cache(64 * 1024);
  (void)testing::patterns_only().scan_request(request, &cache);
  EXPECT_NE(cache.find("You are helpful. Escalate to ops@example.com."), nullptr);
  EXPECT_NE(cache.find("Card on file 4111 1111 1111 1111"), nullptr);
  EXPECT_NE(cache.find("Pages the on-call engineer at +1 415 555 0100"), nullptr);
  EXPECT_EQ(cache.find("Mail me at jane@example.org"), nullptr);
  EXPECT_EQ(cache.size(), 3U);
}

}  // namespace
}  // namespace switchyard::privacy
