#include "http/deadline.h"

#include <algorithm>

namespace switchyard::http {

net::io_context::id DeadlineSweep::id;

Deadline::Deadline(net::io_context& io_context, tcp::socket& socket, OnExpiry on_expiry)
    : sweep_(net::use_service<DeadlineSweep>(io_context)),
      socket_(socket),
      slot_(sweep_.add(*this)),
      on_expiry_(on_expiry) {}

Deadline::~Deadline() {
  sweep_.remove(slot_);
}

void Deadline::arm(std::chrono::milliseconds limit) {
  expired_ = false;
  sweep_.arm(slot_, limit);
}

void Deadline::disarm() {
  sweep_.disarm(slot_);
}

beast::error_code Deadline::settle(beast::error_code ec) {
  disarm();
  return expired_ ? beast::error::timeout : ec;
}

void Deadline::run_out() {
  expired_ = true;
  beast::error_code ignored;
  if (on_expiry_ == OnExpiry::kClose) {
    socket_.close(ignored);
  } else {
    socket_.cancel(ignored);
  }
}

DeadlineSweep::DeadlineSweep(net::io_context& io_context) : service(io_context) {}

std::size_t DeadlineSweep::add(Deadline& deadline) {
  entries_.push_back(Entry{.owner = &deadline});
  return entries_.size() - 1;
}

// The last entry takes the freed slot, so the array stays dense.
void DeadlineSweep::remove(std::size_t slot) {
  if (slot + 1 != entries_.size()) {
    entries_[slot] = entries_.back();
    entries_[slot].owner->slot_ = slot;
  }
  entries_.pop_back();
}

void DeadlineSweep::arm(std::size_t slot, std::chrono::milliseconds limit) {
  const auto slack = std::clamp<Clock::duration>(limit / kSlackDivisor, kMinSlack, kMaxSlack);
  Entry& entry = entries_[slot];
  entry.due = Clock::now() + limit;
  entry.latest = entry.due + slack;
  if (entry.latest < wake_) {
    wake_by(entry.latest);
  }
}

void DeadlineSweep::wake_by(Clock::time_point when) {
  if (shut_down_) {
    return;
  }
  wake_ = std::max(when, last_sweep_ + kMinSweepGap);
  if (!timer_) {
    timer_.emplace(get_io_context());
  }
  // Moving the expiry cancels the wait before; its handler then sees operation_aborted.
  timer_->expires_at(wake_);
  timer_->async_wait([this](beast::error_code ec) {
    if (ec != net::error::operation_aborted) {
      sweep();
    }
  });
}

void DeadlineSweep::sweep() {
  const Clock::time_point now = Clock::now();
  last_sweep_ = now;
  wake_ = kNever;
  Clock::time_point next = kNever;
  // run_out() only cancels or closes a socket; the completions it causes run later, so no
  // entry is added or removed during the loop.
  for (Entry& entry : entries_) {
    if (entry.due <= now) {
      entry.due = entry.latest = kNever;
      entry.owner->run_out();
    } else {
      next = std::min(next, entry.latest);
    }
  }
  if (next != kNever) {
    wake_by(next);
  }
}

// The timer goes before any service is destroyed, the timer's own among them. Deadlines may
// still be removed afterwards, as the io_context destroys the coroutines that hold them.
void DeadlineSweep::shutdown() {
  shut_down_ = true;
  timer_.reset();
}

}  // namespace switchyard::http
