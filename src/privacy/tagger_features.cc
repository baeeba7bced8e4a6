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

// What the features need of a word's shape (its character classes with runs collapsed, so
// "McDonald's" is "XxXx'x"), gathered one class at a time: the hash of its first
// kShapeLength classes and the facts casing_of() reads.
struct Shape {
  static constexpr std::size_t kShapeLength = 8;

  std::uint64_t hash = kFnvOffset;
  std::size_t size = 0;
  char first = 0;
  char second = 0;
  bool upper_after_first = false;  // an 'X' anywhere after the first class
  std::size_t uppers = 0;
  std::size_t lowers = 0;
  std::size_t digits = 0;

  void add(char cls) {
    uppers += cls == 'X' ? 1 : 0;
    lowers += cls == 'x' ? 1 : 0;
    digits += cls == 'd' ? 1 : 0;
    if (size > 0 && cls == last_) {
      return;
    }
    hash = size < kShapeLength ? fnv1a_add(hash, cls) : hash;
    first = size == 0 ? cls : first;
    second = size == 1 ? cls : second;
    upper_after_first = upper_after_first || (size > 0 && cls == 'X');
    last_ = cls;
    ++size;
  }

 private:
  char last_ = 0;
};

std::uint8_t casing_of(const Shape& shape) {
  if (shape.size == 1 && shape.first != 'X' && shape.first != 'x' && shape.first != 'd' &&
      shape.first != 'u') {
    return 5;  // punctuation
  }
  if (shape.digits > 0) {
    return shape.uppers + shape.lowers > 0 ? 4 : 3;
  }
  if (shape.uppers == 0) {
    return 0;
  }
  if (shape.lowers == 0) {
    return shape.uppers == 1 ? 1 : 2;
  }
  return shape.first == 'X' && shape.second == 'x' && !shape.upper_after_first ? 1 : 6;
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

TokenView describe_one(std::string_view word, const Lexicon& lexicon, std::string& lower) {
  Shape shape;
  for (std::size_t pos = 0, length = 1; pos < word.size(); pos += length) {
    shape.add(char_class(word, pos, length));
  }
  lower_into(word, lower);
  TokenView view;
  view.lower = fnv1a(lower);
  view.shape = shape.hash;
  view.prefix3 = affix(lower, 3, false);
  view.suffix2 = affix(lower, 2, true);
  view.suffix3 = affix(lower, 3, true);
  view.suffix4 = affix(lower, 4, true);
  view.casing = casing_of(shape);
  view.digits = static_cast<std::uint8_t>(std::min<std::size_t>(shape.digits, 9));
  view.length = length_bucket(word.size());
  if (shape.digits == 0 && shape.uppers + shape.lowers > 0) {
    const std::uint32_t key = word_key_of(view.lower);
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
  views.clear();
  for (const Token& token : tokens) {
    views.push_back(describe_one(text.substr(token.begin, token.size()), lexicon, lower));
    views.back().line_start = token.line_start;
  }
}

}  // namespace switchyard::privacy::tagging
