// Deadline: a time limit on the socket operations of one connection, kept by a sweep that
// each io_context runs for all of its connections.
//
// A proxy reads and writes several times per request, each under a limit. A timer armed and
// cancelled around every one of those operations (as Beast's tcp_stream does) costs a timer
// queue insertion and removal and a cancelled completion that still has to be dispatched: as
// much user-space work as the read itself. A Deadline is armed by storing a time; the sweep
// wakes only when the earliest armed deadline can have run out, so on a busy connection that
// is re-armed with every operation it seldom wakes at all.
//
// A deadline runs out no earlier than its limit, and late by at most a sixteenth of the limit
// (at least kMinSlack, at most kMaxSlack) plus kMinSweepGap. On running out it cancels or
// closes the socket, as chosen at construction; the operation then completes with an error,
// and settle() turns that into beast::error::timeout.
//
// Thread-safety: a Deadline and its sweep belong to one io_context, which one thread runs.
// Lifetime: the socket must outlive the Deadline; both must not outlive the io_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "http/types.h"

namespace switchyard::http {

class DeadlineSweep;

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // What running out does to the socket. kCancel leaves it open, so that the caller can still
  // tell the peer which limit it hit; kClose also ends a connect that would otherwise go on to
  // the next endpoint.
  enum class OnExpiry { kCancel, kClose };

  Deadline(net::io_context& io_context, tcp::socket& socket, OnExpiry on_expiry);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Starts the limit for the operations that follow; clears expired().
  void arm(std::chrono::milliseconds limit);
  // No limit until the next arm(). Leaves expired() as it is.
  void disarm();
  // Whether the limit ran out since the last arm(). An operation that completed just as it
  // ran out counts as timed out too: the limit had passed.
  bool expired() const { return expired_; }

  // The error an operation under this deadline reports: `ec`, or timeout if the deadline ran
  // out. Disarms.
  beast::error_code settle(beast::error_code ec);

 private:
  friend class DeadlineSweep;

  void run_out();

  DeadlineSweep& sweep_;
  tcp::socket& socket_;
  std::size_t slot_ = 0;  // this deadline's entry in the sweep
  OnExpiry on_expiry_;
  bool expired_ = false;
};

// The sweep of one io_context, created with its first Deadline (an Asio service, so that
// every connection of an I/O thread shares it without being handed it).
class DeadlineSweep final : public net::io_context::service {
 public:
  using Clock = Deadline::Clock;

  // NOLINTNEXTLINE(readability-identifier-naming): the name Asio finds a service's key by
  static net::io_context::id id;

  explicit DeadlineSweep(net::io_context& io_context);

  // How late a deadline may run out, as a share of its limit and in absolute bounds, and how
  // close together two sweeps may run: a sweep reads every entry, so a burst of short limits
  // must not turn into a sweep per operation.
  static constexpr int kSlackDivisor = 16;
  static constexpr auto kMinSlack = std::chrono::milliseconds(10);
  static constexpr auto kMaxSlack = std::chrono::milliseconds(250);
  static constexpr auto kMinSweepGap = std::chrono::milliseconds(10);

 private:
  friend class Deadline;

  static constexpr Clock::time_point kNever = Clock::time_point::max();

  // One deadline's times, kept together in one array so that a sweep reads them in order.
  struct Entry {
    Clock::time_point due = kNever;
    Clock::time_point latest = kNever;  // due plus its slack: when a sweep must have run
    Deadline* owner = nullptr;
  };

  std::size_t add(Deadline& deadline);
  void remove(std::size_t slot);
  void arm(std::size_t slot, std::chrono::milliseconds limit);
  void disarm(std::size_t slot) { entries_[slot].due = entries_[slot].latest = kNever; }
  // Makes the timer fire by `when` (or kMinSweepGap after the last sweep, if that is later).
  void wake_by(Clock::time_point when);
  // Runs out every deadline that is due and waits for the next one.
  void sweep();
  void shutdown() override;

  std::vector<Entry> entries_;
  std::optional<net::steady_timer> timer_;
  Clock::time_point wake_ = kNever;  // when the timer fires; kNever when it is not waiting
  Clock::time_point last_sweep_{};
  bool shut_down_ = false;
};

}  // namespace switchyard::http
