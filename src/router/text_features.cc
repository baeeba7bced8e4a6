#include "router/text_features.h"

#include <cmath>

#include <fmt/format.h>

namespace switchyard::router {
namespace {

constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
// Distinct seeds keep a word, a word pair and a character n-gram with the same bytes apart.
constexpr std::uint64_t kWordSeed = 0x5741ULL;
constexpr std::uint64_t kCharSeed = 0x4348ULL;
// Character n-grams are taken from at most this many bytes of a word, which bounds the cost of
// a long token (a URL, a key, base64) without changing anything for ordinary words.
constexpr std::size_t kMaxWordBytesForChars = 40;
// Bounds read() accepts: far beyond anything useful, small enough that a damaged file cannot
// make featurization quadratic.
constexpr std::uint32_t kMaxWordNgrams = 5;
constexpr std::uint32_t kMaxCharNgram = 12;

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t fnv_step(std::uint64_t hash, char c) {
  return (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
}

std::uint64_t word_hash(std::string_view word) {
  std::uint64_t hash = kFnvBasis;
  for (const char c : word) {
    hash = fnv_step(hash, c);
  }
  return hash;
}

// Keys are never 0, which model tables use to mark an empty slot.
std::uint64_t key_of(std::uint64_t hash) {
  return mix(hash) | 1U;
}

bool is_ascii_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Every occurrence of a group carries weight / sqrt(count), from `first` on.
void scale_group(std::vector<Feature>& out, std::size_t first, float weight) {
  const std::size_t count = out.size() - first;
  if (count == 0) {
    return;
  }
  const float value = weight / std::sqrt(static_cast<float>(count));
  for (std::size_t i = first; i < out.size(); ++i) {
    out[i].value = value;
  }
}

}  // namespace

std::vector<std::string_view> split_words(std::string_view normalized) {
  std::vector<std::string_view> words;
  std::size_t begin = 0;
  while (begin < normalized.size()) {
    std::size_t end = normalized.find(' ', begin);
    if (end == std::string_view::npos) {
      end = normalized.size();
    }
    words.push_back(normalized.substr(begin, end - begin));
    begin = end + 1;
  }
  return words;
}

std::uint64_t word_unigram_key(std::string_view word) {
  return key_of(mix(kWordSeed * kGolden + word_hash(word)) + 1);
}

std::string normalize_text(std::string_view text, bool fold_digits) {
  constexpr std::string_view kRightQuote = "\xE2\x80\x99";  // U+2019, the typographic apostrophe
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'' || text.substr(i, kRightQuote.size()) == kRightQuote) {
      i += c == '\'' ? 0 : kRightQuote.size() - 1;
      continue;  // "what's" -> "whats": a word, not two
    }
    const bool ascii = static_cast<unsigned char>(c) < 0x80;
    if (ascii && !is_ascii_word_char(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (fold_digits && c >= '0' && c <= '9') {
      out.push_back('0');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void FeatureOptions::write(ByteWriter& out) const {
  out.put(word_ngrams);
  out.put(char_min);
  out.put(char_max);
  out.put(static_cast<std::uint8_t>((fold_digits ? 1 : 0) | (chars_across_words ? 2 : 0)));
  out.put(word_weight);
  out.put(char_weight);
}

Result<FeatureOptions, std::string> FeatureOptions::read(ByteReader& in) {
  FeatureOptions options;
  std::uint8_t fold = 0;
  if (!in.get(options.word_ngrams) || !in.get(options.char_min) || !in.get(options.char_max) ||
      !in.get(fold) || !in.get(options.word_weight) || !in.get(options.char_weight)) {
    return fail(std::string("truncated feature options"));
  }
  options.fold_digits = (fold & 1) != 0;
  options.chars_across_words = (fold & 2) != 0;
  const bool chars_ok =
      options.char_max == 0 || (options.char_min >= 1 && options.char_min <= options.char_max &&
                                options.char_max <= kMaxCharNgram);
  if (options.word_ngrams > kMaxWordNgrams || !chars_ok || !std::isfinite(options.word_weight) ||
      !std::isfinite(options.char_weight)) {
    return fail(fmt::format("feature options out of range (word n-grams {}, characters {}-{})",
                            options.word_ngrams, options.char_min, options.char_max));
  }
  return options;
}

TextFeaturizer::TextFeaturizer(FeatureOptions options) : options_(options) {}

void TextFeaturizer::featurize(std::string_view text, std::vector<Feature>& out) const {
  out.clear();
  const std::string normalized = normalize_text(text, options_.fold_digits);
  const std::vector<std::string_view> words = split_words(normalized);

  const std::size_t word_begin = out.size();
  add_word_ngrams(words, out);
  scale_group(out, word_begin, options_.word_weight);

  const std::size_t char_begin = out.size();
  add_char_ngrams(words, out);
  scale_group(out, char_begin, options_.char_weight);
}

void TextFeaturizer::add_word_ngrams(const std::vector<std::string_view>& words,
                                     std::vector<Feature>& out) const {
  std::vector<std::uint64_t> hashes(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    hashes[i] = word_hash(words[i]);
  }
  // An n-gram's hash chains its words' hashes, seeded by n so lengths never collide.
  for (std::size_t first = 0; first < words.size(); ++first) {
    std::uint64_t hash = kWordSeed;
    for (std::size_t n = 1; n <= options_.word_ngrams && first + n <= words.size(); ++n) {
      hash = mix(hash * kGolden + hashes[first + n - 1]);
      out.push_back({key_of(hash + n), 0.0F});
    }
  }
}

void TextFeaturizer::add_char_ngrams(const std::vector<std::string_view>& words,
                                     std::vector<Feature>& out) const {
  if (options_.char_max == 0) {
    return;
  }
  std::string framed;
  const auto add_framed = [&] {
    for (std::size_t first = 0; first < framed.size(); ++first) {
      std::uint64_t hash = kFnvBasis ^ kCharSeed;
      const std::size_t last = std::min<std::size_t>(framed.size(), first + options_.char_max);
      for (std::size_t end = first; end < last; ++end) {
        hash = fnv_step(hash, framed[end]);
        if (end - first + 1 >= options_.char_min) {
          out.push_back({key_of(hash), 0.0F});
        }
      }
    }
  };
  if (options_.chars_across_words) {
    framed = "<";
    for (const std::string_view word : words) {
      framed.append(word.substr(0, kMaxWordBytesForChars));
      framed.push_back(' ');
    }
    framed.back() = '>';
    if (!words.empty()) {
      add_framed();
    }
    return;
  }
  for (const std::string_view word : words) {
    framed.assign(1, '<');
    framed.append(word.substr(0, kMaxWordBytesForChars));
    framed.push_back('>');
    add_framed();
  }
}

}  // namespace switchyard::router
