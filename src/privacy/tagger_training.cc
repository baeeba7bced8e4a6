// Tagger::train: the averaged structured perceptron. Kept apart from tagger.cc because only
// `switchyard privacy train` and the tests need it.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <unordered_map>

#include <fmt/format.h>

#include "privacy/tagger.h"
#include "privacy/tagger_model.h"

namespace switchyard::privacy {
namespace {

using tagging::kFeaturesPerToken;

// One training text, reduced to feature indices (-1: a pruned feature) and gold labels.
struct Example {
  std::vector<std::int32_t> features;  // [tokens * kFeaturesPerToken]
  std::vector<std::uint8_t> gold;
};

std::uint64_t split_mix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Fisher-Yates with our own generator, so the order is the same on every platform.
void shuffle(std::vector<std::size_t>& order, std::uint64_t& state) {
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[split_mix(state) % i]);
  }
}

tagging::Lexicon read_lexicon(const std::string& path) {
  std::vector<std::uint32_t> common;
  std::vector<std::uint32_t> proper;
  std::ifstream file(path);
  std::string word;
  while (std::getline(file, word)) {
    if (word.empty() || word.find('\'') != std::string::npos) {
      continue;
    }
    const bool capitalised = word[0] >= 'A' && word[0] <= 'Z';
    for (char& c : word) {
      c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    (capitalised ? proper : common).push_back(tagging::word_key(word));
  }
  tagging::Lexicon lexicon;
  lexicon.common.assign(std::move(common));
  lexicon.proper.assign(std::move(proper));
  return lexicon;
}

std::uint8_t label_of(const Token& token, const LabelledText& example) {
  const auto types = tagger_types();
  for (const Entity& entity : example.entities) {
    if (token.begin < entity.end && entity.begin < token.end) {
      const auto found = std::find(types.begin(), types.end(), entity.type);
      if (found != types.end()) {
        return static_cast<std::uint8_t>(found - types.begin() + 1);
      }
    }
  }
  return 0;
}

// Raw feature keys and gold labels of every example, and how often each key occurs.
struct Extracted {
  std::vector<std::vector<std::uint64_t>> keys;
  std::vector<std::vector<std::uint8_t>> gold;
  std::unordered_map<std::uint64_t, std::uint32_t> counts;
};

Extracted extract(std::span<const LabelledText> examples, const tagging::Lexicon& lexicon) {
  Extracted extracted;
  std::vector<Token> tokens;
  std::vector<tagging::TokenView> views;
  for (const LabelledText& example : examples) {
    tokenize(example.text, tokens);
    tagging::describe(example.text, tokens, lexicon, views);
    auto& keys = extracted.keys.emplace_back();
    auto& gold = extracted.gold.emplace_back();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      tagging::token_features(views, i, [&](std::uint64_t key) {
        keys.push_back(key);
        ++extracted.counts[key];
      });
      gold.push_back(label_of(tokens[i], example));
    }
  }
  return extracted;
}

class Perceptron {
 public:
  Perceptron(std::size_t features, std::size_t labels)
      : labels_(labels),
        weights_(features * labels),
        sums_(features * labels),
        start_(labels),
        start_sums_(labels),
        transitions_(labels * labels),
        transition_sums_(labels * labels) {}

  void learn(const Example& example) {
    predict(example, predicted_);
    const auto& gold = example.gold;
    for (std::size_t i = 0; i < gold.size(); ++i) {
      if (predicted_[i] != gold[i]) {
        for (int f = 0; f < kFeaturesPerToken; ++f) {
          const std::int32_t feature = example.features[i * kFeaturesPerToken + f];
          if (feature >= 0) {
            update(weights_, sums_, feature * labels_ + gold[i], 1);
            update(weights_, sums_, feature * labels_ + predicted_[i], -1);
          }
        }
      }
      const bool same_pair = i > 0 && predicted_[i - 1] == gold[i - 1] && predicted_[i] == gold[i];
      if (i > 0 && !same_pair) {
        update(transitions_, transition_sums_, gold[i - 1] * labels_ + gold[i], 1);
        update(transitions_, transition_sums_, predicted_[i - 1] * labels_ + predicted_[i], -1);
      }
    }
    if (!gold.empty() && predicted_[0] != gold[0]) {
      update(start_, start_sums_, gold[0], 1);
      update(start_, start_sums_, predicted_[0], -1);
    }
    ++clock_;
  }

  void predict(const Example& example, std::vector<std::uint8_t>& out) {
    const std::size_t n = example.gold.size();
    const std::size_t stride = padded_width(labels_);
    emissions_.assign(n * stride, 0.0F);
    for (std::size_t i = 0; i < n; ++i) {
      for (int f = 0; f < kFeaturesPerToken; ++f) {
        const std::int32_t feature = example.features[i * kFeaturesPerToken + f];
        for (std::size_t l = 0; feature >= 0 && l < labels_; ++l) {
          emissions_[i * stride + l] += weights_[feature * labels_ + l];
        }
      }
    }
    best_labels(labels_, start_.data(), transitions_.data(), emissions_.data(), stride, n, out,
                scratch_);
  }

  // Replaces every weight by its average over all updates (w - sum(t * delta) / T).
  void average() {
    const auto settle = [&](std::vector<float>& weights, const std::vector<double>& sums) {
      for (std::size_t i = 0; i < weights.size(); ++i) {
        weights[i] = static_cast<float>(weights[i] - sums[i] / static_cast<double>(clock_));
      }
    };
    settle(weights_, sums_);
    settle(start_, start_sums_);
    settle(transitions_, transition_sums_);
  }

  const std::vector<float>& weights() const { return weights_; }
  const std::vector<float>& start() const { return start_; }
  const std::vector<float>& transitions() const { return transitions_; }

 private:
  void update(std::vector<float>& weights, std::vector<double>& sums, std::size_t index,
              float delta) {
    weights[index] += delta;
    sums[index] += static_cast<double>(clock_) * delta;
  }

  std::size_t labels_;
  std::uint64_t clock_ = 1;
  std::vector<float> weights_;
  std::vector<double> sums_;
  std::vector<float> start_;
  std::vector<double> start_sums_;
  std::vector<float> transitions_;
  std::vector<double> transition_sums_;
  std::vector<float> emissions_;
  std::vector<std::uint8_t> predicted_;
  std::vector<float> scratch_;
};

// Keys kept after pruning, in first-seen order so the index is deterministic.
std::vector<std::uint64_t> kept_keys(const Extracted& extracted, int min_count,
                                     std::unordered_map<std::uint64_t, std::int32_t>& index) {
  std::vector<std::uint64_t> kept;
  for (const auto& keys : extracted.keys) {
    for (const std::uint64_t key : keys) {
      if (extracted.counts.at(key) >= static_cast<std::uint32_t>(min_count) &&
          index.emplace(key, static_cast<std::int32_t>(kept.size())).second) {
        kept.push_back(key);
      }
    }
  }
  return kept;
}

std::vector<Example> index_examples(const Extracted& extracted,
                                    const std::unordered_map<std::uint64_t, std::int32_t>& index) {
  std::vector<Example> examples(extracted.keys.size());
  for (std::size_t e = 0; e < examples.size(); ++e) {
    for (const std::uint64_t key : extracted.keys[e]) {
      const auto found = index.find(key);
      examples[e].features.push_back(found == index.end() ? -1 : found->second);
    }
    examples[e].gold = extracted.gold[e];
  }
  return examples;
}

// The averaged weights as a model, dropping features whose weights all averaged to ~0.
void fill_model(const Perceptron& perceptron, const std::vector<std::uint64_t>& keys,
                Tagger::Model& model) {
  constexpr float kNegligible = 1e-3F;
  std::vector<std::uint64_t> kept;
  std::vector<float> rows;
  const auto& weights = perceptron.weights();
  for (std::size_t f = 0; f < keys.size(); ++f) {
    const auto row = weights.begin() + static_cast<long>(f * model.labels);
    const bool useful = std::any_of(row, row + static_cast<long>(model.labels),
                                    [](float w) { return std::fabs(w) > kNegligible; });
    if (useful) {
      kept.push_back(keys[f]);
      rows.insert(rows.end(), row, row + static_cast<long>(model.labels));
    }
  }
  model.features.assign(model.labels, kept, rows);
  model.start = perceptron.start();
  model.transitions = perceptron.transitions();
}

}  // namespace

Result<Tagger, std::string> Tagger::train(std::span<const LabelledText> examples,
                                          const TaggerTrainingOptions& options) {
  if (examples.empty() || options.epochs < 1) {
    return fail(std::string("training needs at least one example and one epoch"));
  }
  auto model = std::make_shared<Model>();
  model->types.assign(tagger_types().begin(), tagger_types().end());
  model->labels = model->types.size() + 1;
  if (!options.words_file.empty()) {
    model->lexicon = read_lexicon(options.words_file);
  }
  const Extracted extracted = extract(examples, model->lexicon);
  std::unordered_map<std::uint64_t, std::int32_t> index;
  const std::vector<std::uint64_t> keys = kept_keys(extracted, options.min_feature_count, index);
  const std::vector<Example> indexed = index_examples(extracted, index);

  Perceptron perceptron(keys.size(), model->labels);
  std::vector<std::size_t> order(indexed.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::uint64_t state = options.seed;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    shuffle(order, state);
    for (const std::size_t e : order) {
      perceptron.learn(indexed[e]);
    }
  }
  perceptron.average();
  fill_model(perceptron, keys, *model);
  return Tagger(std::move(model));
}

}  // namespace switchyard::privacy
