// The HTTP hygiene rules over real sockets: a request with ambiguous framing or invalid header
// bytes gets one 400 and a closed connection, the gateway keeps serving, no hop-by-hop header
// of the client's reaches an upstream, and JSON bodies stay within the configured bounds.
#include <cstring>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr milliseconds kWait{3000};
constexpr char kChat[] = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

// What came back on one connection for some raw bytes.
struct RawReply {
  std::string text;
  bool closed_by_gateway = false;  // before the wait ran out

  // Status lines: at the start, or right after a line ending.
  std::size_t responses() const {
    std::size_t count = text.starts_with("HTTP/1.1 ") ? 1 : 0;
    for (std::size_t at = text.find("\nHTTP/1.1 "); at != std::string::npos;
         at = text.find("\nHTTP/1.1 ", at + 1)) {
      ++count;
    }
    return count;
  }

  std::string error_code() const {
    const std::size_t body = text.find("\r\n\r\n");
    if (body == std::string::npos) {
      return "";
    }
    json::error_code ec;
    const json::value value = json::parse(text.substr(body + 4), ec);
    return ec ? "" : std::string(value.at("error").at("code").as_string());
  }
};

class HttpHygieneTest : public ::testing::Test {
 protected:
  // `server_extra` goes into the config's [server] table.
  explicit HttpHygieneTest(const std::string& server_extra = "") {
    upstream_.start();
    std::string text = standard_config(upstream_.base_url());
    const std::string anchor = "io_threads = 2\n";
    text.insert(text.find(anchor) + anchor.size(), server_extra);
    gateway_ = std::make_unique<GatewayUnderTest>(text);
  }

  RawReply exchange(const std::string& bytes) {
    const auto started = std::chrono::steady_clock::now();
    RawReply reply{.text = raw_exchange(gateway_->port(), bytes, kWait)};
    reply.closed_by_gateway =
        std::chrono::steady_clock::now() - started < kWait - milliseconds(500);
    return reply;
  }

  // One 400 with `code`, the connection closed after it, nothing sent upstream, and the
  // gateway still answering on a new connection.
  void expect_refused(const std::string& bytes, const std::string& code) {
    const RawReply reply = exchange(bytes);
    EXPECT_EQ(reply.text.rfind("HTTP/1.1 400 ", 0), 0U) << reply.text;
    EXPECT_EQ(reply.responses(), 1U) << reply.text;
    EXPECT_EQ(reply.error_code(), code) << reply.text;
    EXPECT_NE(reply.text.find("Connection: close"), std::string::npos) << reply.text;
    EXPECT_TRUE(reply.closed_by_gateway);
    EXPECT_TRUE(upstream_.requests().empty());
    EXPECT_EQ(send_request(gateway_->port(), {.target = "/healthz"}).status, 200);
  }

  static std::string post(const std::string& fields, const std::string& body = kChat) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\n"
           "Content-Type: application/json\r\n" +
           fields + "\r\n" + body;
  }

  static std::string length(const std::string& body = kChat) {
    return "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }

  FakeUpstream upstream_;
  std::unique_ptr<GatewayUnderTest> gateway_;
};

TEST_F(HttpHygieneTest, ContentLengthWithTransferEncodingIs400InEitherOrder) {
  expect_refused(post(length() + "Transfer-Encoding: chunked\r\n"), "invalid_framing");
  expect_refused(post("Transfer-Encoding: chunked\r\n" + length()), "invalid_framing");
  expect_refused(post("Transfer-Encoding: gzip\r\n" + length()), "invalid_framing");
}

TEST_F(HttpHygieneTest, RepeatedOrConflictingContentLengthIs400) {
  expect_refused(post(length() + length()), "invalid_framing");
  expect_refused(post("Content-Length: 2, 2\r\n", "{}"), "invalid_framing");
  expect_refused(post(length() + "Content-Length: 1\r\n"), "invalid_framing");
}

TEST_F(HttpHygieneTest, TransferEncodingOtherThanChunkedIs400) {
  expect_refused(post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), "invalid_framing");
  expect_refused(post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), "invalid_framing");
}

// Read as a request without a body, a "gzip" body would be taken for the next request on the
// connection: here a second request the client never meant to send as one.
TEST_F(HttpHygieneTest, ABodyCannotBeSmuggledAsTheNextRequest) {
  const std::string smuggled = "GET /v1/models HTTP/1.1\r\nHost: gateway\r\n\r\n";
  const RawReply reply = exchange(post("Transfer-Encoding: gzip\r\n", smuggled));
  EXPECT_EQ(reply.responses(), 1U) << reply.text;
  EXPECT_EQ(reply.error_code(), "invalid_framing") << reply.text;
  EXPECT_EQ(reply.text.find("\"object\":\"list\""), std::string::npos) << reply.text;
}

TEST_F(HttpHygieneTest, InvalidBytesInHeaderNamesAndValuesAre400) {
  for (const std::string& field :
       {std::string("X-Note: a\0b\r\n", 13), std::string("X-Note: a\x7f\r\n"),
        std::string("X-Note: a\x01z\r\n"), std::string("X Note: b\r\n"),
        std::string("X-N\xc3\xb6te: b\r\n")}) {
    expect_refused(post(field + length()), "invalid_header");
  }
  expect_refused(post("X-Note: a\rb\r\n" + length()), "malformed_request");
}

TEST_F(HttpHygieneTest, AMissingOrRepeatedHostIs400) {
  expect_refused("GET /healthz HTTP/1.1\r\n\r\n", "invalid_header");
  expect_refused("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "invalid_header");
  // HTTP/1.0 has no Host requirement.
  EXPECT_EQ(exchange("GET /healthz HTTP/1.0\r\n\r\n").text.rfind("HTTP/1.1 200 ", 0), 0U);
}

// Beast measures its header limit separately for the request line and the fields when they
// arrive together; the limit holds for the whole header all the same.
TEST_F(HttpHygieneTest, AHeaderOverTheLimitIs431EvenWhenItArrivesInOneRead) {
  const std::string target = "/healthz?" + std::string(10 * 1024, 'q');
  const std::string pad = "X-Pad: " + std::string(10 * 1024, 'p') + "\r\n";
  const RawReply reply =
      exchange("GET " + target + " HTTP/1.1\r\nHost: gateway\r\n" + pad + "\r\n");
  EXPECT_EQ(reply.text.rfind("HTTP/1.1 431 ", 0), 0U) << reply.text.substr(0, 200);
  EXPECT_EQ(reply.error_code(), "headers_too_large");
}

// Providers build every upstream request afresh; this pins that down for the headers that
// belong to one connection, and for those the client's Connection names.
TEST_F(HttpHygieneTest, HopByHopHeadersNeverReachTheUpstream) {
  const std::string chunked =
      fmt::format("{:x}\r\n{}\r\n0\r\nX-Checksum: abc\r\n\r\n", std::strlen(kChat), kChat);
  const RawReply reply =
      exchange(post("Transfer-Encoding: chunked\r\n"
                    "Connection: close, X-Hop-Secret\r\n"
                    "Keep-Alive: timeout=5\r\n"
                    "TE: trailers\r\n"
                    "Trailer: X-Checksum\r\n"
                    "Upgrade: h2c\r\n"
                    "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n"
                    "Proxy-Connection: keep-alive\r\n"
                    "X-Hop-Secret: do-not-forward\r\n"
                    "Authorization: Bearer client-key\r\n"
                    "X-Request-Id: hop-test-1\r\n",
                    chunked));
  ASSERT_EQ(reply.text.rfind("HTTP/1.1 200 ", 0), 0U) << reply.text;

  const auto requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1U);
  std::vector<std::string> names;
  for (const auto& [name, value] : requests[0].headers) {
    names.push_back(name);
  }
  const std::vector<std::string> expected{"accept",       "authorization", "content-length",
                                          "content-type", "host",          "user-agent",
                                          "x-request-id"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer upstream-key");
  EXPECT_EQ(requests[0].headers.at("x-request-id"), "hop-test-1");
  EXPECT_EQ(requests[0].headers.at("content-length"), std::to_string(requests[0].body.size()));
}

// Sends `head`, then up to `budget` bytes of `filler` a piece at a time, and returns how many
// the gateway took before it stopped reading and closed the connection.
std::size_t bytes_taken(std::uint16_t port, const std::string& head, char filler,
                        std::size_t budget) {
  namespace net = boost::asio;
  net::io_context io_context;
  net::ip::tcp::socket socket(io_context);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  net::write(socket, net::buffer(head));
  const std::string piece(64 * 1024, filler);
  std::size_t sent = 0;
  while (sent < budget) {
    boost::system::error_code ec;
    net::write(socket, net::buffer(piece), ec);
    if (ec) {
      break;
    }
    sent += piece.size();
  }
  return sent;
}

// Beast buffers the line of a chunk header until it ends, and an unterminated quoted
// extension until a quote comes, without a bound of its own; the connection's read buffer
// provides one.
TEST_F(HttpHygieneTest, AChunkHeaderCannotGrowWithoutBound) {
  constexpr std::size_t kBudget = 64 * 1024 * 1024;
  const std::string head = post("Transfer-Encoding: chunked\r\n", "");
  EXPECT_LT(bytes_taken(gateway_->port(), head + "1", '0', kBudget), kBudget);
  EXPECT_LT(bytes_taken(gateway_->port(), head + "1;name=\"", 'a', kBudget), kBudget);
  EXPECT_EQ(send_request(gateway_->port(), {.target = "/healthz"}).status, 200);
}

class JsonBoundsTest : public HttpHygieneTest {
 protected:
  JsonBoundsTest() : HttpHygieneTest("max_json_depth = 8\nmax_json_string_bytes = 32\n") {}

  TestResponse chat(const std::string& extra, const std::string& content = "hi") {
    return post_json(gateway_->port(), "/v1/chat/completions",
                     R"({"model":"chat","messages":[{"role":"user","content":")" + content +
                         R"("}])" + extra + "}");
  }

  static std::string field(const TestResponse& response, const char* name) {
    const json::value body = json::parse(response.body);
    const json::value& value = body.at("error").at(name);
    return value.is_string() ? std::string(value.as_string()) : "";
  }
};

TEST_F(JsonBoundsTest, NestingBeyondTheDepthIs400NamingTheLimit) {
  // The body is one level, each array one more.
  EXPECT_EQ(chat(R"(,"vendor":[[[[[[[1]]]]]]])").status, 200);
  const auto response = chat(R"(,"vendor":[[[[[[[[1]]]]]]]])");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(field(response, "code"), "json_limit_exceeded");
  EXPECT_NE(field(response, "message").find("max_json_depth"), std::string::npos);
  EXPECT_EQ(upstream_.requests().size(), 1U);
}

TEST_F(JsonBoundsTest, AStringBeyondTheLimitIs400NamingWhereItIs) {
  EXPECT_EQ(chat("", std::string(32, 'x')).status, 200);
  const auto response = chat("", std::string(33, 'x'));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(field(response, "code"), "json_limit_exceeded");
  EXPECT_EQ(field(response, "param"), "messages[0].content");
  EXPECT_NE(field(response, "message").find("max_json_string_bytes"), std::string::npos);
}

// A number beyond a double was read as infinity and forwarded as "Infinity", which is not
// JSON.
TEST_F(JsonBoundsTest, ANumberTooLargeForADoubleIs400) {
  const auto response = chat(R"(,"vendor_knob":1e999)");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(field(response, "code"), "invalid_value");
  EXPECT_EQ(field(response, "param"), "vendor_knob");
  EXPECT_TRUE(upstream_.requests().empty());
}

}  // namespace
}  // namespace switchyard::testing
