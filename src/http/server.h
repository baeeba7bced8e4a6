// Server: the HTTP/1.1 front end. One Worker per I/O thread, each with its own io_context,
// its own SO_REUSEPORT acceptor and its own Handler, so requests never cross threads and the
// hot path takes no locks. Limits shared across workers are atomic counters in ServerState.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "http/exchange.h"
#include "http/types.h"

namespace switchyard::http {

class Worker;

// Counters every worker reads and updates.
struct ServerState {
  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> draining{false};
  // The process's resident memory, sampled every few hundred milliseconds when the config
  // sets a memory limit (a read of /proc per request would cost more than the check saves).
  std::atomic<std::size_t> resident_bytes{0};
};

// Makes the handler of one I/O thread; called once per thread at start.
using HandlerFactory =
    std::function<std::unique_ptr<Handler>(net::io_context&, const ServerState&)>;

class Server {
 public:
  Server(config::ServerConfig config, HandlerFactory factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening sockets and starts the I/O threads. Returns a message on failure
  // (address in use, bad address).
  Result<bool, std::string> start();

  // The port actually bound (useful with port 0).
  std::uint16_t port() const { return port_; }

  // Graceful shutdown: stops accepting, closes idle keep-alive connections, waits for open
  // connections (in-flight requests and streams) to finish up to the drain timeout, then stops
  // the I/O threads. Blocks; call from a thread that is not an I/O thread. Idempotent.
  void drain_and_stop();

  const ServerState& state() const { return state_; }
  const config::ServerConfig& config() const { return config_; }

 private:
  config::ServerConfig config_;
  HandlerFactory factory_;
  ServerState state_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace switchyard::http
