#include "limits/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace switchyard::limits {
namespace {

constexpr double kMillisPerMinute = 60'000.0;

}  // namespace

TokenBucket::TokenBucket(std::int64_t per_minute, Clock::time_point now)
    : per_minute_(per_minute), level_(static_cast<double>(per_minute)), updated_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= updated_) {
    return;
  }
  const double elapsed = std::chrono::duration<double, std::milli>(now - updated_).count();
  const auto capacity = static_cast<double>(per_minute_);
  level_ = std::min(capacity, level_ + elapsed * capacity / kMillisPerMinute);
  updated_ = now;
}

std::optional<Millis> TokenBucket::try_take(std::int64_t amount, Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  refill(now);
  const double needed = static_cast<double>(std::min(amount, per_minute_));
  if (level_ >= needed) {
    level_ -= static_cast<double>(amount);
    return std::nullopt;
  }
  const double missing = needed - level_;
  const double wait = std::ceil(missing * kMillisPerMinute / static_cast<double>(per_minute_));
  return Millis(static_cast<std::int64_t>(wait));
}

void TokenBucket::give_back(std::int64_t amount, Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  refill(now);
  level_ = std::min(static_cast<double>(per_minute_), level_ + static_cast<double>(amount));
}

}  // namespace switchyard::limits
