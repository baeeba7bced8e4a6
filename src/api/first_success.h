// FirstSuccess: a race of attempts on one I/O thread, for hedging. Attempts are started one by
// one in the background; settle() hands back the first that succeeds, cancels the others and
// waits until they have ended, so nothing outlives the race. Internal to the api folder.
//
// Cancellation is Asio's terminal cancellation of the attempt's coroutine: the operation it is
// waiting on (a socket read, a timer) ends with operation_aborted, and the coroutine's next
// wait throws it. That exception is caught here, at the edge of the attempt, and reported
// as a cancelled attempt; it never crosses into the rest of the gateway.
//
// Thread-safety: not thread-safe. Every attempt runs on the executor the race was made with,
// which must be the caller's own (single-threaded) I/O thread.
#pragma once

#include <cassert>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "common/result.h"
#include "http/types.h"

namespace switchyard::api {

template <class T, class E>
class FirstSuccess {
 public:
  using Outcome = Result<T, E>;
  // Makes one attempt's coroutine. `abandoned` turns true when the race cancels it, so the
  // attempt can tell its own cancellation from an upstream's failure.
  using Attempt = std::function<http::Awaitable<Outcome>(const bool& abandoned)>;
  // Called when a cancelled attempt ended without an outcome (its wait threw).
  using OnCancelled = std::function<void()>;

  explicit FirstSuccess(const boost::asio::any_io_executor& executor) : wake_(executor) {}
  FirstSuccess(const FirstSuccess&) = delete;
  FirstSuccess& operator=(const FirstSuccess&) = delete;

  void start(Attempt attempt, OnCancelled on_cancelled) {
    Runner& runner = runners_.emplace_back(std::move(on_cancelled));
    boost::asio::co_spawn(
        wake_.get_executor(), run(runner, std::move(attempt)),
        boost::asio::bind_cancellation_slot(
            runner.cancel.slot(),
            [this, &runner](const std::exception_ptr& error) { finished(runner, error); }));
  }

  // Waits up to `delay` for an attempt to end; true when one has (successfully or not).
  http::Awaitable<bool> wait_for(std::chrono::milliseconds delay) {
    if (!any_ended()) {
      wake_.expires_after(delay);
      (void)co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return any_ended();
  }

  // The first success, or when every attempt failed, the failure that came last. The other
  // attempts are cancelled and have ended when this returns. REQUIRES: an attempt started.
  http::Awaitable<Outcome> settle() {
    while (winner_ == nullptr && running() > 0) {
      co_await sleep();
    }
    if (winner_ != nullptr) {
      abandon_all_but(*winner_);
      while (running() > 0) {
        co_await sleep();
      }
      co_return std::move(*winner_->outcome);
    }
    if (last_failure_ == nullptr) {
      assert(unexpected_);  // only a winner cancels, so an attempt without an outcome threw
      std::rethrow_exception(unexpected_);
    }
    co_return std::move(*last_failure_->outcome);
  }

 private:
  struct Runner {
    explicit Runner(OnCancelled callback) : on_cancelled(std::move(callback)) {}

    boost::asio::cancellation_signal cancel;
    OnCancelled on_cancelled;
    bool running = true;
    bool abandoned = false;
    std::optional<Outcome> outcome;
  };

  http::Awaitable<void> run(Runner& runner, Attempt attempt) {
    try {
      runner.outcome.emplace(co_await attempt(runner.abandoned));
    } catch (const boost::system::system_error&) {
      if (!runner.abandoned) {
        throw;
      }
    }
  }

  void finished(Runner& runner, const std::exception_ptr& error) {
    runner.running = false;
    if (error) {
      unexpected_ = error;
    } else if (!runner.outcome) {
      runner.on_cancelled();
    } else if (!runner.outcome->ok()) {
      last_failure_ = &runner;
    } else if (winner_ == nullptr && !runner.abandoned) {
      winner_ = &runner;
    }
    wake_.cancel();
  }

  void abandon_all_but(const Runner& winner) {
    for (Runner& runner : runners_) {
      if (&runner != &winner && runner.running) {
        runner.abandoned = true;
        runner.cancel.emit(boost::asio::cancellation_type::terminal);
      }
    }
  }

  http::Awaitable<void> sleep() {
    wake_.expires_at(boost::asio::steady_timer::time_point::max());
    (void)co_await wake_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

  std::size_t running() const {
    std::size_t count = 0;
    for (const Runner& runner : runners_) {
      count += runner.running ? 1 : 0;
    }
    return count;
  }

  bool any_ended() const { return running() < runners_.size(); }

  std::list<Runner> runners_;  // a list: each attempt holds a reference to its runner
  boost::asio::steady_timer wake_;
  Runner* winner_ = nullptr;  // the first attempt to succeed
  Runner* last_failure_ = nullptr;
  std::exception_ptr unexpected_;
};

}  // namespace switchyard::api
