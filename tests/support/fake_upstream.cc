#include "support/fake_upstream.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include "support/fake_responder.h"

namespace switchyard::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using fake::Answer;
using fake::Fault;
using Request = http::request<http::string_body>;

// Clients hang up at any moment, so I/O errors are expected: every await returns them as a
// value instead of throwing.
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr uint64_t kMaxBodyBytes = uint64_t{64} * 1024 * 1024;
constexpr uint32_t kAcceptRetryMs = 10;

// What every connection shares. It outlives them all: stop() destroys the io_contexts, and with
// them every connection, before the Impl that owns this goes away.
struct Shared {
  explicit Shared(const FakeUpstreamOptions& options)
      : responder(options.api_key, options.reply), record(options.record) {}

  fake::Responder responder;
  bool record;
  std::optional<ssl::context> tls;  // set by start() when serving HTTPS, read-only while running
  mutable std::mutex mutex;
  std::vector<RecordedRequest> requests;  // guarded by mutex
  std::atomic<int> open_connections{0};
};

// How the response must be framed, taken from the request before it is moved away.
struct Framing {
  unsigned version;
  bool keep_alive;
};

void record(Shared& shared, Request&& request) {
  if (!shared.record) {
    return;
  }
  RecordedRequest recorded{.method = std::string(request.method_string()),
                           .target = std::string(request.target()),
                           .headers = {},
                           .body = std::move(request.body())};
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = recorded.headers.try_emplace(std::move(name), field.value());
    if (!inserted) {
      it->second.append(", ").append(field.value());
    }
  }
  std::lock_guard lock(shared.mutex);
  shared.requests.push_back(std::move(recorded));
}

fake::RequestView view_of(const Request& request) {
  return {.method = request.method_string(),
          .target = request.target(),
          .authorization = request[http::field::authorization],
          .body = request.body()};
}

net::awaitable<void> sleep_ms(uint32_t ms) {
  net::steady_timer timer(co_await net::this_coro::executor, std::chrono::milliseconds(ms));
  co_await timer.async_wait(kNoThrow);
}

// Reads one request; nothing when the client hung up or sent something unparseable.
template <class Stream>
net::awaitable<std::optional<Request>> read_request(Stream& stream, beast::flat_buffer& buffer) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxBodyBytes);
  auto [ec, bytes] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);

  // curl and others wait for this before sending a large body.
  if (!ec && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
    std::tie(ec, bytes) = co_await http::async_write(stream, go_on, kNoThrow);
  }
  if (!ec) {
    std::tie(ec, bytes) = co_await http::async_read(stream, buffer, parser, kNoThrow);
  }
  if (ec) {
    co_return std::nullopt;
  }
  co_return parser.release();
}

// Discards whatever the client sends until it closes the connection or the server stops.
template <class Stream>
net::awaitable<void> wait_for_close(Stream& stream) {
  std::array<char, 1024> sink{};
  for (;;) {
    auto [ec, bytes] = co_await stream.async_read_some(net::buffer(sink), kNoThrow);
    if (ec) {
      co_return;
    }
  }
}

template <class Stream>
net::awaitable<bool> write_body(Stream& stream, Answer& answer, Framing framing) {
  http::response<http::string_body> response;
  response.result(answer.status);
  response.version(framing.version);
  response.set(http::field::content_type, "application/json");
  if (answer.retry_after) {
    response.set(http::field::retry_after, std::to_string(*answer.retry_after));
  }
  response.keep_alive(framing.keep_alive);
  response.body() = std::move(answer.body);
  response.prepare_payload();

  auto [ec, bytes] = co_await http::async_write(stream, response, kNoThrow);
  co_return !ec;
}

// Writes the events as one HTTP chunk each so that a client sees them arrive separately.
// Returns the number written, or nothing on a write error.
template <class Stream>
net::awaitable<std::optional<size_t>> write_events(Stream& stream, const Answer& answer,
                                                   size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (i > 0 && answer.fault.chunk_delay_ms > 0) {
      co_await sleep_ms(answer.fault.chunk_delay_ms);
    }
    if (answer.fault.stall_after && i == *answer.fault.stall_after) {
      co_await sleep_ms(answer.fault.stall_ms);
    }
    auto [ec, bytes] = co_await net::async_write(
        stream, http::make_chunk(net::buffer(answer.events[i])), kNoThrow);
    if (ec) {
      co_return std::nullopt;
    }
  }
  co_return count;
}

template <class Stream>
net::awaitable<bool> write_stream(Stream& stream, const Answer& answer, Framing framing) {
  http::response<http::empty_body> response{http::status::ok, framing.version};
  response.set(http::field::content_type, "text/event-stream");
  response.set(http::field::cache_control, "no-cache");
  response.keep_alive(framing.keep_alive);
  response.chunked(true);
  http::response_serializer<http::empty_body> serializer{response};
  auto [ec, bytes] = co_await http::async_write_header(stream, serializer, kNoThrow);
  if (ec) {
    co_return false;
  }

  const bool cut = answer.fault.stream_cut.has_value();
  const size_t count =
      cut ? std::min<size_t>(answer.events.size(), *answer.fault.stream_cut + size_t{1})
          : answer.events.size();
  if (!co_await write_events(stream, answer, count)) {
    co_return false;
  }
  if (cut) {
    // No terminating chunk: the client must see a truncated body, as when an upstream dies.
    beast::get_lowest_layer(stream).close(ec);
    co_return false;
  }
  if (answer.fault.end_delay_ms > 0) {
    co_await sleep_ms(answer.fault.end_delay_ms);
  }
  std::tie(ec, bytes) = co_await net::async_write(stream, http::make_chunk_last(), kNoThrow);
  co_return !ec;
}

// Sends the answer, applying its timing fault. Returns whether the connection may be reused.
template <class Stream>
net::awaitable<bool> deliver(Stream& stream, Answer answer, Framing framing) {
  if (answer.fault.hang) {
    co_await wait_for_close(stream);
    co_return false;
  }
  if (answer.fault.delay_ms > 0) {
    co_await sleep_ms(answer.fault.delay_ms);
  }
  if (answer.fault.reset) {
    // A zero linger time makes close() send RST instead of FIN, as a crashing server does.
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(stream);
    socket.set_option(net::socket_base::linger(true, 0), ec);
    socket.close(ec);
    co_return false;
  }
  if (answer.streaming) {
    co_return co_await write_stream(stream, answer, framing);
  }
  co_return co_await write_body(stream, answer, framing);
}

template <class Stream>
net::awaitable<void> serve_requests(Stream& stream, Shared& shared) {
  beast::flat_buffer buffer;
  for (;;) {
    std::optional<Request> request = co_await read_request(stream, buffer);
    if (!request) {
      co_return;
    }
    const Framing framing{request->version(), request->keep_alive()};
    Answer answer = shared.responder.answer(view_of(*request));
    record(shared, std::move(*request));
    if (!co_await deliver(stream, std::move(answer), framing) || !framing.keep_alive) {
      co_return;
    }
  }
}

net::awaitable<void> serve_plain(tcp::socket socket, Shared& shared) {
  co_await serve_requests(socket, shared);
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> serve_tls(tcp::socket socket, Shared& shared) {
  ssl::stream<tcp::socket> stream(std::move(socket), *shared.tls);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
  if (!ec) {
    co_await serve_requests(stream, shared);
  }
}

void spawn_connection(tcp::socket socket, Shared& shared) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto executor = socket.get_executor();
  auto connection =
      shared.tls ? serve_tls(std::move(socket), shared) : serve_plain(std::move(socket), shared);
  // Something unexpected (say, bad_alloc) drops that one connection instead of escaping
  // io_context::run() and ending the process.
  shared.open_connections.fetch_add(1);
  net::co_spawn(executor, std::move(connection),
                [&shared](const std::exception_ptr&) { shared.open_connections.fetch_sub(1); });
}

// Accepts on the first context and hands connections to all of them in turn.
net::awaitable<void> accept_connections(tcp::acceptor acceptor,
                                        std::vector<net::io_context*> contexts, Shared& shared) {
  for (size_t next = 0;; next = (next + 1) % contexts.size()) {
    tcp::socket socket(*contexts[next]);
    auto [ec] = co_await acceptor.async_accept(socket, kNoThrow);
    if (ec == net::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Typically out of file descriptors: back off instead of spinning.
      co_await sleep_ms(kAcceptRetryMs);
      continue;
    }
    spawn_connection(std::move(socket), shared);
  }
}

tcp::acceptor bind_listener(net::io_context& context, const FakeUpstreamOptions& options) {
  tcp::resolver resolver(context);
  const tcp::endpoint endpoint =
      resolver
          .resolve(options.host, std::to_string(options.port),
                   tcp::resolver::passive | tcp::resolver::numeric_service)
          .begin()
          ->endpoint();
  tcp::acceptor acceptor(context);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  return acceptor;
}

std::optional<ssl::context> make_tls_context(const FakeUpstreamOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    throw std::invalid_argument(
        "FakeUpstream: set both tls_cert_file and tls_key_file, or neither");
  }
  if (options.tls_cert_file.empty()) {
    return std::nullopt;
  }
  ssl::context context(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3);
  context.use_certificate_chain_file(options.tls_cert_file);
  context.use_private_key_file(options.tls_key_file, ssl::context::pem);
  return context;
}

}  // namespace

// One io_context per thread, so connections never contend on a shared scheduler; the
// listener lives on the first one.
class FakeUpstream::Impl {
 public:
  explicit Impl(FakeUpstreamOptions options) : options_(std::move(options)), shared_(options_) {}
  ~Impl() { stop(); }

  void start();
  void stop();
  uint16_t port() const { return port_; }
  const FakeUpstreamOptions& options() const { return options_; }
  Shared& shared() { return shared_; }

 private:
  void release_contexts();

  FakeUpstreamOptions options_;
  Shared shared_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

void FakeUpstream::Impl::start() {
  if (!contexts_.empty()) {
    throw std::logic_error("FakeUpstream: already running");
  }
  shared_.tls = make_tls_context(options_);

  std::vector<net::io_context*> contexts;
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    contexts_.push_back(std::make_unique<net::io_context>(1));
    guards_.push_back(net::make_work_guard(*contexts_.back()));
    contexts.push_back(contexts_.back().get());
  }
  std::optional<tcp::acceptor> acceptor;
  try {
    acceptor.emplace(bind_listener(*contexts.front(), options_));
  } catch (...) {
    release_contexts();
    throw;
  }
  port_ = acceptor->local_endpoint().port();

  net::co_spawn(*contexts_.front(),
                accept_connections(std::move(*acceptor), std::move(contexts), shared_),
                [](const std::exception_ptr&) {});
  for (auto& context : contexts_) {
    threads_.emplace_back([io = context.get()] { io->run(); });
  }
}

void FakeUpstream::Impl::stop() {
  for (auto& context : contexts_) {
    context->stop();
  }
  for (std::thread& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  release_contexts();
}

// Destroying an io_context destroys the coroutines suspended on it, which closes their sockets;
// that is what ends hanging connections. The first context goes first because its accept
// operation holds a socket that belongs to another context.
void FakeUpstream::Impl::release_contexts() {
  guards_.clear();
  for (auto& context : contexts_) {
    context.reset();
  }
  contexts_.clear();
}

FakeUpstream::FakeUpstream(FakeUpstreamOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeUpstream::~FakeUpstream() = default;

void FakeUpstream::start() {
  impl_->start();
}

void FakeUpstream::stop() {
  impl_->stop();
}

uint16_t FakeUpstream::port() const {
  return impl_->port();
}

std::string FakeUpstream::base_url() const {
  const std::string& host = impl_->options().host;
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string url = impl_->options().tls_cert_file.empty() ? "http://" : "https://";
  url.append(ipv6 ? "[" + host + "]" : host).append(":").append(std::to_string(port()));
  return url.append("/v1");
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  Shared& shared = impl_->shared();
  std::lock_guard lock(shared.mutex);
  return shared.requests;
}

void FakeUpstream::clear_requests() {
  Shared& shared = impl_->shared();
  std::lock_guard lock(shared.mutex);
  shared.requests.clear();
}

int FakeUpstream::open_connections() const {
  return impl_->shared().open_connections.load();
}

void FakeUpstream::set_outage(bool on) {
  impl_->shared().responder.set_outage(on);
}

}  // namespace switchyard::testing
