// The HTTP front end's limits, gateway keys, health endpoints and graceful drain, over real
// sockets.
#include <future>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/hash.h"
#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
namespace beast = boost::beast;
using net::ip::tcp;
using std::chrono::milliseconds;

constexpr char kChat[] = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

std::string error_code(const TestResponse& response) {
  return std::string(json::parse(response.body).at("error").at("code").as_string());
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() { upstream_.start(); }

  std::unique_ptr<GatewayUnderTest> gateway(const std::string& server_extra,
                                            const std::string& extra = "") {
    std::string text = standard_config(upstream_.base_url(), extra);
    const std::string anchor = "io_threads = 2\n";
    text.insert(text.find(anchor) + anchor.size(), server_extra);
    return std::make_unique<GatewayUnderTest>(text);
  }

  // Sends a request for `model` in the background and returns once the upstream has it, so
  // the request is known to be in flight.
  std::future<TestResponse> start_request(std::uint16_t port, const std::string& model,
                                          bool stream) {
    const std::string body = R"({"model":")" + model + R"(","stream":)" +
                             (stream ? "true" : "false") +
                             R"(,"messages":[{"role":"user","content":"x"}]})";
    auto response = std::async(
        std::launch::async, [port, body] { return post_json(port, "/v1/chat/completions", body); });
    while (upstream_.requests().empty()) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return response;
  }

  FakeUpstream upstream_;
};

TEST_F(ServerTest, OversizedBodyIs413) {
  auto gw = gateway("max_body_bytes = 1024\n");
  const auto response =
      post_json(gw->port(), "/v1/chat/completions", std::string(4096, ' ') + kChat);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(error_code(response), "request_too_large");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  auto gw = gateway("max_header_bytes = 2048\n");
  const auto response = send_request(
      gw->port(), {.target = "/healthz", .headers = {{"x-big", std::string(4096, 'a')}}});
  EXPECT_EQ(response.status, 431);
}

TEST_F(ServerTest, SlowClientGets408WithinTheHeaderTimeout) {
  auto gw = gateway("header_timeout_ms = 300\n");
  const auto started = std::chrono::steady_clock::now();
  // Half a request line, then silence.
  const std::string reply =
      raw_exchange(gw->port(), "GET /healthz HTTP/1.1\r\nHo", milliseconds(3000));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_NE(reply.find("408"), std::string::npos) << reply;
  EXPECT_LT(waited, milliseconds(2000));
}

TEST_F(ServerTest, SlowBodyGets408WithinTheBodyTimeout) {
  auto gw = gateway("body_timeout_ms = 300\n");
  const std::string reply = raw_exchange(
      gw->port(),
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"model\"",
      milliseconds(3000));
  EXPECT_NE(reply.find("408"), std::string::npos) << reply;
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout) {
  auto gw = gateway("keepalive_timeout_ms = 300\n");
  const auto started = std::chrono::steady_clock::now();
  // One request on a kept-alive connection, then silence until the gateway closes it.
  const std::string reply =
      raw_exchange(gw->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", milliseconds(5000));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
  EXPECT_GE(waited, milliseconds(300));
  EXPECT_LT(waited, milliseconds(2000));
}

// A client that stops reading a long stream fills the socket buffers; the gateway's write then
// waits, and after write_timeout the gateway gives up on that client and goes on serving. The
// upstream echoes a 6 MiB message back in 64 KiB events, so the buffers fill within moments
// even in a slow build (the privacy guard is off: scanning the message would take longer).
TEST_F(ServerTest, ClientThatStopsReadingIsCutOffAfterTheWriteTimeout) {
  auto gw = gateway("write_timeout_ms = 300\n", R"(
[[models]]
name = "long"
provider = "fake"
upstream_model = "echo-65536"
capabilities = ["chat", "streaming"]

[privacy]
enabled = false
)");
  net::io_context io;
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.set_option(net::socket_base::receive_buffer_size(4096));
  socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), gw->port()));
  // Three text parts of 2 MiB (one string may hold at most 4 MiB), echoed joined.
  const std::string part = R"({"type":"text","text":")" + std::string(2 << 20, 'a') + R"("})";
  const std::string body = R"({"model":"long","stream":true,"messages":[{"role":"user",)"
                           R"("content":[)" +
                           part + "," + part + "," + part + "]}]}";
  net::write(socket, net::buffer("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Type: application/json\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body));

  // The request counts as in flight until the gateway gives up on the client. How soon the
  // buffers between them fill depends on how fast the build streams, so this waits for the
  // count rather than a fixed time; nothing is read meanwhile.
  const auto& state = gw->server().state();
  auto in_flight_becomes = [&](std::size_t count) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(45);
    while (state.in_flight.load() != count && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    return state.in_flight.load() == count;
  };
  ASSERT_TRUE(in_flight_becomes(1));
  ASSERT_TRUE(in_flight_becomes(0)) << "the gateway still waits on a client that reads nothing";

  // What is still buffered, then the end the gateway gave the connection.
  std::string received;
  beast::error_code ec;
  std::array<char, 65536> chunk{};
  while (!ec) {
    received.append(chunk.data(), socket.read_some(net::buffer(chunk), ec));
  }
  EXPECT_EQ(ec, net::error::eof);
  EXPECT_NE(received.find("data: {"), std::string::npos);
  EXPECT_EQ(received.find("[DONE]"), std::string::npos) << "the stream was not cut";
  EXPECT_EQ(send_request(gw->port(), {.target = "/healthz"}).status, 200);
}

TEST_F(ServerTest, MalformedHttpIs400) {
  auto gw = gateway("");
  const std::string reply = raw_exchange(gw->port(), "NOT HTTP AT ALL\r\n\r\n", milliseconds(2000));
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
}

TEST_F(ServerTest, RequestsBeyondTheInFlightLimitGet503WithRetryAfter) {
  auto gw = gateway("max_in_flight = 1\n");
  // Hold the one slot with a request the upstream delays.
  auto held = start_request(gw->port(), "slow-stream", true);
  const auto rejected = post_json(gw->port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(rejected.status, 503);
  EXPECT_EQ(rejected.header("retry-after"), "1");
  EXPECT_EQ(error_code(rejected), "overloaded");
  EXPECT_EQ(held.get().status, 200);
  EXPECT_EQ(post_json(gw->port(), "/v1/chat/completions", kChat).status, 200);
}

TEST_F(ServerTest, RequestsPastTheMemoryLimitGet503WithRetryAfter) {
  // Any process is past 1 MiB resident; none of these tests comes near 64 GiB.
  auto tight = gateway("max_memory_mb = 1\n");
  const auto refused = post_json(tight->port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(error_code(refused), "overloaded");
  EXPECT_NE(refused.body.find("memory limit"), std::string::npos);
  EXPECT_TRUE(upstream_.requests().empty());
  auto roomy = gateway("max_memory_mb = 65536\n");
  EXPECT_EQ(post_json(roomy->port(), "/v1/chat/completions", kChat).status, 200);
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitGet503) {
  auto gw = gateway("max_connections = 1\n");
  // The first connection stays open (idle keep-alive) while the second is refused.
  boost::asio::io_context io_context;
  boost::asio::ip::tcp::socket first(io_context);
  first.connect({boost::asio::ip::make_address("127.0.0.1"), gw->port()});
  std::this_thread::sleep_for(milliseconds(100));
  const std::string reply =
      raw_exchange(gw->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", milliseconds(2000));
  EXPECT_NE(reply.find("503"), std::string::npos) << reply;
  first.close();
}

TEST_F(ServerTest, KeysAreRequiredWhenConfigured) {
  const std::string digest = to_hex(sha256("second-key"));
  auto gw = gateway("",
                    "\n[[keys]]\nname = \"one\"\nkey = \"first-key\"\n\n[[keys]]\nname = "
                    "\"two\"\nsha256 = \"" +
                        digest + "\"\n");
  EXPECT_EQ(post_json(gw->port(), "/v1/chat/completions", kChat).status, 401);
  const auto wrong =
      post_json(gw->port(), "/v1/chat/completions", kChat, {{"authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(error_code(wrong), "invalid_api_key");
  EXPECT_EQ(
      post_json(gw->port(), "/v1/chat/completions", kChat, {{"authorization", "Bearer first-key"}})
          .status,
      200);
  EXPECT_EQ(
      post_json(gw->port(), "/v1/chat/completions", kChat, {{"authorization", "Bearer second-key"}})
          .status,
      200);
  // Health checks stay open for load balancers.
  EXPECT_EQ(send_request(gw->port(), {.target = "/healthz"}).status, 200);
}

TEST_F(ServerTest, HealthAndReadiness) {
  auto gw = gateway("");
  EXPECT_EQ(send_request(gw->port(), {.target = "/healthz"}).status, 200);
  EXPECT_EQ(send_request(gw->port(), {.target = "/readyz"}).status, 200);
  EXPECT_EQ(send_request(gw->port(), {.target = "/nowhere"}).status, 404);
  EXPECT_EQ(send_request(gw->port(), {.target = "/v1/chat/completions"}).status, 405);
}

TEST_F(ServerTest, DrainLetsRunningStreamsFinishAndRefusesNewConnections) {
  auto gw = gateway("drain_timeout_ms = 5000\n");
  auto stream = start_request(gw->port(), "slow-stream", true);
  const std::uint16_t port = gw->port();
  auto drained = std::async(std::launch::async, [&] { gw->server().drain_and_stop(); });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_THROW(send_request(port, {.target = "/healthz"}), std::exception);

  const auto response = stream.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(sse_data(response.body).back(), "[DONE]");
  drained.get();
}

TEST_F(ServerTest, DrainTimeoutCutsStreamsThatRunTooLong) {
  auto gw = gateway("drain_timeout_ms = 200\n");
  auto stream = start_request(gw->port(), "hang", false);
  const auto started = std::chrono::steady_clock::now();
  gw->server().drain_and_stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1500));
  EXPECT_ANY_THROW(stream.get());
}

}  // namespace
}  // namespace switchyard::testing
