// ClientConnection::read_some against a loopback server that controls how the bytes of a
// response are split into sends: chunks that arrive together come back as one piece, and
// framing split anywhere still yields the whole body.
#include "http/client_connection.h"

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

using namespace std::chrono_literals;

constexpr Millis kTimeout{2000};

// Accepts one connection, reads one request head, then writes each of `sends` as its own
// send, `pause` apart, and closes the connection.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> sends, std::chrono::milliseconds pause = 20ms)
      : acceptor_(io_, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {
    thread_ = std::thread([this, sends = std::move(sends), pause] {
      beast::error_code ec;
      tcp::socket socket = acceptor_.accept(ec);
      std::string request;
      net::read_until(socket, net::dynamic_buffer(request), "\r\n\r\n", ec);
      for (const std::string& piece : sends) {
        net::write(socket, net::buffer(piece), ec);
        std::this_thread::sleep_for(pause);
      }
      socket.shutdown(tcp::socket::shutdown_send, ec);
    });
  }
  // Connects once itself, so that a server whose client never came is not left waiting.
  ~ScriptedServer() {
    tcp::socket unblock(io_);
    beast::error_code ignored;
    unblock.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  Endpoints endpoints() const { return {acceptor_.local_endpoint()}; }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// What the client saw: the body pieces read_some returned, in order, and how it ended.
struct Reading {
  std::vector<std::string> pieces;
  beast::error_code error;
  bool done = false;
};

// Takes the endpoints by value: the coroutine outlives the caller's expression.
Awaitable<Reading> read_response(net::io_context& io, Endpoints endpoints) {
  Reading reading;
  ClientConnection connection(io, nullptr, "127.0.0.1");
  reading.error = co_await connection.connect(endpoints, kTimeout);
  const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n";
  if (!reading.error) {
    reading.error = co_await connection.write(head, "{}", kTimeout);
  }
  ResponseParser parser;
  if (!reading.error) {
    reading.error = co_await connection.read_header(parser, kTimeout);
  }
  std::array<char, 4096> buffer{};
  while (!reading.error && !parser.is_done()) {
    parser.get().body().data = buffer.data();
    parser.get().body().size = buffer.size();
    reading.error = co_await connection.read_some(parser, kTimeout);
    const std::size_t got = buffer.size() - parser.get().body().size;
    if (got > 0) {
      reading.pieces.emplace_back(buffer.data(), got);
    }
  }
  reading.done = parser.is_done();
  co_return reading;
}

Reading run_against(const std::vector<std::string>& sends) {
  ScriptedServer server(sends);
  net::io_context io;
  auto future = net::co_spawn(io, read_response(io, server.endpoints()), net::use_future);
  io.run();
  return future.get();
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string all;
  for (const std::string& piece : pieces) {
    all += piece;
  }
  return all;
}

constexpr char kChunkedHead[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(ClientConnectionTest, ChunksThatArriveTogetherAreReadAsOnePiece) {
  const Reading reading = run_against(
      {std::string(kChunkedHead), "5\r\nfirst\r\n6\r\nsecond\r\n5\r\nthird\r\n", "0\r\n\r\n"});
  ASSERT_FALSE(reading.error) << reading.error.message();
  EXPECT_TRUE(reading.done);
  ASSERT_FALSE(reading.pieces.empty());
  EXPECT_EQ(reading.pieces.front(), "firstsecondthird");
}

TEST(ClientConnectionTest, ChunksThatArriveApartAreReadAsTheyArrive) {
  const Reading reading =
      run_against({std::string(kChunkedHead) + "5\r\nfirst\r\n", "6\r\nsecond\r\n", "0\r\n\r\n"});
  ASSERT_FALSE(reading.error) << reading.error.message();
  EXPECT_EQ(reading.pieces, (std::vector<std::string>{"first", "second"}));
}

TEST(ClientConnectionTest, FramingSplitAnywhereStillYieldsTheWholeBody) {
  // Splits inside a chunk-size line, between a size and its CRLF, and inside a chunk's data.
  const Reading reading = run_against({std::string(kChunkedHead) + "1", "0\r", "\nabcdefgh",
                                       "ijklmnop\r\n3\r\nxyz\r", "\n0\r\n\r\n"});
  ASSERT_FALSE(reading.error) << reading.error.message();
  EXPECT_TRUE(reading.done);
  EXPECT_EQ(joined(reading.pieces), "abcdefghijklmnopxyz");
}

TEST(ClientConnectionTest, ABodyLargerThanTheBufferComesInSeveralPieces) {
  const std::string body(10000, 'x');
  const Reading reading = run_against(
      {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body});
  ASSERT_FALSE(reading.error) << reading.error.message();
  EXPECT_TRUE(reading.done);
  EXPECT_GE(reading.pieces.size(), 3u);  // the reader's buffer holds 4,096 bytes
  EXPECT_EQ(joined(reading.pieces), body);
}

TEST(ClientConnectionTest, ABodyThatRunsToTheCloseEndsThere) {
  const Reading reading = run_against({"HTTP/1.1 200 OK\r\n\r\nuntil", " the end"});
  ASSERT_FALSE(reading.error) << reading.error.message();
  EXPECT_TRUE(reading.done);
  EXPECT_EQ(joined(reading.pieces), "until the end");
}

TEST(ClientConnectionTest, AConnectionClosedMidChunkIsAnError) {
  const Reading reading = run_against({std::string(kChunkedHead) + "a\r\nhalf"});
  EXPECT_EQ(reading.error, bhttp::error::partial_message);
  EXPECT_FALSE(reading.done);
}

}  // namespace
}  // namespace switchyard::http
