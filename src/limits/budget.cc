#include "limits/budget.h"

#include <algorithm>
#include <ctime>

namespace switchyard::limits {
namespace {

// The start of the next UTC day or month after `now`.
SystemClock::time_point next_window(SystemClock::time_point now, BudgetWindow window) {
  const std::time_t seconds = SystemClock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  parts.tm_hour = 0;
  parts.tm_min = 0;
  parts.tm_sec = 0;
  if (window == BudgetWindow::kDay) {
    ++parts.tm_mday;
  } else {
    parts.tm_mday = 1;
    ++parts.tm_mon;
  }
  return SystemClock::from_time_t(timegm(&parts));  // timegm normalises day 32, month 12
}

}  // namespace

MoneyBudget::MoneyBudget(double limit_usd, BudgetWindow window)
    : limit_(limit_usd), window_(window) {}

void MoneyBudget::roll_window(SystemClock::time_point now) {
  if (window_ == BudgetWindow::kTotal) {
    return;
  }
  if (!window_end_ || now >= *window_end_) {
    if (window_end_) {
      spent_ = 0;  // reservations in flight belong to requests still running: they stay
    }
    window_end_ = next_window(now, window_);
  }
}

bool MoneyBudget::reserve(double cost, SystemClock::time_point now) {
  const std::lock_guard lock(mutex_);
  roll_window(now);
  if (spent_ + reserved_ + cost > limit_) {
    return false;
  }
  reserved_ += cost;
  return true;
}

void MoneyBudget::settle(double reserved, double actual, SystemClock::time_point now) {
  const std::lock_guard lock(mutex_);
  roll_window(now);
  reserved_ = std::max(0.0, reserved_ - reserved);
  spent_ += actual;
}

BudgetState MoneyBudget::state(SystemClock::time_point now) {
  const std::lock_guard lock(mutex_);
  roll_window(now);
  return {.limit_usd = limit_,
          .spent_usd = spent_,
          .reserved_usd = reserved_,
          .resets_at = window_end_};
}

}  // namespace switchyard::limits
