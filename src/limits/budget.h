// A spending limit in money over a window (a UTC day, a UTC month, or all time), with the cost
// of a request reserved before it is sent and settled after, so concurrent requests cannot
// together spend past the limit.
//
// Thread-safety: every member takes the budget's own mutex. Spend lives in memory: a restart
// starts the window's spend from zero.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>

#include "config/config.h"

namespace switchyard::limits {

using SystemClock = std::chrono::system_clock;

using config::BudgetWindow;

struct BudgetState {
  double limit_usd = 0;
  double spent_usd = 0;
  double reserved_usd = 0;
  std::optional<SystemClock::time_point> resets_at;  // none for an all-time budget
};

class MoneyBudget {
 public:
  MoneyBudget(double limit_usd, BudgetWindow window);

  // Reserves `cost` if spend, reservations and it stay within the limit.
  bool reserve(double cost, SystemClock::time_point now);
  // Ends a reservation: `reserved` is released and `actual` spent.
  void settle(double reserved, double actual, SystemClock::time_point now);

  BudgetState state(SystemClock::time_point now);

 private:
  void roll_window(SystemClock::time_point now);

  const double limit_;
  const BudgetWindow window_;
  std::mutex mutex_;
  double spent_ = 0;
  double reserved_ = 0;
  std::optional<SystemClock::time_point> window_end_;
};

}  // namespace switchyard::limits
