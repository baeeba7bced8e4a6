#include "http/connection_pool.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchyard::http {

Lease::~Lease() {
  if (pool_ && connection_) {
    pool_->release(std::move(connection_), reusable_);
  }
}

ConnectionPool::ConnectionPool(net::io_context& io_context, const config::ProviderConfig& provider,
                               const EndpointCache& endpoints, net::ssl::context* tls)
    : io_context_(io_context), provider_(provider), endpoints_(endpoints), tls_(tls) {}

Awaitable<Result<Lease, beast::error_code>> ConnectionPool::acquire(bool fresh) {
  const auto deadline = std::chrono::steady_clock::now() + provider_.connect_timeout;
  while (true) {
    while (!fresh && !idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (!connection->is_stale()) {
        co_return Lease(shared_from_this(), std::move(connection));
      }
      --open_;
    }
    if (open_ < provider_.max_connections) {
      co_return co_await open_new();
    }
    // At the limit: wait for a release to wake us, or give up at the deadline.
    net::steady_timer timer(io_context_, deadline);
    waiters_.push_back(&timer);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    std::erase(waiters_, &timer);
    if (!ec) {
      co_return fail(beast::error_code(beast::error::timeout));
    }
  }
}

Awaitable<Result<Lease, beast::error_code>> ConnectionPool::open_new() {
  ++open_;
  auto connection = std::make_unique<ClientConnection>(io_context_, tls_, provider_.host);
  // The Lease exists before connecting so a failed connect still releases the slot.
  Lease lease(shared_from_this(), std::move(connection));
  const auto endpoints = endpoints_.lookup(provider_.host, provider_.port);
  if (!endpoints || endpoints->empty()) {
    co_return fail(beast::error_code(net::error::host_not_found));
  }
  if (auto ec = co_await lease->connect(*endpoints, provider_.connect_timeout)) {
    co_return fail(ec);
  }
  co_return lease;
}

void ConnectionPool::release(std::unique_ptr<ClientConnection> connection, bool reusable) {
  if (reusable) {
    connection->reused = true;
    connection->mark_idle();
    idle_.push_back(std::move(connection));
  } else {
    connection->close();
    --open_;
  }
  if (!waiters_.empty()) {
    waiters_.front()->cancel();
    waiters_.pop_front();
  }
}

}  // namespace switchyard::http
