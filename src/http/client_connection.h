// ClientConnection: one HTTP/1.1 connection to an upstream, plain TCP or TLS with certificate
// and host name verification. Used through ConnectionPool.
//
// Thread-safety: belongs to one I/O thread, like everything made from a worker's io_context.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/deadline.h"
#include "http/endpoint_cache.h"
#include "http/types.h"

namespace switchyard::http {

using Millis = std::chrono::milliseconds;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;

class ClientConnection {
 public:
  // `tls` is null for plain HTTP; otherwise it must outlive the connection.
  ClientConnection(net::io_context& io_context, net::ssl::context* tls, std::string host);

  // Connects to the first reachable endpoint and, for TLS, verifies the peer and handshakes.
  Awaitable<beast::error_code> connect(const Endpoints& endpoints, Millis timeout);

  // Sends a request: its head (start line and fields, ending in the blank line, with the
  // body's Content-Length among them) and its body, in one gathered write.
  Awaitable<beast::error_code> write(std::string_view head, std::string_view body, Millis timeout);
  Awaitable<beast::error_code> read_header(ResponseParser& parser, Millis timeout);
  // Reads the next piece of the body into the parser's buffer_body: everything already
  // received, or else what the next receive brings. Unlike Beast's read_some, which stops
  // after one chunk, it takes every chunk that has arrived, so stream events that came
  // together are relayed together.
  Awaitable<beast::error_code> read_some(ResponseParser& parser, Millis timeout);

  // Whether the peer has closed an idle connection (or sent bytes nobody asked for), so it
  // must not be reused. Non-blocking. Only connections idle for a while are probed: servers
  // close idle connections after seconds, and a connection that dies sooner is caught by
  // the caller's retry, so the hot path saves a syscall.
  bool is_stale();

  // Room for the body bytes a read_some hands over, kept with the connection so that a
  // request does not allocate it.
  std::span<char> body_space() { return {body_space_.get(), kBodySpace}; }

  // Records when the connection went back to the pool.
  void mark_idle() { idle_since_ = std::chrono::steady_clock::now(); }

  void close();

  // Set once the connection has carried a complete exchange; a failure on a reused
  // connection before any response byte is the upstream's idle close, safe to retry.
  bool reused = false;

 private:
  using PlainStream = tcp::socket;
  using TlsStream = beast::ssl_stream<tcp::socket>;

  tcp::socket& lowest_layer();
  // connect() without its deadline.
  Awaitable<beast::error_code> connect_and_handshake(const Endpoints& endpoints);
  // Parses what buffer_ holds into the parser's body until the body buffer is full, the
  // message ends or only part of a chunk's framing is left.
  beast::error_code parse_buffered(ResponseParser& parser);
  // One receive into buffer_, up to its free capacity.
  Awaitable<beast::error_code> receive();

  static constexpr std::size_t kBodySpace = 16 * 1024;

  std::variant<PlainStream, TlsStream> stream_;
  // Closes the socket when it runs out: a connection that timed out is never reused, and a
  // closed socket also stops a connect from going on to the next endpoint.
  Deadline deadline_;
  beast::flat_buffer buffer_;
  // Left uninitialized: every byte is written by the parser before it is read.
  std::unique_ptr<char[]> body_space_ = std::make_unique_for_overwrite<char[]>(kBodySpace);
  std::string host_;
  std::chrono::steady_clock::time_point idle_since_{};
};

}  // namespace switchyard::http
