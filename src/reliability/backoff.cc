#include "reliability/backoff.h"

#include <algorithm>
#include <random>

namespace switchyard::reliability {
namespace {

// Beyond this many doublings every ceiling is the maximum anyway; stopping keeps the shift
// from overflowing.
constexpr std::uint32_t kMaxDoublings = 30;

}  // namespace

Millis full_jitter(Millis base, Millis max, std::uint32_t retry, double draw) {
  const std::int64_t doubled = base.count() << std::min(retry, kMaxDoublings);
  const std::int64_t ceiling = std::min(max.count(), doubled);
  const double clamped = std::clamp(draw, 0.0, 1.0);
  return Millis(static_cast<std::int64_t>(clamped * static_cast<double>(ceiling)));
}

Millis backoff_delay(Millis base, Millis max, std::uint32_t retry) {
  thread_local std::minstd_rand generator{std::random_device{}()};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  return full_jitter(base, max, retry, uniform(generator));
}

}  // namespace switchyard::reliability
