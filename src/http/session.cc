#include "http/session.h"

#include <algorithm>
#include <array>
#include <iterator>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <fmt/format.h>

#include "common/log.h"
#include "common/request_id.h"
#include "http/request_hygiene.h"
#include "http/worker.h"

namespace switchyard::http {
namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Frames one chunk of a chunked body: its size in hex, the data, and the CRLFs around it.
void append_chunk(std::string& out, std::string_view data) {
  fmt::format_to(std::back_inserter(out), "{:x}\r\n", data.size());
  out.append(data);
  out.append("\r\n");
}

// Closing a connection is how a stream, a timeout or a drain ends; the errors that follow
// from it are expected and not worth a log line.
bool is_disconnect(const beast::error_code& ec) {
  return ec == net::error::eof || ec == bhttp::error::end_of_stream ||
         ec == net::error::connection_reset || ec == net::error::operation_aborted ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor;
}

// Gives the parser what the buffer already holds: the header, or once it is parsed (and the
// parser is eager) as much of the body as has arrived. Returns the bytes consumed. The error
// is the parser's; need_more only says that the rest is still to come, and is cleared.
std::size_t parse_buffered(RequestParser& parser, beast::flat_buffer& buffer,
                           beast::error_code& ec) {
  std::size_t consumed = 0;
  while (buffer.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    consumed += used;
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec || used == 0 || !parser.is_header_done() || !parser.eager()) {
      break;
    }
  }
  return consumed;
}

// Keeps ServerState::in_flight exact on every path out of a request: the count ends at the
// response's last write (Session::end_in_flight) or, at the latest, here.
class InFlightSlot {
 public:
  InFlightSlot(std::atomic<std::size_t>& counter, bool& in_flight)
      : counter_(counter), in_flight_(in_flight) {
    counter_.fetch_add(1, std::memory_order_relaxed);
    in_flight_ = true;
  }
  ~InFlightSlot() {
    if (in_flight_) {
      counter_.fetch_sub(1, std::memory_order_relaxed);
      in_flight_ = false;
    }
  }
  InFlightSlot(const InFlightSlot&) = delete;
  InFlightSlot& operator=(const InFlightSlot&) = delete;

 private:
  std::atomic<std::size_t>& counter_;
  bool& in_flight_;
};

}  // namespace

Session::Session(tcp::socket socket, Worker& worker)
    : socket_(std::move(socket)),
      deadline_(worker.io_context(), socket_, Deadline::OnExpiry::kCancel),
      buffer_(read_buffer_limit(worker.config())),
      worker_(worker) {
  worker_.state().open_connections.fetch_add(1, std::memory_order_relaxed);
  worker_.add_session(this);
}

Session::~Session() {
  worker_.remove_session(this);
  worker_.state().open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Session::on_drain() {
  if (idle_) {
    beast::error_code ignored;
    socket_.cancel(ignored);
  }
}

Awaitable<void> Session::run() {
  const auto& config = worker_.config();
  if (worker_.state().open_connections.load(std::memory_order_relaxed) > config.max_connections) {
    const ErrorInfo error{.status = bhttp::status::service_unavailable,
                          .message = "the gateway has reached its connection limit",
                          .type = "server_error",
                          .code = "overloaded",
                          .retry_after = "1"};
    co_await write_error(error);
  } else {
    // Plain statements rather than `co_await a() && co_await b()`: GCC 12 miscompiles
    // co_await inside short-circuit operators.
    while (true) {
      if (!co_await wait_for_request()) {
        break;
      }
      if (!co_await read_and_serve()) {
        break;
      }
    }
  }
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  socket_.close(ignored);
}

// Waits for the first byte of the next request under the keep-alive timeout, so that the
// header timeout below measures only how long the client takes to send its headers.
Awaitable<bool> Session::wait_for_request() {
  if (buffer_.size() > 0) {
    co_return true;
  }
  if (worker_.state().draining.load(std::memory_order_relaxed)) {
    co_return false;
  }
  idle_ = true;
  deadline_.arm(worker_.config().keepalive_timeout);
  const std::size_t room = std::min(kReadChunk, buffer_.max_size());
  auto [ec, bytes] = co_await socket_.async_read_some(buffer_.prepare(room), kUseTuple);
  idle_ = false;
  if (deadline_.settle(ec)) {
    co_return false;
  }
  buffer_.commit(bytes);
  co_return true;
}

Awaitable<bool> Session::read_and_serve() {
  const auto& config = worker_.config();
  RequestParser parser;
  apply_limits(parser, config);

  // Most requests arrive whole with their first bytes; those are parsed where they lie, and
  // only the rest of one that has not is read under its deadline.
  beast::error_code ec;
  std::size_t header_bytes = parse_buffered(parser, buffer_, ec);
  if (!ec && !parser.is_header_done()) {
    const auto read = co_await with_deadline(config.header_timeout, [&] {
      return bhttp::async_read_header(socket_, buffer_, parser, kUseTuple);
    });
    ec = read.first;
    header_bytes += read.second;  // the parser may have taken the start line already
  }
  if (ec) {
    co_await reject(ec);
    co_return false;
  }
  // Before any byte of the body is read (or asked for with 100 Continue): a request whose
  // framing is in doubt is refused, and the connection with it.
  if (const auto problem = check_request_header(parser.get(), header_bytes, config)) {
    log::get("http")->debug("refused a request: {}", problem->message);
    co_await write_error(*problem);
    co_return false;
  }
  if (const auto expect = parser.get()[bhttp::field::expect];
      beast::iequals(expect, "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    deadline_.arm(config.write_timeout);
    auto [write_ec, written] =
        co_await net::async_write(socket_, net::buffer(kContinue), kUseTuple);
    if (deadline_.settle(write_ec)) {
      co_return false;
    }
  }

  parser.eager(true);
  beast::error_code body_ec;
  parse_buffered(parser, buffer_, body_ec);
  if (!body_ec && !parser.is_done()) {
    const auto read = co_await with_deadline(config.body_timeout, [&] {
      return bhttp::async_read(socket_, buffer_, parser, kUseTuple);
    });
    body_ec = read.first;
  }
  if (body_ec) {
    co_await reject(body_ec);
    co_return false;
  }
  Request request = parser.release();
  co_return co_await serve(request);
}

// Runs a read under a limit. Returns the read's error (timeout if the limit ran out) and the
// bytes the parser consumed.
template <class ReadOp>
Awaitable<std::pair<beast::error_code, std::size_t>> Session::with_deadline(
    std::chrono::milliseconds limit, ReadOp read) {
  deadline_.arm(limit);
  auto [ec, bytes] = co_await read();
  const std::pair outcome{deadline_.settle(ec), bytes};
  co_return outcome;
}

Awaitable<bool> Session::serve(Request& request) {
  auto& state = worker_.state();
  const InFlightSlot slot(state.in_flight, in_flight_);
  std::string request_id;
  if (const auto given = request[kRequestIdHeader];
      is_acceptable_request_id(std::string_view(given.data(), given.size()))) {
    request_id.assign(given.data(), given.size());
  } else {
    request_id = make_request_id();
  }
  Exchange exchange(*this, request, std::move(request_id));

  const auto& config = worker_.config();
  const bool too_many = state.in_flight.load(std::memory_order_relaxed) > config.max_in_flight;
  const bool too_big =
      config.max_memory_bytes != 0 &&
      state.resident_bytes.load(std::memory_order_relaxed) > config.max_memory_bytes;
  if (too_many || too_big) {
    const ErrorInfo error{
        .status = bhttp::status::service_unavailable,
        .message = too_many ? "the gateway is at its limit of requests in flight; retry shortly"
                            : "the gateway is at its memory limit; retry shortly",
        .type = "server_error",
        .code = "overloaded",
        .retry_after = "1"};
    co_await exchange.respond(make_error_response(error));
    co_return !exchange.client_gone() && keep_alive_after(request);
  }

  try {
    co_await worker_.handler().handle(exchange);
  } catch (const std::exception& error) {
    // A handler is expected to answer every failure itself; reaching this is a bug, so it is
    // logged loudly and answered as an internal error rather than dropping the connection.
    log::get("http")->error("handler failed on request {}: {}", exchange.request_id(),
                            error.what());
  }
  if (!exchange.responded()) {
    const ErrorInfo error{.status = bhttp::status::internal_server_error,
                          .message = "internal error while handling the request",
                          .type = "server_error"};
    co_await exchange.respond(make_error_response(error));
  }
  co_return !exchange.client_gone() && keep_alive_after(request);
}

void Session::end_in_flight() {
  if (in_flight_) {
    worker_.state().in_flight.fetch_sub(1, std::memory_order_relaxed);
    in_flight_ = false;
  }
}

bool Session::keep_alive_after(const Request& request) const {
  return request.keep_alive() && !worker_.state().draining.load(std::memory_order_relaxed);
}

// Answers a request that could not be read. Timeouts and oversized requests get a clear
// error so that the client knows which limit it hit; a vanished client gets nothing.
Awaitable<void> Session::reject(beast::error_code ec) {
  if (is_disconnect(ec)) {
    co_return;
  }
  log::get("http")->debug("rejected an unreadable request: {}", ec.message());
  const ErrorInfo error = read_error(ec, worker_.config());
  co_await write_error(error);
}

Awaitable<bool> Session::write_error(const ErrorInfo& error) {
  Response response = make_error_response(error);
  response.set(kRequestIdHeader, make_request_id());
  response.keep_alive(false);
  response.prepare_payload();
  deadline_.arm(worker_.config().write_timeout);
  auto [ec, bytes] = co_await bhttp::async_write(socket_, response, kUseTuple);
  co_return !deadline_.settle(ec);
}

// ---------------------------------------------------------------------------------------------
// Exchange: writes go straight to the session's stream; each write has its own deadline so a
// client that stops reading cannot hold the connection forever.

Awaitable<bool> Exchange::respond(ResponseHead head, std::string body) {
  responded_ = true;
  head.add(kRequestIdHeader, request_id_);
  const std::string wire_head =
      std::move(head).finish_sized(body.size(), session_.keep_alive_after(request_));
  session_.end_in_flight();
  session_.deadline_.arm(session_.worker_.config().write_timeout);
  const std::array<net::const_buffer, 2> wire{net::buffer(wire_head), net::buffer(body)};
  auto [write_ec, bytes] = co_await net::async_write(session_.socket_, wire, kUseTuple);
  const beast::error_code ec = session_.deadline_.settle(write_ec);
  client_gone_ = client_gone_ || static_cast<bool>(ec);
  co_return !ec;
}

Awaitable<bool> Exchange::respond(Response response) {
  ResponseHead head = ResponseHead::from(response.base());
  co_return co_await respond(std::move(head), std::move(response.body()));
}

void Exchange::start_stream(ResponseHead head) {
  responded_ = true;
  head.add(kRequestIdHeader, request_id_);
  // The header waits in wire_ for the stream's first write.
  wire_ = std::move(head).finish_chunked(session_.keep_alive_after(request_));
}

Awaitable<bool> Exchange::write_chunk(std::string_view data) {
  if (client_gone_) {
    co_return false;
  }
  if (data.empty()) {
    co_return true;  // a zero-length chunk would end the stream
  }
  append_chunk(wire_, data);
  co_return co_await write_stream_bytes();
}

Awaitable<bool> Exchange::finish_stream(std::string_view last) {
  if (client_gone_) {
    co_return false;
  }
  if (!last.empty()) {
    append_chunk(wire_, last);
  }
  wire_.append(kLastChunk);
  session_.end_in_flight();
  co_return co_await write_stream_bytes();
}

Awaitable<bool> Exchange::write_stream_bytes() {
  session_.deadline_.arm(session_.worker_.config().write_timeout);
  auto [write_ec, bytes] =
      co_await net::async_write(session_.socket_, net::buffer(wire_), kUseTuple);
  const beast::error_code ec = session_.deadline_.settle(write_ec);
  wire_.clear();
  client_gone_ = static_cast<bool>(ec);
  co_return !ec;
}

}  // namespace switchyard::http
