#include "reliability/breaker.h"

#include <algorithm>

namespace switchyard::reliability {
namespace {

std::int64_t ticks(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

Clock::time_point from_ticks(std::int64_t value) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(value)));
}

}  // namespace

CircuitBreaker::Admission CircuitBreaker::admit(Clock::time_point now) {
  const std::int64_t until = open_until_.load(std::memory_order_acquire);
  if (until == 0) {
    return Admission::kAllowed;
  }
  if (ticks(now) < until) {
    return Admission::kRejected;
  }
  bool expected = false;
  return probing_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)
             ? Admission::kProbe
             : Admission::kRejected;
}

void CircuitBreaker::record_success(Clock::time_point now, bool probe) {
  if (consecutive_failures_.load(std::memory_order_relaxed) != 0) {
    consecutive_failures_.store(0, std::memory_order_relaxed);
  }
  if (!probe) {
    return;
  }
  const std::lock_guard lock(mutex_);
  open_until_.store(0, std::memory_order_release);
  probing_.store(false, std::memory_order_release);
  closed_at_ = now;
}

void CircuitBreaker::record_failure(Clock::time_point now, bool probe) {
  if (probe) {
    const std::lock_guard lock(mutex_);
    eject(now);
    probing_.store(false, std::memory_order_release);
    return;
  }
  const std::uint32_t failures = consecutive_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < policy_.failures || open_until_.load(std::memory_order_acquire) != 0) {
    return;
  }
  const std::lock_guard lock(mutex_);
  if (open_until_.load(std::memory_order_relaxed) == 0) {
    eject(now);
  }
}

Clock::time_point CircuitBreaker::ejected_until() const {
  return from_ticks(open_until_.load(std::memory_order_acquire));
}

void CircuitBreaker::eject(Clock::time_point now) {
  const bool healthy_since =
      open_until_.load(std::memory_order_relaxed) == 0 && now - closed_at_ >= policy_.max_ejection;
  if (healthy_since) {
    ejections_ = 0;
  }
  const auto growth = std::min<std::uint32_t>(ejections_, 20);
  const Millis ejection =
      std::min(policy_.max_ejection, Millis(policy_.ejection.count() << growth));
  ++ejections_;
  consecutive_failures_.store(0, std::memory_order_relaxed);
  open_until_.store(std::max<std::int64_t>(1, ticks(now + ejection)), std::memory_order_release);
}

BreakerBoard::BreakerBoard(const config::Config& config, BreakerPolicy policy) {
  for (const config::ModelConfig& model : config.models) {
    auto& breaker = breakers_[upstream_of(model)];
    if (!breaker) {
      breaker = std::make_unique<CircuitBreaker>(policy);
    }
    by_model_.emplace(&model, breaker.get());
  }
}

std::string BreakerBoard::upstream_of(const config::ModelConfig& model) {
  if (!model.is_local()) {
    return model.provider;
  }
  return "local:" + (model.adapter_of.empty() ? model.name : model.adapter_of);
}

BreakerPolicy breaker_policy(const config::ReliabilityConfig& reliability) {
  return {.failures = reliability.breaker_failures,
          .ejection = reliability.breaker_ejection,
          .max_ejection = reliability.breaker_max_ejection};
}

}  // namespace switchyard::reliability
