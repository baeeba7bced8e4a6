// ConnectionPool: keep-alive connections to one upstream, owned by one I/O thread.
//
// A pool hands out at most max_connections connections at once; further callers wait for
// one to come back, up to the connect timeout. Connections return through the Lease's
// destructor, reusable or not. The pool is shared_ptr-owned so that a Lease still held by a
// suspended coroutine during shutdown keeps it alive.
#pragma once

#include <deque>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "common/result.h"
#include "config/config.h"
#include "http/client_connection.h"
#include "http/endpoint_cache.h"

namespace switchyard::http {

class ConnectionPool;

class Lease {
 public:
  Lease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<ClientConnection> connection)
      : pool_(std::move(pool)), connection_(std::move(connection)) {}
  Lease(Lease&&) = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  ClientConnection& operator*() { return *connection_; }
  ClientConnection* operator->() { return connection_.get(); }

  // Marks the connection as fit for another request: call only after a response was read
  // completely.
  void keep() { reusable_ = true; }

 private:
  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<ClientConnection> connection_;
  bool reusable_ = false;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  ConnectionPool(net::io_context& io_context, const config::ProviderConfig& provider,
                 const EndpointCache& endpoints, net::ssl::context* tls);

  // An idle connection when one is fit for use, else a new one. `fresh` skips idle ones (to
  // retry after a reused connection turned out to be closed).
  Awaitable<Result<Lease, beast::error_code>> acquire(bool fresh = false);

  std::size_t idle_count() const { return idle_.size(); }

 private:
  friend class Lease;

  void release(std::unique_ptr<ClientConnection> connection, bool reusable);
  Awaitable<Result<Lease, beast::error_code>> open_new();

  net::io_context& io_context_;
  const config::ProviderConfig& provider_;
  const EndpointCache& endpoints_;
  net::ssl::context* tls_;
  std::vector<std::unique_ptr<ClientConnection>> idle_;  // most recently used last
  std::size_t open_ = 0;                                 // idle plus handed out
  std::deque<net::steady_timer*> waiters_;
};

}  // namespace switchyard::http
