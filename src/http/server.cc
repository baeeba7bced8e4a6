#include "http/server.h"

#include <chrono>
#include <cstdio>
#include <thread>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "http/session.h"
#include "http/worker.h"

namespace switchyard::http {
namespace {

constexpr auto kDrainPollInterval = std::chrono::milliseconds(20);
constexpr auto kMemorySampleInterval = std::chrono::milliseconds(200);

Result<tcp::endpoint, std::string> resolve_listen(const config::ServerConfig& config) {
  beast::error_code ec;
  const auto address = net::ip::make_address(config.host, ec);
  if (ec) {
    return fail(fmt::format("listen address '{}' is not an IP address", config.host));
  }
  return tcp::endpoint(address, config.port);
}

}  // namespace

Worker::Worker(const config::ServerConfig& config, ServerState& state)
    : config_(config), state_(state) {}

Worker::~Worker() = default;

Result<bool, std::string> Worker::listen(const tcp::endpoint& endpoint) {
  beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    const int enable = 1;
    // SO_REUSEPORT lets every worker own an acceptor on the same port; the kernel spreads
    // new connections across them.
    if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &enable, sizeof enable) !=
        0) {
      ec.assign(errno, boost::system::system_category());
    }
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(fmt::format("cannot listen on {}:{}: {}", endpoint.address().to_string(),
                            endpoint.port(), ec.message()));
  }
  net::co_spawn(io_context_, accept_loop(), net::detached);
  return true;
}

void Worker::run() {
  io_context_.run();
}

void Worker::drain() {
  net::post(io_context_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (Session* session : sessions_) {
      session->on_drain();
    }
  });
}

Awaitable<void> Worker::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      break;
    }
    if (ec) {
      // Usually EMFILE; back off briefly instead of spinning on a full descriptor table.
      log::get("http")->warn("accept failed: {}", ec.message());
      net::steady_timer pause(io_context_, std::chrono::milliseconds(50));
      co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket), *this);
    net::co_spawn(
        io_context_, [session]() { return session->run(); }, net::detached);
  }
}

namespace {

// The process's resident set size, from /proc/self/statm; 0 when it cannot be read.
std::size_t resident_bytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) {
    return 0;
  }
  unsigned long size = 0;
  unsigned long resident = 0;
  const int read = std::fscanf(file, "%lu %lu", &size, &resident);
  std::fclose(file);
  return read == 2 ? resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// Keeps ServerState::resident_bytes current until the server drains.
net::awaitable<void> sample_memory(ServerState& state) {
  net::steady_timer timer(co_await net::this_coro::executor);
  while (!state.draining.load(std::memory_order_relaxed)) {
    state.resident_bytes.store(resident_bytes(), std::memory_order_relaxed);
    timer.expires_after(kMemorySampleInterval);
    (void)co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  }
}

}  // namespace

Server::Server(config::ServerConfig config, HandlerFactory factory)
    : config_(std::move(config)), factory_(std::move(factory)) {}

Server::~Server() {
  drain_and_stop();
}

Result<bool, std::string> Server::start() {
  auto endpoint = resolve_listen(config_);
  if (!endpoint) {
    return fail(endpoint.error());
  }
  const unsigned count = config_.io_threads != 0
                             ? config_.io_threads
                             : std::max(1U, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(config_, state_);
    worker->install_handler(factory_(worker->io_context(), state_));
    if (auto listening = worker->listen(*endpoint); !listening) {
      return fail(listening.error());
    }
    // With port 0 the first bind picks the port; the other workers join that one.
    endpoint->port(worker->local_endpoint().port());
    workers_.push_back(std::move(worker));
  }
  port_ = endpoint->port();
  if (config_.max_memory_bytes != 0) {
    state_.resident_bytes.store(resident_bytes());
    net::co_spawn(workers_.front()->io_context(), sample_memory(state_), net::detached);
  }
  for (auto& worker : workers_) {
    threads_.emplace_back([raw = worker.get()] { raw->run(); });
  }
  log::get("http")->info("listening on {}:{} with {} I/O threads", config_.host, port_, count);
  return true;
}

void Server::drain_and_stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  state_.draining.store(true);
  for (auto& worker : workers_) {
    worker->drain();
  }
  const auto deadline = std::chrono::steady_clock::now() + config_.drain_timeout;
  while (state_.open_connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kDrainPollInterval);
  }
  if (const std::size_t left = state_.open_connections.load(); left > 0) {
    log::get("http")->warn("drain timeout reached; closing {} connections", left);
  }
  for (auto& worker : workers_) {
    worker->stop();
  }
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  workers_.clear();
}

}  // namespace switchyard::http
