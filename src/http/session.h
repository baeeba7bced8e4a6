// Session: one client connection, reading requests one after another (keep-alive) under the
// configured size and time limits, and handing each to the worker's Handler.
//
// Lifetime: owned by its own coroutine (shared_from_this); registered with its Worker while
// alive so a drain can close it when idle.
#pragma once

#include <chrono>
#include <memory>
#include <utility>

#include <boost/beast/core/flat_buffer.hpp>

#include "http/deadline.h"
#include "http/error_response.h"
#include "http/exchange.h"
#include "http/types.h"

namespace switchyard::http {

class Worker;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Worker& worker);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Awaitable<void> run();

  // Closes the connection if it is waiting for a next request; otherwise the connection
  // closes after the response in progress.
  void on_drain();

 private:
  friend class Exchange;

  Awaitable<bool> wait_for_request();
  Awaitable<bool> read_and_serve();
  Awaitable<bool> serve(Request& request);
  Awaitable<void> reject(beast::error_code ec);
  Awaitable<bool> write_error(const ErrorInfo& error);
  bool keep_alive_after(const Request& request) const;
  // Ends the current request's in-flight count. Called just before its last bytes are
  // written, so a client that sends its next request the moment it sees the end is never
  // refused for the one it has just been answered.
  void end_in_flight();
  template <class ReadOp>
  Awaitable<std::pair<beast::error_code, std::size_t>> with_deadline(
      std::chrono::milliseconds limit, ReadOp read);

  tcp::socket socket_;
  // Cancels rather than closes, so that a client that ran out of time is still told which
  // limit it hit.
  Deadline deadline_;
  beast::flat_buffer buffer_;  // bounded by read_buffer_limit (http/request_hygiene.h)
  Worker& worker_;
  bool idle_ = false;
  bool in_flight_ = false;  // the request being served still counts in ServerState::in_flight
};

}  // namespace switchyard::http
