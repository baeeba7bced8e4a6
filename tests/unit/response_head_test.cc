#include "http/response_head.h"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

// What a client makes of the head: Beast's own parser reads it back.
bhttp::response<bhttp::empty_body> parse_head(std::string_view bytes) {
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // a head with nothing after it, as for a response to HEAD
  beast::error_code ec;
  const std::size_t used = parser.put(net::buffer(bytes.data(), bytes.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, bytes.size());
  EXPECT_TRUE(parser.is_header_done());
  return parser.release();
}

TEST(ResponseHeadTest, ASizedHeadCarriesItsFieldsAndLength) {
  ResponseHead head(bhttp::status::ok);
  head.add(bhttp::field::content_type, "application/json").add("x-switchyard-model", "small");
  const std::string bytes = std::move(head).finish_sized(331, true);

  EXPECT_TRUE(bytes.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(bytes.ends_with("Content-Length: 331\r\n\r\n"));
  const auto parsed = parse_head(bytes);
  EXPECT_EQ(parsed.result(), bhttp::status::ok);
  EXPECT_EQ(parsed[bhttp::field::content_type], "application/json");
  EXPECT_EQ(parsed["x-switchyard-model"], "small");
  EXPECT_EQ(parsed[bhttp::field::content_length], "331");
  EXPECT_TRUE(parsed.keep_alive());
}

TEST(ResponseHeadTest, AClosingHeadSaysSo) {
  ResponseHead head(bhttp::status::service_unavailable);
  const auto parsed = parse_head(std::move(head).finish_sized(0, false));
  EXPECT_EQ(parsed.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(parsed.reason(), "Service Unavailable");
  EXPECT_FALSE(parsed.keep_alive());
}

TEST(ResponseHeadTest, AChunkedHeadHasNoLength) {
  ResponseHead head(bhttp::status::ok);
  head.add(bhttp::field::content_type, "text/event-stream");
  const auto parsed = parse_head(std::move(head).finish_chunked(true));
  EXPECT_TRUE(parsed.chunked());
  EXPECT_EQ(parsed.count(bhttp::field::content_length), 0U);
  EXPECT_EQ(parsed[bhttp::field::content_type], "text/event-stream");
}

TEST(ResponseHeadTest, ABeastHeaderKeepsItsFieldsButNotItsFraming) {
  Response response{bhttp::status::too_many_requests, 11};
  response.set(bhttp::field::retry_after, "1");
  response.set(bhttp::field::content_type, "application/json");
  response.body() = "{}";
  response.prepare_payload();
  response.keep_alive(false);

  ResponseHead head = ResponseHead::from(response.base());
  EXPECT_EQ(head.bytes().find("Content-Length"), std::string_view::npos);
  EXPECT_EQ(head.bytes().find("Connection"), std::string_view::npos);
  const std::string bytes = std::move(head).finish_sized(2, true);
  const auto parsed = parse_head(bytes);
  EXPECT_EQ(parsed.result(), bhttp::status::too_many_requests);
  EXPECT_EQ(parsed[bhttp::field::retry_after], "1");
  EXPECT_EQ(parsed[bhttp::field::content_type], "application/json");
  EXPECT_EQ(parsed.count(bhttp::field::content_length), 1U);
  EXPECT_TRUE(parsed.keep_alive());
}

}  // namespace
}  // namespace switchyard::http
