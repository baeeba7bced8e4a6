// Reading how long an upstream asks us to wait: `Retry-After` (seconds or an HTTP date),
// `retry-after-ms`, and the rate-limit reset headers OpenAI-style APIs send ("6m0s", "20ms").
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace switchyard::reliability {

using Millis = std::chrono::milliseconds;

// `Retry-After: 2`, `Retry-After: 1.5` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (a date
// in the past means no wait). Nothing for a value that is neither.
std::optional<Millis> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now);

// A duration as rate-limit reset headers write it: "1s", "6m0s", "1h2m3.5s", "250ms". Nothing
// for anything else.
std::optional<Millis> parse_reset_duration(std::string_view value);

// Whole seconds for a Retry-After header we send, rounded up and at least 1.
long retry_after_seconds(Millis wait);

}  // namespace switchyard::reliability
