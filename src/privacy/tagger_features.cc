#include "privacy/tagger_features.h"

#include <algorithm>
#include <string>

#include "privacy/text_scan.h"

namespace switchyard::privacy::tagging {
namespace {

// The case of one character: 'X' upper, 'x' lower, 'd' digit, 'u' a letter without case (or
// one we do not know), or the ASCII punctuation mark itself. Knows ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic, which covers the names in our data.
char char_class(std::string_view text, std::size_t pos, std::size_t& length) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    length = 1;
    const char c = static_cast<char>(lead);
    if (is_ascii_digit(c)) {
      return 'd';
    }
    if (is_ascii_alpha(c)) {
      return c <= 'Z' ? 'X' : 'x';
    }
    return c;
  }
  length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  length = std::min(length, text.size() - pos);
  if (length < 2 || lead >= 0xE0) {
    return 'u';
  }
  const unsigned code = ((lead & 0x1FU) << 6) | (static_cast<unsigned char>(text[pos + 1]) & 0x3FU);
  if ((code >= 0xC0 && code <= 0xDE && code != 0xD7) || (code >= 0x391 && code <= 0x3A9) ||
      (code >= 0x400 && code <= 0x42F)) {
    return 'X';
  }
  if ((code >= 0xDF && code <= 0xFF) || (code >= 0x3AC && code <= 0x3CE) ||
      (code >= 0x430 && code <= 0x45F)) {
    return 'x';
  }
  if (code >= 0x100 && code <= 0x17F) {
    return code % 2 == 0 ? 'X' : 'x';
  }
  return 'u';
}

std::uint8_t casing_of(std::string_view shape, std::size_t uppers, std::size_t lowers,
                       std::size_t digits) {
  if (shape.size() == 1 && shape[0] != 'X' && shape[0] != 'x' && shape[0] != 'd' &&
      shape[0] != 'u') {
    return 5;  // punctuation
  }
  if (digits > 0) {
    return uppers + lowers > 0 ? 4 : 3;
  }
  if (uppers == 0) {
    return 0;
  }
  if (lowers == 0) {
    return uppers == 1 ? 1 : 2;
  }
  return shape.starts_with("Xx") && shape.find('X', 1) == std::string_view::npos ? 1 : 6;
}

std::uint8_t length_bucket(std::size_t bytes) {
  constexpr std::size_t kBounds[] = {1, 2, 3, 4, 6, 9};
  std::uint8_t bucket = 0;
  for (const std::size_t bound : kBounds) {
    bucket += bytes > bound ? 1 : 0;
  }
  return bucket;
}

std::uint64_t affix(std::string_view lower, std::size_t size, bool suffix) {
  size = std::min(size, lower.size());
  return fnv1a(suffix ? lower.substr(lower.size() - size) : lower.substr(0, size));
}

// Lower-cases ASCII and the Latin-1 capitals into `out`.
void lower_into(std::string_view word, std::string& out) {
  out.assign(word);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      out[i] = ascii_lower(out[i]);
    } else if (c == 0xC3 && i + 1 < out.size()) {
      const auto next = static_cast<unsigned char>(out[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97) {
        out[i + 1] = static_cast<char>(next + 0x20);
      }
      ++i;
    }
  }
}

TokenView describe_one(std::string_view word, const Lexicon& lexicon, std::string& lower,
                       std::string& shape) {
  TokenView view;
  shape.clear();
  std::size_t uppers = 0;
  std::size_t lowers = 0;
  std::size_t digits = 0;
  for (std::size_t pos = 0, length = 1; pos < word.size(); pos += length) {
    const char cls = char_class(word, pos, length);
    uppers += cls == 'X' ? 1 : 0;
    lowers += cls == 'x' ? 1 : 0;
    digits += cls == 'd' ? 1 : 0;
    if (shape.empty() || shape.back() != cls) {
      shape.push_back(cls);
    }
  }
  lower_into(word, lower);
  view.lower = fnv1a(lower);
  view.shape = fnv1a(shape.substr(0, 8));
  view.prefix3 = affix(lower, 3, false);
  view.suffix2 = affix(lower, 2, true);
  view.suffix3 = affix(lower, 3, true);
  view.suffix4 = affix(lower, 4, true);
  view.casing = casing_of(shape, uppers, lowers, digits);
  view.digits = static_cast<std::uint8_t>(std::min<std::size_t>(digits, 9));
  view.length = length_bucket(word.size());
  if (digits == 0 && uppers + lowers > 0) {
    const std::uint32_t key = word_key(lower);
    view.dictionary =
        (lexicon.common.contains(key) ? 1 : 0) + (lexicon.proper.contains(key) ? 2 : 0);
  } else {
    view.dictionary = 4;
  }
  return view;
}

}  // namespace

void WordSet::assign(std::vector<std::uint32_t> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys_ = std::move(keys);
  std::size_t capacity = 16;
  while (capacity < keys_.size() * 2) {
    capacity *= 2;
  }
  slots_.assign(capacity, 0);
  for (const std::uint32_t key : keys_) {
    std::size_t slot = mix(key) & (capacity - 1);
    while (slots_[slot] != 0) {
      slot = (slot + 1) & (capacity - 1);
    }
    slots_[slot] = key;
  }
}

bool WordSet::contains(std::uint32_t key) const {
  if (slots_.empty()) {
    return false;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = mix(key) & mask;; slot = (slot + 1) & mask) {
    if (slots_[slot] == key) {
      return true;
    }
    if (slots_[slot] == 0) {
      return false;
    }
  }
}

void describe(std::string_view text, std::span<const Token> tokens, const Lexicon& lexicon,
              std::vector<TokenView>& views) {
  thread_local std::string lower;
  thread_local std::string shape;
  views.clear();
  for (const Token& token : tokens) {
    views.push_back(describe_one(text.substr(token.begin, token.size()), lexicon, lower, shape));
    views.back().line_start = token.line_start;
  }
}

}  // namespace switchyard::privacy::tagging
