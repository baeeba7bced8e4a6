#include "router/intent_classifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "common/binary_io.h"
#include "router/vector_features.h"

namespace switchyard::router {
namespace {

namespace json = boost::json;

constexpr std::string_view kMagic = "SWYDINTC";
// Version 2 added the optional word vectors after the members; version 1 files still load.
constexpr std::uint32_t kFormatVersion = 2;
constexpr std::uint32_t kFirstFormatVersion = 1;
constexpr std::uint32_t kMaxLabels = 65535;
constexpr std::uint32_t kMaxMembers = 16;

Result<LabelledQuery, std::string> parse_query(std::string_view line, std::string_view text_field,
                                               std::string_view label_field) {
  boost::system::error_code error;
  const json::value value = json::parse(line, error);
  if (error) {
    return fail(fmt::format("not valid JSON ({})", error.message()));
  }
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return fail(std::string("not a JSON object"));
  }
  const json::value* text = object->if_contains(text_field);
  if (text == nullptr || !text->is_string()) {
    return fail(fmt::format("no string field \"{}\"", text_field));
  }
  const json::value* label = object->if_contains(label_field);
  LabelledQuery query{std::string(text->as_string()), {}};
  if (label != nullptr && label->is_string()) {
    query.label = std::string(label->as_string());
  } else if (label != nullptr && label->is_int64()) {
    query.label = std::to_string(label->as_int64());
  } else {
    return fail(fmt::format("no string or integer field \"{}\"", label_field));
  }
  return query;
}

// What the threshold search needs to know about one held-out query.
struct HeldOut {
  float confidence = 0;       // best in-scope probability
  bool oos_wins = false;      // the out-of-scope class outscored every intent
  bool correct = false;       // the best intent is the query's label
  bool out_of_scope = false;  // the query is labelled out of scope
};

// The threshold that maximises (1 - oos_share) * in-scope accuracy + oos_share * out-of-scope
// recall over `held_out`; a query is flagged when its confidence is below it. Ties go to the
// lower threshold.
float fit_threshold(std::vector<HeldOut> held_out, float oos_share) {
  std::size_t in_scope = 0;
  std::size_t oos = 0;
  for (const HeldOut& h : held_out) {
    (h.out_of_scope ? oos : in_scope) += 1;
  }
  if (in_scope == 0 || oos == 0) {
    return 0;
  }
  std::sort(held_out.begin(), held_out.end(),
            [](const HeldOut& a, const HeldOut& b) { return a.confidence < b.confidence; });
  // Threshold 0 first: only the out-of-scope class flags.
  std::size_t correct = 0;
  std::size_t flagged = 0;
  for (const HeldOut& h : held_out) {
    correct += !h.out_of_scope && h.correct && !h.oos_wins ? 1 : 0;
    flagged += h.out_of_scope && h.oos_wins ? 1 : 0;
  }
  const auto objective = [&] {
    return (1.0 - oos_share) * static_cast<double>(correct) / static_cast<double>(in_scope) +
           oos_share * static_cast<double>(flagged) / static_cast<double>(oos);
  };
  double best = objective();
  float threshold = 0;
  // Raising the threshold past held_out[i] flags it too.
  for (std::size_t i = 0; i < held_out.size(); ++i) {
    const HeldOut& h = held_out[i];
    correct -= !h.out_of_scope && h.correct && !h.oos_wins ? 1 : 0;
    flagged += h.out_of_scope && !h.oos_wins ? 1 : 0;
    const bool boundary = i + 1 == held_out.size() || held_out[i + 1].confidence > h.confidence;
    if (boundary && objective() > best) {
      best = objective();
      threshold = i + 1 < held_out.size() ? (h.confidence + held_out[i + 1].confidence) / 2
                                          : std::nextafter(h.confidence, 2.0F);
    }
  }
  return threshold;
}

// Indices 0 .. labels.size() - 1 grouped by label, each group in a seeded order. The order is
// a sort on a hash of (seed, index), the same on every platform.
template <class Label>
std::vector<std::size_t> shuffled_by_label(const std::vector<Label>& labels, std::uint64_t seed) {
  std::vector<std::size_t> order(labels.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  const auto rank = [seed](std::size_t i) {
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + i;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return labels[a] != labels[b] ? labels[a] < labels[b] : rank(a) < rank(b);
  });
  return order;
}

// Fold of each query: each label's queries, in file order, are cut into `folds` runs of
// consecutive queries. Labelled files are often written batch by batch (one source or one
// round of paraphrasing after another), and a fold made of batches the model never saw is
// what new traffic looks like; folds dealt at random would score the threshold on
// near-duplicates of the training queries and set it too low.
std::vector<std::uint32_t> assign_folds(const std::vector<std::uint32_t>& labels,
                                        std::uint32_t folds) {
  std::vector<std::size_t> totals;
  for (const std::uint32_t label : labels) {
    totals.resize(std::max<std::size_t>(totals.size(), label + 1));
    ++totals[label];
  }
  std::vector<std::size_t> seen(totals.size(), 0);
  std::vector<std::uint32_t> fold(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    fold[i] = static_cast<std::uint32_t>(seen[labels[i]]++ * folds / totals[labels[i]]);
  }
  return fold;
}

}  // namespace

Result<std::vector<LabelledQuery>, std::string> read_labelled_queries(
    const std::string& path, std::string_view text_field, std::string_view label_field) {
  std::ifstream file(path);
  if (!file) {
    return fail(fmt::format("cannot open {}", path));
  }
  std::vector<LabelledQuery> queries;
  std::string line;
  for (std::size_t number = 1; std::getline(file, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    auto query = parse_query(line, text_field, label_field);
    if (!query) {
      return fail(fmt::format("{}:{}: {}", path, number, query.error()));
    }
    queries.push_back(std::move(query).value());
  }
  if (queries.empty()) {
    return fail(fmt::format("{}: no records", path));
  }
  return queries;
}

QuerySplit split_queries(std::span<const LabelledQuery> queries, double share, std::uint64_t seed) {
  std::vector<std::string_view> labels;
  labels.reserve(queries.size());
  for (const LabelledQuery& query : queries) {
    labels.push_back(query.label);
  }
  const std::vector<std::size_t> order = shuffled_by_label(labels, seed);
  QuerySplit split;
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin;
    while (end < order.size() && labels[order[end]] == labels[order[begin]]) {
      ++end;
    }
    const auto held =
        static_cast<std::size_t>(std::lround(share * static_cast<double>(end - begin)));
    for (std::size_t i = begin; i < end; ++i) {
      (i - begin < held ? split.heldout : split.training).push_back(queries[order[i]]);
    }
    begin = end;
  }
  return split;
}

namespace {

// A copy of options.word_vectors whose words are linked to their neighbours among the words
// the queries use more than once (a word seen once says little about its intent), digits
// aside (the classifier's own features fold them); null without vectors.
std::shared_ptr<const WordVectors> linked_vectors(std::span<const LabelledQuery> queries,
                                                  const IntentTrainingOptions& options) {
  if (!options.word_vectors) {
    return nullptr;
  }
  auto vectors = std::make_shared<WordVectors>(*options.word_vectors);
  if (options.neighbours == 0 || options.neighbour_weight <= 0) {
    return vectors;
  }
  std::map<std::string, std::size_t, std::less<>> counts;
  for (const LabelledQuery& query : queries) {
    const std::string normalized = normalize_text(query.text, false);
    for (const std::string_view word : split_words(normalized)) {
      ++counts[std::string(word)];
    }
  }
  std::vector<std::string> candidates;
  for (const auto& [word, count] : counts) {
    const bool digits = word.find_first_of("0123456789") != std::string::npos;
    if (count >= 2 && !digits) {
      candidates.push_back(word);
    }
  }
  vectors->link_neighbours(candidates, options.neighbours, options.neighbour_similarity);
  return vectors;
}

}  // namespace

// Training state shared by the cross-fitted folds and the final model.
class IntentTrainer {
 public:
  // `vectors` are options.word_vectors linked to the queries' words, or null.
  IntentTrainer(std::span<const LabelledQuery> queries, const IntentTrainingOptions& options,
                const WordVectors* vectors)
      : options_(options) {
    std::map<std::string, std::uint32_t> index;
    for (const LabelledQuery& query : queries) {
      index.emplace(query.label, 0);
    }
    for (auto& [label, i] : index) {
      i = static_cast<std::uint32_t>(labels_.size());
      labels_.push_back(label);
    }
    for (const LabelledQuery& query : queries) {
      labels_of_.push_back(index[query.label]);
    }
    if (const auto oos = index.find(options.oos_label); oos != index.end()) {
      oos_index_ = oos->second;
    }
    for (const IntentMember& member : options.members) {
      TextFeaturizer featurizer(member.features);
      std::vector<std::vector<Feature>>& features = features_.emplace_back();
      for (const LabelledQuery& query : queries) {
        std::vector<Feature>& text_features = features.emplace_back();
        featurizer.featurize(query.text, text_features);
        if (vectors != nullptr) {
          add_vector_features(*vectors, options.vector_weight, options.neighbour_weight, query.text,
                              text_features);
        }
      }
    }
  }

  const std::vector<std::string>& labels() const { return labels_; }
  std::int64_t oos_index() const { return oos_index_; }
  const std::vector<std::uint32_t>& labels_of() const { return labels_of_; }

  // Member `m` trained on the queries `take` accepts (by index).
  template <class Take>
  LinearModel train_member(std::size_t m, Take&& take) const {
    std::vector<Example> examples;
    for (std::size_t q = 0; q < labels_of_.size(); ++q) {
      const bool oos = static_cast<std::int64_t>(labels_of_[q]) == oos_index_;
      if (take(q) && (!oos || options_.oos_class)) {
        examples.push_back({features_[m][q], labels_of_[q], oos ? options_.oos_weight : 1.0F});
      }
    }
    LinearTrainingOptions training = options_.members[m].training;
    training.seed = options_.seed + m;
    return LinearModel::train(examples, labels_.size(), training);
  }

  const std::vector<Feature>& features(std::size_t m, std::size_t q) const {
    return features_[m][q];
  }

 private:
  const IntentTrainingOptions& options_;
  std::vector<std::string> labels_;
  std::vector<std::uint32_t> labels_of_;
  std::int64_t oos_index_ = -1;
  std::vector<std::vector<std::vector<Feature>>> features_;  // [member][query]
};

Result<IntentClassifier, std::string> IntentClassifier::train(
    std::span<const LabelledQuery> queries, const IntentTrainingOptions& options) {
  if (options.members.empty() || options.members.size() > kMaxMembers) {
    return fail(fmt::format("an ensemble has 1 to {} members", kMaxMembers));
  }
  const std::shared_ptr<const WordVectors> vectors = linked_vectors(queries, options);
  const IntentTrainer trainer(queries, options, vectors.get());
  const std::size_t in_scope_labels = trainer.labels().size() - (trainer.oos_index() >= 0 ? 1 : 0);
  if (in_scope_labels < 2) {
    return fail(
        fmt::format("the data has {} in-scope label(s); at least 2 are needed", in_scope_labels));
  }
  IntentClassifier classifier;
  classifier.labels_ = trainer.labels();
  classifier.oos_index_ = trainer.oos_index();
  classifier.vectors_ = vectors;
  classifier.vector_weight_ = vectors ? options.vector_weight : 0.0F;
  classifier.neighbour_weight_ = vectors ? options.neighbour_weight : 0.0F;

  if (options.oos_share > 0 && options.threshold_folds >= 2 && trainer.oos_index() >= 0) {
    const auto fold = assign_folds(trainer.labels_of(), options.threshold_folds);
    std::vector<HeldOut> held_out;
    std::vector<float> probabilities;
    for (std::uint32_t f = 0; f < options.threshold_folds; ++f) {
      IntentClassifier part = classifier;
      for (std::size_t m = 0; m < options.members.size(); ++m) {
        part.members_.push_back(
            {TextFeaturizer(options.members[m].features),
             trainer.train_member(m, [&](std::size_t q) { return fold[q] != f; })});
      }
      for (std::size_t q = 0; q < fold.size(); ++q) {
        if (fold[q] != f) {
          continue;
        }
        part.probabilities(queries[q].text, probabilities);
        const IntentPrediction p = part.decide(probabilities);
        const std::uint32_t label = trainer.labels_of()[q];
        const bool oos = static_cast<std::int64_t>(label) == trainer.oos_index();
        held_out.push_back(
            {p.confidence, p.out_of_scope, p.intent == trainer.labels()[label], oos});
      }
    }
    classifier.threshold_ = fit_threshold(std::move(held_out), options.oos_share);
  }

  for (std::size_t m = 0; m < options.members.size(); ++m) {
    classifier.members_.push_back({TextFeaturizer(options.members[m].features),
                                   trainer.train_member(m, [](std::size_t) { return true; })});
  }
  return classifier;
}

std::string_view IntentClassifier::oos_label() const {
  return oos_index_ >= 0 ? std::string_view(labels_[oos_index_]) : std::string_view();
}

std::size_t IntentClassifier::weight_count() const {
  std::size_t total = 0;
  for (const Member& member : members_) {
    total += member.model.weight_count();
  }
  return total;
}

void IntentClassifier::probabilities(std::string_view text, std::vector<float>& out) const {
  thread_local std::vector<Feature> features;
  thread_local std::vector<float> member_probabilities;
  out.assign(labels_.size(), 0.0F);
  member_probabilities.resize(labels_.size());
  const FeatureOptions* featurized = nullptr;
  for (const Member& member : members_) {
    // Members with the same options (often all of them) share one featurization.
    const FeatureOptions& options = member.featurizer.options();
    if (featurized == nullptr || *featurized != options) {
      member.featurizer.featurize(text, features);
      if (vectors_) {
        add_vector_features(*vectors_, vector_weight_, neighbour_weight_, text, features);
      }
      featurized = &options;
    }
    member.model.probabilities(features, member_probabilities);
    for (std::size_t c = 0; c < out.size(); ++c) {
      out[c] += member_probabilities[c];
    }
  }
  const float share = 1.0F / static_cast<float>(members_.size());
  for (float& p : out) {
    p *= share;
  }
}

IntentPrediction IntentClassifier::decide(const std::vector<float>& probabilities) const {
  std::size_t best = oos_index_ == 0 ? 1 : 0;
  for (std::size_t c = 0; c < probabilities.size(); ++c) {
    if (static_cast<std::int64_t>(c) != oos_index_ && probabilities[c] > probabilities[best]) {
      best = c;
    }
  }
  IntentPrediction prediction{labels_[best], probabilities[best], false};
  const bool oos_wins = oos_index_ >= 0 && probabilities[oos_index_] > prediction.confidence;
  prediction.out_of_scope = oos_wins || prediction.confidence < threshold_;
  return prediction;
}

IntentPrediction IntentClassifier::predict(std::string_view text) const {
  thread_local std::vector<float> probabilities;
  this->probabilities(text, probabilities);
  return decide(probabilities);
}

Result<bool, std::string> IntentClassifier::save(const std::string& path) const {
  ByteWriter out;
  out.put_bytes(kMagic);
  out.put(kFormatVersion);
  out.put(static_cast<std::uint32_t>(labels_.size()));
  for (const std::string& label : labels_) {
    out.put_string(label);
  }
  out.put(oos_index_);
  out.put(threshold_);
  out.put(static_cast<std::uint32_t>(members_.size()));
  for (const Member& member : members_) {
    member.featurizer.options().write(out);
    member.model.write(out);
  }
  out.put(static_cast<std::uint8_t>(vectors_ ? 1 : 0));
  if (vectors_) {
    out.put(vector_weight_);
    out.put(neighbour_weight_);
    vectors_->write(out);
  }
  out.put(checksum_of(out.data()));
  const std::string bytes = out.take();
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file) {
    return fail(fmt::format("cannot write {}", path));
  }
  return true;
}

namespace {

// The header fields after the magic; `labels` and the rest are checked against each other.
Result<bool, std::string> read_labels(ByteReader& in, std::uint32_t& version,
                                      std::vector<std::string>& labels, std::int64_t& oos_index,
                                      float& threshold) {
  std::uint32_t count = 0;
  if (!in.get(version) || version < kFirstFormatVersion || version > kFormatVersion) {
    return fail(fmt::format("format version {}, this build reads {} to {}", version,
                            kFirstFormatVersion, kFormatVersion));
  }
  if (!in.get(count) || count < 2 || count > kMaxLabels) {
    return fail(std::string("bad label count"));
  }
  labels.resize(count);
  for (std::string& label : labels) {
    if (!in.get_string(label)) {
      return fail(std::string("truncated label list"));
    }
  }
  if (!in.get(oos_index) || oos_index < -1 || oos_index >= static_cast<std::int64_t>(count)) {
    return fail(std::string("bad out-of-scope label index"));
  }
  if (!in.get(threshold) || !std::isfinite(threshold)) {
    return fail(std::string("bad threshold"));
  }
  return true;
}

}  // namespace

Result<bool, std::string> IntentClassifier::read_vectors(ByteReader& in,
                                                         IntentClassifier& classifier) {
  std::uint8_t present = 0;
  if (!in.get(present) || present > 1) {
    return fail(std::string("bad word vector flag"));
  }
  if (present == 0) {
    return true;
  }
  if (!in.get(classifier.vector_weight_) || !std::isfinite(classifier.vector_weight_) ||
      !in.get(classifier.neighbour_weight_) || !std::isfinite(classifier.neighbour_weight_)) {
    return fail(std::string("bad word vector weights"));
  }
  auto vectors = WordVectors::read(in);
  if (!vectors) {
    return fail(vectors.error());
  }
  classifier.vectors_ = std::make_shared<const WordVectors>(std::move(vectors).value());
  return true;
}

Result<IntentClassifier, std::string> IntentClassifier::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return fail(fmt::format("cannot open intent model {}", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  const std::string bytes = std::move(contents).str();
  constexpr std::size_t kChecksumBytes = sizeof(std::uint64_t);
  if (bytes.size() < kMagic.size() || std::string_view(bytes).substr(0, kMagic.size()) != kMagic) {
    return fail(fmt::format("{} is not a Switchyard intent model (bad magic)", path));
  }
  if (bytes.size() < kMagic.size() + kChecksumBytes) {
    return fail(fmt::format("intent model {} is truncated", path));
  }
  const std::string_view body(bytes.data(), bytes.size() - kChecksumBytes);
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + body.size(), kChecksumBytes);
  if (checksum_of(body) != stored) {
    return fail(fmt::format("intent model {} is truncated or corrupt (checksum mismatch)", path));
  }

  ByteReader in(body.substr(kMagic.size()));
  IntentClassifier classifier;
  std::uint32_t version = 0;
  if (auto header = read_labels(in, version, classifier.labels_, classifier.oos_index_,
                                classifier.threshold_);
      !header) {
    return fail(fmt::format("intent model {}: {}", path, header.error()));
  }
  std::uint32_t members = 0;
  if (!in.get(members) || members == 0 || members > kMaxMembers) {
    return fail(fmt::format("intent model {}: bad member count", path));
  }
  for (std::uint32_t m = 0; m < members; ++m) {
    auto options = FeatureOptions::read(in);
    if (!options) {
      return fail(fmt::format("intent model {}: member {}: {}", path, m, options.error()));
    }
    auto model = LinearModel::read(in);
    if (!model) {
      return fail(fmt::format("intent model {}: member {}: {}", path, m, model.error()));
    }
    if (model->classes() != classifier.labels_.size()) {
      return fail(fmt::format("intent model {}: member {} has {} classes for {} labels", path, m,
                              model->classes(), classifier.labels_.size()));
    }
    classifier.members_.push_back({TextFeaturizer(*options), std::move(model).value()});
  }
  if (version >= 2) {
    if (auto vectors = read_vectors(in, classifier); !vectors) {
      return fail(fmt::format("intent model {}: {}", path, vectors.error()));
    }
  }
  if (!in.at_end()) {
    return fail(fmt::format("intent model {}: trailing bytes", path));
  }
  return classifier;
}

double IntentScore::in_scope_accuracy() const {
  return in_scope == 0 ? 0.0
                       : static_cast<double>(in_scope_correct) / static_cast<double>(in_scope);
}

double IntentScore::oos_recall() const {
  return out_of_scope == 0 ? 0.0
                           : static_cast<double>(oos_flagged) / static_cast<double>(out_of_scope);
}

IntentScore evaluate(const IntentClassifier& classifier, std::span<const LabelledQuery> queries,
                     std::string_view oos_label) {
  IntentScore score;
  std::vector<IntentPrediction> predictions;
  predictions.reserve(queries.size());
  const auto started = std::chrono::steady_clock::now();
  for (const LabelledQuery& query : queries) {
    predictions.push_back(classifier.predict(query.text));
  }
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - started;
  score.mean_decision_us = queries.empty() ? 0 : took.count() / static_cast<double>(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const IntentPrediction& p = predictions[i];
    if (!oos_label.empty() && queries[i].label == oos_label) {
      ++score.out_of_scope;
      score.oos_flagged += p.out_of_scope ? 1 : 0;
      continue;
    }
    ++score.in_scope;
    score.in_scope_correct += !p.out_of_scope && p.intent == queries[i].label ? 1 : 0;
    score.false_alarms += p.out_of_scope ? 1 : 0;
  }
  return score;
}

}  // namespace switchyard::router
