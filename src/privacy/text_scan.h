// Byte-level helpers the validators share: word characters, boundaries and the "context
// window" check that looks for cue words ("ssn", "routing", "passport") around a match.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace switchyard::privacy {

inline bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ascii_alnum(char c) {
  return is_ascii_digit(c) || is_ascii_alpha(c);
}
inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// A letter, digit or any byte of a multi-byte UTF-8 sequence (so accented names are words).
inline bool is_word_byte(char c) {
  return is_ascii_alnum(c) || static_cast<unsigned char>(c) >= 0x80;
}

bool equals_ignore_case(std::string_view a, std::string_view b);

// Whether one of `cues` (lower-case words) is among the `before` words that precede `begin` or
// the `after` words that follow `end`. Words are runs of ASCII letters and digits; everything
// else, newlines included, only separates them. Matching ignores case.
bool has_cue(std::string_view text, std::uint32_t begin, std::uint32_t end,
             std::span<const std::string_view> cues, int before = 4, int after = 2);

}  // namespace switchyard::privacy
