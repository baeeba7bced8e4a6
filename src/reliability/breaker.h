// Circuit breakers: one per upstream, shared by every I/O thread, so that during an outage
// requests go straight to a fallback instead of each waiting for the dead upstream to fail.
//
// Closed, a breaker counts consecutive failures; at the threshold it ejects the upstream for
// an ejection time. When that has passed, one request at a time is let through as a probe: a
// success closes the breaker, a failure ejects again for twice as long (up to a maximum). The
// doubling is forgotten once the upstream has stayed healthy for the maximum ejection time.
//
// Thread-safety: every member may be called from any thread. The closed-state path, taken by
// almost every request, is two relaxed atomic loads; state changes take a mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"

namespace switchyard::reliability {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

struct BreakerPolicy {
  std::uint32_t failures = 5;
  Millis ejection{5'000};
  Millis max_ejection{30'000};
};

class CircuitBreaker {
 public:
  enum class Admission {
    kAllowed,   // closed: send
    kProbe,     // half-open: send, and report the outcome with probe = true
    kRejected,  // ejected, or another request is probing
  };

  explicit CircuitBreaker(BreakerPolicy policy) : policy_(policy) {}

  Admission admit(Clock::time_point now);
  void record_success(Clock::time_point now, bool probe);
  void record_failure(Clock::time_point now, bool probe);
  // A probe abandoned before it had an outcome (cancelled): lets the next request probe.
  void release_probe() { probing_.store(false, std::memory_order_release); }

  // When the upstream may next be tried; now or earlier when it is not ejected.
  Clock::time_point ejected_until() const;
  bool ejected(Clock::time_point now) const { return now < ejected_until(); }

 private:
  void eject(Clock::time_point now);

  const BreakerPolicy policy_;
  std::atomic<std::uint32_t> consecutive_failures_{0};
  // Nanoseconds since the clock's epoch until which the upstream is ejected; 0 when closed.
  std::atomic<std::int64_t> open_until_{0};
  std::atomic<bool> probing_{false};
  std::mutex mutex_;  // guards the two below and transitions of open_until_
  std::uint32_t ejections_ = 0;
  Clock::time_point closed_at_{};
};

// The breakers of every upstream of a config: one per provider, and one per local model (its
// engine is its upstream; adapters share their base model's).
class BreakerBoard {
 public:
  BreakerBoard(const config::Config& config, BreakerPolicy policy);

  // The breaker of the upstream that answers `model`, one of the config's models.
  CircuitBreaker& for_model(const config::ModelConfig& model) const {
    return *by_model_.at(&model);
  }

  // The name breakers are kept under: the provider, or "local:<model>".
  static std::string upstream_of(const config::ModelConfig& model);

 private:
  std::map<std::string, std::unique_ptr<CircuitBreaker>, std::less<>> breakers_;
  std::unordered_map<const config::ModelConfig*, CircuitBreaker*> by_model_;
};

BreakerPolicy breaker_policy(const config::ReliabilityConfig& reliability);

}  // namespace switchyard::reliability
