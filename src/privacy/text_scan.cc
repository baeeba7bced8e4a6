#include "privacy/text_scan.h"

namespace switchyard::privacy {
namespace {

bool is_cue(std::string_view word, std::span<const std::string_view> cues) {
  for (const std::string_view cue : cues) {
    if (equals_ignore_case(word, cue)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool has_cue(std::string_view text, std::uint32_t begin, std::uint32_t end,
             std::span<const std::string_view> cues, int before, int after) {
  // Walk back word by word from the match, then forward from its end.
  std::size_t pos = begin;
  for (int seen = 0; seen < before && pos > 0;) {
    while (pos > 0 && !is_ascii_alnum(text[pos - 1])) {
      --pos;
    }
    const std::size_t word_end = pos;
    while (pos > 0 && is_ascii_alnum(text[pos - 1])) {
      --pos;
    }
    if (pos == word_end) {
      break;
    }
    if (is_cue(text.substr(pos, word_end - pos), cues)) {
      return true;
    }
    ++seen;
  }
  pos = end;
  for (int seen = 0; seen < after && pos < text.size();) {
    while (pos < text.size() && !is_ascii_alnum(text[pos])) {
      ++pos;
    }
    const std::size_t word_begin = pos;
    while (pos < text.size() && is_ascii_alnum(text[pos])) {
      ++pos;
    }
    if (pos == word_begin) {
      break;
    }
    if (is_cue(text.substr(word_begin, pos - word_begin), cues)) {
      return true;
    }
    ++seen;
  }
  return false;
}

}  // namespace switchyard::privacy
