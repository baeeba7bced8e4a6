// How long to wait before a retry: exponential backoff with full jitter, so that clients
// retrying together spread out instead of arriving in waves.
#pragma once

#include <chrono>
#include <cstdint>

namespace switchyard::reliability {

using Millis = std::chrono::milliseconds;

// A wait drawn uniformly from [0, min(max, base * 2^retry)] by `draw`, a number in [0, 1).
// `retry` counts from 0 for the first retry.
Millis full_jitter(Millis base, Millis max, std::uint32_t retry, double draw);

// full_jitter with a draw from this thread's generator.
Millis backoff_delay(Millis base, Millis max, std::uint32_t retry);

}  // namespace switchyard::reliability
