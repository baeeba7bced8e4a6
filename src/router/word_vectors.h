// Word vectors for the router's classifiers: a table from a word to a dense vector learnt from
// a large corpus (GloVe, word2vec, fastText and the like), so that a classifier trained on a
// few thousand queries can relate a word it never saw in training to the ones it did
// ("furry companions" lies near "pets"). The training file alone cannot teach that.
//
// A text's vector is the weighted sum of its words' vectors, scaled to unit length. Words are
// weighted down by how common they are (Arora et al.'s smooth inverse frequency, with the
// frequency read off the word's rank in a frequency-ordered file), so "what", "is" and "my"
// do not pull every query towards the same point.
//
// A table is read from the plain text format those tools write (one word a line, then its
// numbers, separated by spaces; a word2vec "count dimensions" first line is skipped) and
// kept, for a model file, as 8-bit integers with a scale per word: a tenth of the memory of
// floats, and no measurable change in what a classifier decides.
//
// Example:
//   auto vectors = WordVectors::read_text("glove.txt", {.max_words = 100000});
//   std::vector<float> v(vectors->dimensions());
//   vectors->text_vector(split_words("how do i reset my pin"), v);
//
// Thread safety: immutable once read; text_vector() may run on many threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/binary_io.h"
#include "common/result.h"

namespace switchyard::router {

struct WordVectorOptions {
  // The most frequent words kept (those first in the file), plus every word of `also_keep`
  // that the file has. 0 keeps every word.
  std::size_t max_words = 0;
  std::vector<std::string> also_keep;
  // Smooth inverse frequency: a word of probability p weighs a / (a + p). 0 weighs every
  // word 1.
  float sif_a = 1e-3F;
};

// A word close to another in the vector space, among the words a classifier was trained on.
struct Neighbour {
  std::uint32_t word = 0;  // an index of the table
  float similarity = 0;    // cosine, in (0, 1]
};

class WordVectors {
 public:
  WordVectors() = default;

  // Reads the text format described above. Words are matched as written; the files these
  // tools publish are lower-cased, as the router's normalized text is. Fails on a line whose
  // count of numbers differs from the first line's, or on a number that does not parse.
  static Result<WordVectors, std::string> read_text(const std::string& path,
                                                    const WordVectorOptions& options);

  std::size_t dimensions() const { return dimensions_; }
  std::size_t size() const { return scales_.size(); }
  bool empty() const { return scales_.empty(); }
  bool contains(std::string_view word) const { return find(word) >= 0; }

  // The unit-length weighted sum of the vectors of `words`, into `out` (dimensions() long);
  // zeros when no word is known. Returns how many words were known.
  std::size_t text_vector(std::span<const std::string_view> words, std::span<float> out) const;

  // Links every word to its `count` nearest words among `candidates` (those of them the table
  // has) whose cosine similarity is at least `min_similarity`, the word itself excepted. A
  // classifier then reads an unseen word as the training words it resembles.
  void link_neighbours(std::span<const std::string> candidates, std::size_t count,
                       float min_similarity);
  // The neighbours of `word`, nearest first; empty for an unknown word.
  std::span<const Neighbour> neighbours(std::string_view word) const;
  std::string_view word(std::size_t index) const {
    return {text_.data() + offsets_[index], offsets_[index + 1] - offsets_[index]};
  }

  void write(ByteWriter& out) const;
  // Reads what write() wrote; fails on a short buffer or inconsistent sizes, never crashes.
  static Result<WordVectors, std::string> read(ByteReader& in);

 private:
  // Adds `weight` times the vector of word `index` to `out`.
  void add_scaled(std::size_t index, float weight, std::span<float> out) const;
  // Appends `word` with `vector` on the int8 grid, weighted 1.
  void push(std::string_view word, std::span<const float> vector);
  void build_table();
  Result<bool, std::string> read_neighbours(ByteReader& in);
  // The index of `word`, or -1.
  std::int64_t find(std::string_view word) const;

  std::uint32_t dimensions_ = 0;
  std::string text_;                    // every word, back to back
  std::vector<std::uint32_t> offsets_;  // word i is text_[offsets_[i], offsets_[i + 1])
  std::vector<std::int8_t> values_;     // word i's vector is values_[i * dimensions_ ...]
  std::vector<float> scales_;           // ... times scales_[i], its weight included
  std::vector<std::uint32_t> slots_;    // open addressing: index + 1, 0 = empty
  // Word i's neighbours are neighbours_[neighbour_ends_[i - 1] (0 for i = 0), neighbour_ends_[i]);
  // no links at all when neighbour_ends_ is empty.
  std::vector<std::uint32_t> neighbour_ends_;
  std::vector<Neighbour> neighbours_;
};

}  // namespace switchyard::router
