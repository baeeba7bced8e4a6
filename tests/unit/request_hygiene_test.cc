#include "http/request_hygiene.h"

#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

// A header as the server's parser reads it: the parse error, or the hygiene verdict.
struct Verdict {
  beast::error_code parse_error;
  std::optional<ErrorInfo> refusal;
};

Verdict judge(const std::string& head, const config::ServerConfig& server = {}) {
  RequestParser parser;
  apply_limits(parser, server);
  parser.eager(false);
  Verdict verdict;
  const std::size_t used = parser.put(net::buffer(head), verdict.parse_error);
  if (!verdict.parse_error) {
    EXPECT_TRUE(parser.is_header_done()) << head;
    verdict.refusal = check_request_header(parser.get(), used, server);
  }
  return verdict;
}

// The code a client gets for `head`, whichever of Beast and the hygiene rules refuses it;
// empty when the request is acceptable.
std::string code_for(const std::string& head) {
  const Verdict verdict = judge(head);
  const config::ServerConfig server;
  if (verdict.parse_error) {
    const ErrorInfo error = read_error(verdict.parse_error, server);
    EXPECT_EQ(error.status, bhttp::status::bad_request) << head;
    return error.code.value_or("");
  }
  if (verdict.refusal) {
    EXPECT_EQ(verdict.refusal->status, bhttp::status::bad_request) << head;
    return verdict.refusal->code.value_or("");
  }
  return "";
}

std::string post_with(const std::string& fields) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\n" + fields + "\r\n";
}

TEST(RequestHygieneTest, AcceptsOrdinaryRequests) {
  EXPECT_EQ(code_for(post_with("Content-Length: 2\r\n")), "");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: chunked\r\n")), "");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: Chunked\r\n")), "");
  EXPECT_EQ(code_for("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: caf\xc3\xa9\tok\r\n\r\n"), "");
  EXPECT_EQ(code_for("GET /healthz HTTP/1.0\r\n\r\n"), "");
}

TEST(RequestHygieneTest, RefusesContentLengthWithTransferEncodingInEitherOrder) {
  EXPECT_EQ(code_for(post_with("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n")),
            "invalid_framing");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n")),
            "invalid_framing");
  // Beast lets this one through; the rule is ours.
  const Verdict gzip = judge(post_with("Transfer-Encoding: gzip\r\nContent-Length: 2\r\n"));
  EXPECT_FALSE(gzip.parse_error);
  ASSERT_TRUE(gzip.refusal);
  EXPECT_EQ(gzip.refusal->code, "invalid_framing");
  EXPECT_NE(gzip.refusal->message.find("both Content-Length and Transfer-Encoding"),
            std::string::npos);
}

TEST(RequestHygieneTest, RefusesRepeatedOrListedContentLength) {
  EXPECT_EQ(code_for(post_with("Content-Length: 2\r\nContent-Length: 2\r\n")), "invalid_framing");
  EXPECT_EQ(code_for(post_with("Content-Length: 2, 2\r\n")), "invalid_framing");
  EXPECT_EQ(code_for(post_with("Content-Length: 2\r\nContent-Length: 3\r\n")), "invalid_framing");
  EXPECT_EQ(code_for(post_with("Content-Length: -1\r\n")), "invalid_framing");
}

TEST(RequestHygieneTest, RefusesTransferEncodingsOtherThanOneChunked) {
  // Beast reads the first as a request without a body, leaving the chunks for the next one.
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: chunked, chunked\r\n")), "invalid_framing");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: gzip\r\n")), "invalid_framing");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: gzip, chunked\r\n")), "invalid_framing");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")),
            "invalid_framing");
  EXPECT_EQ(code_for(post_with("Transfer-Encoding: \r\n")), "invalid_framing");
}

TEST(RequestHygieneTest, RefusesInvalidBytesInHeaderNamesAndValues) {
  for (const std::string& field : {std::string("X-A: a\0b\r\n", 10), std::string("X-A: a\x7f\r\n"),
                                   std::string("X-A: a\x01z\r\n")}) {
    EXPECT_EQ(code_for(post_with(field)), "invalid_header") << field;
  }
  for (const std::string& field :
       {std::string("X A: b\r\n"), std::string("X-A : b\r\n"), std::string("X-\xc3\xa9: b\r\n"),
        std::string(": b\r\n"), std::string("X\0A: b\r\n", 8)}) {
    EXPECT_EQ(code_for(post_with(field)), "invalid_header") << field;
  }
  // A bare CR is a broken line ending rather than a byte of a value.
  EXPECT_EQ(code_for(post_with("X-A: a\rb\r\n")), "malformed_request");
}

TEST(RequestHygieneTest, RefusesAMissingOrRepeatedHost) {
  EXPECT_EQ(code_for("GET /healthz HTTP/1.1\r\n\r\n"), "invalid_header");
  EXPECT_EQ(code_for("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "invalid_header");
  EXPECT_EQ(code_for("GET /healthz HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), "invalid_header");
}

// Beast gives a header that arrives in one piece its limit twice, once for the request line
// and once for the fields.
TEST(RequestHygieneTest, RefusesAHeaderOverTheLimitThatArrivedWhole) {
  config::ServerConfig server;
  server.max_header_bytes = 1024;
  const std::string target = "/v1/models?" + std::string(600, 'q');
  const std::string fields = "Host: x\r\nX-Pad: " + std::string(600, 'p') + "\r\n";
  const Verdict whole = judge("GET " + target + " HTTP/1.1\r\n" + fields + "\r\n", server);
  EXPECT_FALSE(whole.parse_error);
  ASSERT_TRUE(whole.refusal);
  EXPECT_EQ(whole.refusal->status, bhttp::status::request_header_fields_too_large);
  EXPECT_FALSE(judge("GET /v1/models HTTP/1.1\r\n" + fields + "\r\n", server).refusal);
}

TEST(RequestHygieneTest, ReadErrorsNameTheLimitHit) {
  config::ServerConfig server;
  server.max_header_bytes = 2048;
  server.max_body_bytes = 1000;
  EXPECT_EQ(read_error(beast::error::timeout, server).status, bhttp::status::request_timeout);
  const ErrorInfo headers = read_error(bhttp::error::header_limit, server);
  EXPECT_EQ(headers.status, bhttp::status::request_header_fields_too_large);
  EXPECT_NE(headers.message.find("2048"), std::string::npos);
  const ErrorInfo body = read_error(bhttp::error::body_limit, server);
  EXPECT_EQ(body.status, bhttp::status::payload_too_large);
  EXPECT_NE(body.message.find("1000"), std::string::npos);
  EXPECT_EQ(read_error(bhttp::error::bad_version, server).code, "malformed_request");
  const ErrorInfo chunk_line = read_error(bhttp::error::buffer_overflow, server);
  EXPECT_EQ(chunk_line.status, bhttp::status::bad_request);
  EXPECT_EQ(chunk_line.code, "invalid_framing");
  EXPECT_NE(chunk_line.message.find("4096"), std::string::npos);
}

// Beast keeps an unfinished chunk header line whole, however long; only the size of the
// buffer it reads from bounds it.
TEST(RequestHygieneTest, TheReadBufferHoldsAHeaderAndAsMuchAgain) {
  config::ServerConfig server;
  server.max_header_bytes = 1024;
  EXPECT_EQ(read_buffer_limit(server), 2048U);

  RequestParser parser;
  apply_limits(parser, server);
  beast::error_code ec;
  const std::string head = post_with("Transfer-Encoding: chunked\r\n");
  EXPECT_EQ(parser.put(net::buffer(head), ec), head.size());
  const std::string endless_line = "1;name=\"" + std::string(100'000, 'a');
  EXPECT_EQ(parser.put(net::buffer(endless_line), ec), 0U);
  EXPECT_EQ(ec, bhttp::error::need_more);
}

TEST(RequestHygieneTest, AppliesTheServersLimits) {
  config::ServerConfig server;
  server.max_header_bytes = 1024;
  server.max_body_bytes = 4;
  RequestParser parser;
  apply_limits(parser, server);
  beast::error_code ec;
  const std::string head = post_with("Content-Length: 5\r\n");
  parser.put(net::buffer(head), ec);
  EXPECT_EQ(ec, bhttp::error::body_limit);

  RequestParser small_header;
  apply_limits(small_header, server);
  const std::string big = post_with("X-Big: " + std::string(2000, 'a') + "\r\n");
  small_header.put(net::buffer(big), ec);
  EXPECT_EQ(ec, bhttp::error::header_limit);
}

}  // namespace
}  // namespace switchyard::http
