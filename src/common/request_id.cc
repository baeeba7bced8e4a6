#include "common/request_id.h"

#include <atomic>
#include <cstdint>
#include <random>
#include <string>

#include <fmt/compile.h>

namespace switchyard {
namespace {

constexpr std::size_t kMaxClientIdLength = 128;
// Sixteen hex digits of the process's prefix, then eight of the sequence.
constexpr std::size_t kIdLength = 24;

std::uint64_t process_prefix() {
  static const std::uint64_t prefix = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }();
  return prefix;
}

// Each thread takes a disjoint block of counter values so ids never collide across threads
// without a shared atomic on the hot path.
std::uint32_t next_sequence() {
  static std::atomic<std::uint32_t> thread_blocks{0};
  thread_local std::uint32_t block = thread_blocks.fetch_add(1) << 24;
  thread_local std::uint32_t counter = 0;
  return block | (++counter & 0xFFFFFF);
}

}  // namespace

std::string make_request_id() {
  // Compiled, and written in place: both were measurable shares of a request.
  std::string id(kIdLength, '0');
  fmt::format_to(id.data(), FMT_COMPILE("{:016x}{:08x}"), process_prefix(), next_sequence());
  return id;
}

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientIdLength) {
    return false;
  }
  for (const char c : id) {
    if (c <= ' ' || c > '~') {
      return false;
    }
  }
  return true;
}

}  // namespace switchyard
