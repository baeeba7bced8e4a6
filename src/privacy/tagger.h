// Tagger: the learned half of the guard, for what has no fixed shape (names, addresses,
// places, organisations, titles, ages, dates, nationalities, postal codes). It labels each
// token with an entity type or "outside" (an IO scheme) using a linear model over hashed
// features (the word and its neighbours, word shape, affixes, capitalisation, and whether the
// word is an ordinary English word) and Viterbi decoding over label transitions. Training is an
// averaged structured perceptron: seeded, single-threaded and reproducible.
//
// The model file holds everything the tagger needs at run time, the dictionary included, and
// ends with a checksum so that a damaged file is refused with a clear error.
//
// Thread safety: immutable once loaded or trained; tag() may run on many threads at once.
// Copies share the model.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "privacy/entity.h"
#include "privacy/tokenizer.h"

namespace switchyard::privacy {

// A text with its true entities (byte offsets), as training and evaluation read them.
struct LabelledText {
  std::string text;
  std::vector<Entity> entities;
};

struct TaggerTrainingOptions {
  int epochs = 10;
  std::uint64_t seed = 1;
  // A word list, one word a line (Debian's wamerican). Read at training time only: the words
  // are stored in the model. Empty or missing: the model has no dictionary features.
  std::string words_file = "/usr/share/dict/words";
  // Features seen fewer times than this in the training data are dropped, which keeps the
  // model small and ignores one-off noise.
  int min_feature_count = 2;
};

// The entity types a tagger is trained for.
std::span<const EntityType> tagger_types();

class Tagger {
 public:
  static Result<Tagger, std::string> load(const std::string& path);
  static Result<Tagger, std::string> train(std::span<const LabelledText> examples,
                                           const TaggerTrainingOptions& options);

  Result<bool, std::string> save(const std::string& path) const;

  // Appends the entities found in `text` to `out`. `tokens` must be tokenize(text).
  void tag(std::string_view text, std::span<const Token> tokens, std::vector<Entity>& out) const;

  std::size_t feature_count() const;

  struct Model;

 private:
  explicit Tagger(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

  std::shared_ptr<const Model> model_;
};

// Where the build put the committed model (models/privacy/tagger.bin in the source tree).
std::string default_tagger_path();

}  // namespace switchyard::privacy
