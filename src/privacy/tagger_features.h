// Internal to the tagger: how a token becomes hashed features, shared by training and tagging
// so the two can never disagree. Changing any feature changes kFeatureVersion, which the model
// file records; a model made with other features is refused. Pure functions over their
// arguments (describe() keeps thread-local scratch); thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "privacy/tokenizer.h"

namespace switchyard::privacy::tagging {

inline constexpr std::uint32_t kFeatureVersion = 1;

inline std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// FNV-1a, also one byte at a time for hashes built up as a word is read.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

inline std::uint64_t fnv1a_add(std::uint64_t hash, char c) {
  return (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
}

inline std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = kFnvOffset;
  for (const char c : bytes) {
    hash = fnv1a_add(hash, c);
  }
  return hash;
}

inline std::uint64_t pair_hash(std::uint64_t a, std::uint64_t b) {
  return mix(a * 0x9E3779B97F4A7C15ULL + b);
}

// The hash under which a word list stores a (lower-case) word, from fnv1a(lower).
inline std::uint32_t word_key_of(std::uint64_t lower_hash) {
  return static_cast<std::uint32_t>(lower_hash >> 32) | 1U;
}

inline std::uint32_t word_key(std::string_view lower) {
  return word_key_of(fnv1a(lower));
}

// A set of word keys with open addressing; 0 marks an empty slot.
class WordSet {
 public:
  void assign(std::vector<std::uint32_t> keys);
  bool contains(std::uint32_t key) const;
  const std::vector<std::uint32_t>& keys() const { return keys_; }

 private:
  std::vector<std::uint32_t> keys_;   // sorted, as stored in the model file
  std::vector<std::uint32_t> slots_;  // power-of-two table
};

struct Lexicon {
  WordSet common;  // words the dictionary lists in lower case
  WordSet proper;  // words it lists capitalised (names, places)
};

// Everything the features need to know about one token, computed once per token.
struct TokenView {
  std::uint64_t lower = 0;
  std::uint64_t shape = 0;
  std::uint64_t prefix3 = 0;
  std::uint64_t suffix2 = 0;
  std::uint64_t suffix3 = 0;
  std::uint64_t suffix4 = 0;
  std::uint8_t casing = 0;
  std::uint8_t dictionary = 0;
  std::uint8_t digits = 0;
  std::uint8_t length = 0;
  bool line_start = false;
};

// Fills `views` (one per token); reuses its capacity.
void describe(std::string_view text, std::span<const Token> tokens, const Lexicon& lexicon,
              std::vector<TokenView>& views);

inline constexpr int kFeaturesPerToken = 25;

// Calls emit(key) for each feature of token i, always kFeaturesPerToken of them.
template <class Emit>
void token_features(std::span<const TokenView> views, std::size_t i, Emit&& emit) {
  static const TokenView edge_token = [] {
    TokenView edge;
    edge.lower = fnv1a("<edge>");
    edge.shape = edge.lower;
    edge.casing = 7;
    return edge;
  }();
  const auto at = [&](long offset) -> const TokenView& {
    const long j = static_cast<long>(i) + offset;
    return j < 0 || j >= static_cast<long>(views.size()) ? edge_token : views[j];
  };
  const TokenView& t = at(0);
  const TokenView& p1 = at(-1);
  const TokenView& p2 = at(-2);
  const TokenView& n1 = at(1);
  const TokenView& n2 = at(2);
  const auto flags = [](const TokenView& v) -> std::uint64_t {
    return v.casing * 16U + v.dictionary;
  };
  std::uint64_t template_id = 0;
  const auto out = [&](std::uint64_t value) { emit(pair_hash(++template_id, value) | 1U); };
  out(0);
  out(t.lower);
  out(p1.lower);
  out(n1.lower);
  out(p2.lower);
  out(n2.lower);
  out(t.shape);
  out(pair_hash(p1.shape, t.shape));
  out(pair_hash(t.shape, n1.shape));
  out(t.prefix3);
  out(t.suffix2);
  out(t.suffix3);
  out(t.suffix4);
  out(pair_hash(p1.lower, t.lower));
  out(pair_hash(t.lower, n1.lower));
  out(flags(t));
  out(flags(p1) * 256 + flags(t));
  out(flags(t) * 256 + flags(n1));
  out(t.line_start * 256U + t.casing);
  out(t.digits * 256U + t.length);
  out(pair_hash(p1.lower, t.shape));
  out(pair_hash(t.shape, n1.lower));
  out(at(-3).lower);
  out(pair_hash(p2.lower, p1.lower));
  out(pair_hash(n1.lower, n2.lower));
}

}  // namespace switchyard::privacy::tagging
