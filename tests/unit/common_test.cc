#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/hash.h"
#include "common/json_arena.h"
#include "common/request_id.h"

namespace switchyard {
namespace {

TEST(JsonArenaTest, DocumentsOutgrowTheFirstBlockAndOutliveTheirParse) {
  std::string text = R"({"model":"m","messages":[)";
  for (int i = 0; i < 200; ++i) {
    text +=
        (i > 0 ? "," : "") + std::string(R"({"role":"user","content":"a longer message text"})");
  }
  text += "]}";
  boost::json::object copy;
  {
    boost::json::value parsed = boost::json::parse(text, make_json_arena());
    boost::json::object edited(parsed.as_object(), make_json_arena());
    edited["model"] = "renamed";
    copy = edited;
  }
  EXPECT_EQ(copy.at("model"), "renamed");
  EXPECT_EQ(copy.at("messages").as_array().size(), 200U);
  EXPECT_EQ(copy.at("messages").as_array()[199].at("content"), "a longer message text");
}

// An arena reused for many documents that each outgrow its first block keeps taking blocks of
// the size they need; with Boost.JSON's own release() the next block doubled every time, and
// the thirtieth or so document of 64 KiB failed to allocate.
TEST(JsonArenaTest, ReuseForManyLargeDocumentsStaysBounded) {
  JsonArena arena;
  const std::string text = R"({"content":")" + std::string(64 << 10, 'a') + R"("})";
  for (int i = 0; i < 100; ++i) {
    arena.release();
    const boost::json::value value = boost::json::parse(text, arena.storage());
    ASSERT_EQ(value.at("content").as_string().size(), 64U << 10) << "document " << i;
  }
}

TEST(HashTest, Sha256MatchesTheKnownDigest) {
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashTest, ParsesHexInEitherCase) {
  const auto digest = sha256("key");
  std::string upper = to_hex(digest);
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(c));
  }
  EXPECT_EQ(parse_sha256_hex(upper), digest);
  EXPECT_FALSE(parse_sha256_hex("zz"));
  EXPECT_FALSE(parse_sha256_hex(std::string(64, 'g')));
}

TEST(HashTest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal(sha256("a"), sha256("a")));
  EXPECT_FALSE(constant_time_equal(sha256("a"), sha256("b")));
}

TEST(RequestIdTest, IdsAreUniqueAcrossThreads) {
  std::set<std::string> ids;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        auto id = make_request_id();
        const std::lock_guard lock(mutex);
        ids.insert(std::move(id));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ids.size(), 4000U);
}

TEST(RequestIdTest, ClientIdsMustBeSafeToEcho) {
  EXPECT_TRUE(is_acceptable_request_id("trace-abc_123"));
  EXPECT_FALSE(is_acceptable_request_id(""));
  EXPECT_FALSE(is_acceptable_request_id("has space"));
  EXPECT_FALSE(is_acceptable_request_id("line\r\nbreak"));
  EXPECT_FALSE(is_acceptable_request_id(std::string(200, 'a')));
}

}  // namespace
}  // namespace switchyard

namespace switchyard {
namespace {

TEST(Base64Test, MatchesTheRfcVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xFF\x00\x80", 3)), "/wCA");
}

}  // namespace
}  // namespace switchyard
