// A token bucket holding up to one minute's allowance, refilled continuously: the shape of a
// "per minute" limit on requests or tokens that allows short bursts but not a sustained excess.
//
// Thread-safety: every member takes the bucket's own mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace switchyard::limits {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

class TokenBucket {
 public:
  explicit TokenBucket(std::int64_t per_minute, Clock::time_point now = Clock::now());

  // Takes `amount` now, or says how long until it could. An amount above the whole allowance
  // is let through once the bucket is full, leaving it in debt, so a large request is slowed
  // but never refused forever.
  std::optional<Millis> try_take(std::int64_t amount, Clock::time_point now);

  // Gives back what was taken but not used (a reservation larger than the usage).
  void give_back(std::int64_t amount, Clock::time_point now);

  std::int64_t per_minute() const { return per_minute_; }

 private:
  void refill(Clock::time_point now);

  const std::int64_t per_minute_;
  std::mutex mutex_;
  double level_;  // may go below zero after an oversized take
  Clock::time_point updated_;
};

}  // namespace switchyard::limits
