#include "api/request_body.h"

#include <gtest/gtest.h>

namespace switchyard::api {
namespace {

config::ServerConfig limits(std::size_t depth, std::size_t string_bytes) {
  config::ServerConfig server;
  server.max_json_depth = depth;
  server.max_json_string_bytes = string_bytes;
  return server;
}

std::string nested(std::size_t depth) {
  // {"a": [[...[1]...]]}: the object is one level, each array one more.
  return R"({"a":)" + std::string(depth - 1, '[') + "1" + std::string(depth - 1, ']') + "}";
}

TEST(RequestBodyTest, AcceptsAnObjectWithinEveryBound) {
  const auto body = parse_body(R"({"model":"m","n":1,"x":[1.5,-0,true,null]})", limits(4, 8));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->at("model"), "m");
}

TEST(RequestBodyTest, RefusesNestingBeyondTheDepthNamingTheLimit) {
  EXPECT_TRUE(parse_body(nested(10), limits(10, 64)).ok());
  const auto deep = parse_body(nested(11), limits(10, 64));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().status, boost::beast::http::status::bad_request);
  EXPECT_EQ(deep.error().code, "json_limit_exceeded");
  EXPECT_NE(deep.error().message.find("max_json_depth"), std::string::npos);
  EXPECT_NE(deep.error().message.find("10"), std::string::npos);
}

TEST(RequestBodyTest, RefusesLongStringsAndKeysNamingWhereTheyAre) {
  const std::string at_limit(8, 'x');
  EXPECT_TRUE(parse_body(R"({"k":")" + at_limit + R"("})", limits(8, 8)).ok());

  const auto value = parse_body(
      R"({"messages":[{"content":"short"},{"content":")" + at_limit + R"(y"}]})", limits(8, 8));
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().code, "json_limit_exceeded");
  EXPECT_EQ(value.error().param, "messages[1].content");
  EXPECT_NE(value.error().message.find("max_json_string_bytes"), std::string::npos);

  const auto key = parse_body(R"({"a":{")" + at_limit + R"(y":1}})", limits(8, 8));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().param, "a." + at_limit + "y");
}

TEST(RequestBodyTest, RefusesNumbersThatAreNotFinite) {
  for (const char* text : {R"({"vendor":{"knob":[1e999]}})", R"({"vendor":{"knob":[-1e400]}})"}) {
    const auto body = parse_body(text, limits(8, 64));
    ASSERT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.error().code, "invalid_value");
    EXPECT_EQ(body.error().param, "vendor.knob[0]");
  }
  // Tiny numbers underflow to zero, which is finite.
  EXPECT_TRUE(parse_body(R"({"x":1e-999})", limits(8, 64)).ok());
}

TEST(RequestBodyTest, RefusesWhatIsNotAJsonObject) {
  for (const std::string& text :
       {std::string("[1]"), std::string("\"s\""), std::string(R"({"a":1,})"),
        std::string("{\"a\":\"\xff\"}"), std::string(R"({"a":1} // note)"), std::string("")}) {
    const auto body = parse_body(text, limits(8, 64));
    ASSERT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.error().code, "invalid_json") << text;
  }
}

}  // namespace
}  // namespace switchyard::api
