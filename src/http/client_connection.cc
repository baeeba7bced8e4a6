#include "http/client_connection.h"

#include <algorithm>
#include <array>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>

namespace switchyard::http {
namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadCapacity = 16 * 1024;
// A receive always has at least this much room, so a partial chunk header left in a full
// buffer still gets its next bytes.
constexpr std::size_t kMinReceive = 512;

using Stream = std::variant<tcp::socket, beast::ssl_stream<tcp::socket>>;

Stream make_stream(net::io_context& io_context, net::ssl::context* tls) {
  if (tls == nullptr) {
    return Stream(std::in_place_index<0>, io_context);
  }
  return Stream(std::in_place_index<1>, io_context, *tls);
}

}  // namespace

ClientConnection::ClientConnection(net::io_context& io_context, net::ssl::context* tls,
                                   std::string host)
    : stream_(make_stream(io_context, tls)),
      deadline_(io_context, lowest_layer(), Deadline::OnExpiry::kClose),
      host_(std::move(host)) {
  // Beast reads into the buffer's free capacity, at least 512 bytes; without room reserved
  // every answer of a few kilobytes would take one receive per 512 bytes.
  buffer_.reserve(kReadCapacity);
}

tcp::socket& ClientConnection::lowest_layer() {
  return std::visit([](auto& stream) -> tcp::socket& { return beast::get_lowest_layer(stream); },
                    stream_);
}

Awaitable<beast::error_code> ClientConnection::connect(const Endpoints& endpoints, Millis timeout) {
  deadline_.arm(timeout);
  const beast::error_code ec = co_await connect_and_handshake(endpoints);
  co_return deadline_.settle(ec);
}

Awaitable<beast::error_code> ClientConnection::connect_and_handshake(const Endpoints& endpoints) {
  auto& socket = lowest_layer();
  auto [ec, endpoint] = co_await net::async_connect(socket, endpoints, kUseTuple);
  if (ec) {
    co_return ec;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    // SNI, so that virtual hosts present the right certificate, then verification of the
    // certificate chain and of the host name against it.
    if (SSL_set_tlsext_host_name(tls->native_handle(), host_.c_str()) != 1) {
      co_return beast::error_code(static_cast<int>(::ERR_get_error()),
                                  net::error::get_ssl_category());
    }
    tls->set_verify_mode(net::ssl::verify_peer);
    tls->set_verify_callback(net::ssl::host_name_verification(host_));
    auto [handshake_ec] = co_await tls->async_handshake(net::ssl::stream_base::client, kUseTuple);
    if (handshake_ec) {
      co_return handshake_ec;
    }
  }
  co_return beast::error_code{};
}

Awaitable<beast::error_code> ClientConnection::write(std::string_view head, std::string_view body,
                                                     Millis timeout) {
  const std::array<net::const_buffer, 2> wire{net::buffer(head), net::buffer(body)};
  deadline_.arm(timeout);
  const beast::error_code ec = co_await std::visit(
      [&](auto& stream) -> Awaitable<beast::error_code> {
        auto [write_ec, bytes] = co_await net::async_write(stream, wire, kUseTuple);
        co_return write_ec;
      },
      stream_);
  co_return deadline_.settle(ec);
}

Awaitable<beast::error_code> ClientConnection::read_header(ResponseParser& parser, Millis timeout) {
  deadline_.arm(timeout);
  const beast::error_code ec = co_await std::visit(
      [&](auto& stream) -> Awaitable<beast::error_code> {
        auto [read_ec, bytes] =
            co_await bhttp::async_read_header(stream, buffer_, parser, kUseTuple);
        co_return read_ec;
      },
      stream_);
  co_return deadline_.settle(ec);
}

beast::error_code ClientConnection::parse_buffered(ResponseParser& parser) {
  beast::error_code ec;
  while (buffer_.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec || used == 0) {
      break;
    }
  }
  // need_more: the rest of the buffer is a partial chunk header; need_buffer: the body
  // buffer is full. Both end a piece, not the message.
  if (ec == bhttp::error::need_more || ec == bhttp::error::need_buffer) {
    ec = {};
  }
  return ec;
}

Awaitable<beast::error_code> ClientConnection::receive() {
  const std::size_t room = std::max(kReadCapacity, buffer_.size() + kMinReceive) - buffer_.size();
  const auto space = buffer_.prepare(room);
  auto [read_ec, bytes] = co_await std::visit(
      [&](auto& stream) { return stream.async_read_some(space, kUseTuple); }, stream_);
  buffer_.commit(bytes);
  co_return read_ec;
}

Awaitable<beast::error_code> ClientConnection::read_some(ResponseParser& parser, Millis timeout) {
  const std::size_t room = parser.get().body().size;
  bool armed = false;  // only a receive needs the limit; what is buffered is handed over now
  beast::error_code ec;
  while (true) {
    ec = parse_buffered(parser);
    if (ec || parser.is_done() || parser.get().body().size < room) {
      break;
    }
    if (!armed) {
      deadline_.arm(timeout);
      armed = true;
    }
    ec = co_await receive();
    if (ec == net::error::eof) {
      // A body that runs to the end of the connection ends here; any other is cut short.
      ec = {};
      parser.put_eof(ec);
      break;
    }
    if (ec) {
      break;
    }
  }
  co_return armed ? deadline_.settle(ec) : ec;
}

bool ClientConnection::is_stale() {
  constexpr auto kProbeAfterIdle = std::chrono::milliseconds(500);
  if (buffer_.size() > 0) {
    return true;
  }
  if (std::chrono::steady_clock::now() - idle_since_ < kProbeAfterIdle) {
    return false;
  }
  auto& socket = lowest_layer();
  if (!socket.is_open()) {
    return true;
  }
  char byte = 0;
  const ssize_t got = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (got == 0) {
    return true;  // orderly close by the peer
  }
  return got > 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

void ClientConnection::close() {
  beast::error_code ignored;
  lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  lowest_layer().close(ignored);
}

}  // namespace switchyard::http
