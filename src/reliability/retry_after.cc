#include "reliability/retry_after.h"

#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

namespace switchyard::reliability {
namespace {

constexpr double kMillisPerSecond = 1000.0;
constexpr double kMaxSeconds = 24.0 * 3600.0;

// A non-negative decimal number filling all of text, such as "2" or "1.5".
std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

Millis from_seconds(double seconds) {
  return Millis(
      static_cast<std::int64_t>(std::ceil(std::min(seconds, kMaxSeconds) * kMillisPerSecond)));
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// An IMF-fixdate, the form RFC 9110 requires senders to use.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  const std::string copy(text);
  std::tm parts{};
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

}  // namespace

std::optional<Millis> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (const auto seconds = parse_number(value)) {
    return from_seconds(*seconds);
  }
  const auto date = parse_http_date(value);
  if (!date) {
    return std::nullopt;
  }
  return std::max(Millis(0), std::chrono::ceil<Millis>(*date - now));
}

std::optional<Millis> parse_reset_duration(std::string_view value) {
  value = trim(value);
  if (value.empty()) {
    return std::nullopt;
  }
  double total_seconds = 0;
  while (!value.empty()) {
    std::size_t digits = 0;
    while (digits < value.size() &&
           ((value[digits] >= '0' && value[digits] <= '9') || value[digits] == '.')) {
      ++digits;
    }
    const auto number = parse_number(value.substr(0, digits));
    if (!number) {
      return std::nullopt;
    }
    value.remove_prefix(digits);
    double unit = 0;
    if (value.starts_with("ms")) {
      unit = 1 / kMillisPerSecond;
      value.remove_prefix(2);
    } else if (value.starts_with('h') || value.starts_with('m') || value.starts_with('s')) {
      unit = value.front() == 'h' ? 3600 : (value.front() == 'm' ? 60 : 1);
      value.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total_seconds += *number * unit;
  }
  return from_seconds(total_seconds);
}

long retry_after_seconds(Millis wait) {
  const auto seconds = (wait.count() + 999) / 1000;
  return std::max<long>(1, static_cast<long>(seconds));
}

}  // namespace switchyard::reliability
