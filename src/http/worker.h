// Worker: one I/O thread's share of the server. Internal to the http folder.
//
// Everything here runs on the worker's own thread except drain(), which posts itself there.
#pragma once

#include <memory>
#include <unordered_set>

#include "config/config.h"
#include "http/exchange.h"
#include "http/server.h"
#include "http/types.h"

namespace switchyard::http {

class Session;

class Worker {
 public:
  Worker(const config::ServerConfig& config, ServerState& state);
  ~Worker();

  // Opens this worker's acceptor on the endpoint (SO_REUSEPORT, so all workers share it).
  Result<bool, std::string> listen(const tcp::endpoint& endpoint);
  void install_handler(std::unique_ptr<Handler> handler) { handler_ = std::move(handler); }

  // Runs the event loop until stop(); call on the worker's own thread.
  void run();
  // Stops accepting and closes idle connections; busy ones close after their response.
  void drain();
  void stop() { io_context_.stop(); }

  net::io_context& io_context() { return io_context_; }
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  const config::ServerConfig& config() const { return config_; }
  ServerState& state() { return state_; }
  Handler& handler() { return *handler_; }

  void add_session(Session* session) { sessions_.insert(session); }
  void remove_session(Session* session) { sessions_.erase(session); }

 private:
  Awaitable<void> accept_loop();

  const config::ServerConfig& config_;
  ServerState& state_;
  std::unordered_set<Session*> sessions_;
  // Declared after sessions_: destroying the io_context destroys suspended sessions, which
  // unregister themselves from sessions_.
  net::io_context io_context_{1};
  tcp::acceptor acceptor_{io_context_};
  // Declared last, destroyed first: the handler's connection pools are released before the
  // io_context their sockets belong to.
  std::unique_ptr<Handler> handler_;
};

}  // namespace switchyard::http
