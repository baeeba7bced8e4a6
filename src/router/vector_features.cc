#include "router/vector_features.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace switchyard::router {
namespace {

// The key of dimension `d` of the text vector: a fixed hash, apart from every text feature's.
std::uint64_t vector_key(std::size_t d) {
  std::uint64_t x = 0x56454354'00000000ULL + d;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return (x ^ (x >> 31U)) | 1U;
}

}  // namespace

void add_vector_features(const WordVectors& vectors, float vector_weight, float neighbour_weight,
                         std::string_view text, std::vector<Feature>& out) {
  thread_local std::vector<float> vector;
  vector.resize(vectors.dimensions());
  const std::string normalized = normalize_text(text, false);
  const std::vector<std::string_view> words = split_words(normalized);
  if (vectors.text_vector(words, vector) == 0) {
    return;
  }
  for (std::size_t d = 0; d < vector.size(); ++d) {
    out.push_back({vector_key(d), vector[d] * vector_weight});
  }
  if (neighbour_weight <= 0) {
    return;
  }
  const float scale = neighbour_weight / std::sqrt(static_cast<float>(words.size()));
  for (const std::string_view word : words) {
    for (const Neighbour& n : vectors.neighbours(word)) {
      out.push_back({word_unigram_key(vectors.word(n.word)), n.similarity * scale});
    }
  }
}

}  // namespace switchyard::router
