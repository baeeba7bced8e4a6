// SHA-256 and constant-time comparison for gateway keys, which are kept only as digests.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

// Parses 64 hex characters (either case) into a digest.
std::optional<Sha256Digest> parse_sha256_hex(std::string_view hex);

std::string to_hex(const Sha256Digest& digest);

// Compares in time independent of where the digests differ.
bool constant_time_equal(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace switchyard
