#include "http/header_bytes.h"

#include <sstream>

#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

// What Beast's own serializer writes for the message's header: everything before the body.
template <class Message>
std::string serialized_header(const Message& message) {
  std::ostringstream out;
  out << message;
  const std::string text = out.str();
  return text.substr(0, text.size() - message.body().size());
}

TEST(HeaderBytesTest, ARequestHeaderIsWhatTheSerializerWrites) {
  Request request{bhttp::verb::post, "/v1/chat/completions", 11};
  request.set(bhttp::field::host, "upstream.example:8080");
  request.set(bhttp::field::content_type, "application/json");
  request.set(kRequestIdHeader, "req-1");
  request.body() = R"({"model":"m"})";
  request.prepare_payload();

  std::string out = "kept ";
  append_header(out, request.base());
  EXPECT_EQ(out, "kept " + serialized_header(request));
  EXPECT_TRUE(out.ends_with("Content-Length: 13\r\n\r\n"));
}

TEST(HeaderBytesTest, AResponseHeaderIsWhatTheSerializerWrites) {
  Response response{bhttp::status::too_many_requests, 11};
  response.set(bhttp::field::retry_after, "1");
  response.keep_alive(false);
  response.body() = "{}";
  response.prepare_payload();

  std::string out;
  append_header(out, response.base());
  EXPECT_EQ(out, serialized_header(response));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 429 Too Many Requests\r\n"));
}

}  // namespace
}  // namespace switchyard::http
