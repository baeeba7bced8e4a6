// Intent classifier: names the intent of a user query (the last user turn of a request) among
// the labels of its training file, or says that it is out of scope, i.e. matches none of them.
// It is an ensemble of linear models (router/linear_model.h) over text features
// (router/text_features.h), and optionally the text's word vector (router/word_vectors.h),
// whose class probabilities are averaged. A query is out of scope
// when the out-of-scope label (trained as a class, when the data has one) outscores every
// intent, or when the best intent's probability is below a threshold. The threshold is chosen
// at training time on held-out folds of the training data, never on the data it is scored on.
//
// A model file holds the labels, the threshold, and each member's feature options and
// weights, and ends with a checksum; load() refuses a damaged, truncated or foreign file with
// an error that says so.
//
// Example:
//   auto classifier = IntentClassifier::load("models/router/intent.bin");
//   IntentPrediction p = classifier->predict("how do i reset my pin");
//   // p.intent == "pin_change", p.out_of_scope == false
//
// Thread safety: immutable once trained or loaded; predict() may run on many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "router/linear_model.h"
#include "router/text_features.h"
#include "router/word_vectors.h"

namespace switchyard::router {

// A query and its label, as training and evaluation read them.
struct LabelledQuery {
  std::string text;
  std::string label;
};

// Reads JSON Lines with one object a line holding a string `text_field` and a string (or
// integer) `label_field`; other fields are ignored, blank lines skipped. Errors name
// file:line.
Result<std::vector<LabelledQuery>, std::string> read_labelled_queries(const std::string& path,
                                                                      std::string_view text_field,
                                                                      std::string_view label_field);

// A seeded split of labelled queries into training and held-out parts. Each label gives the
// held-out part round(share * its count) of its queries, so every label is represented.
struct QuerySplit {
  std::vector<LabelledQuery> training;
  std::vector<LabelledQuery> heldout;
};
QuerySplit split_queries(std::span<const LabelledQuery> queries, double share, std::uint64_t seed);

// One member of the ensemble: how it sees a text and how it is trained. The defaults are the
// ones chosen on CLINC150's training file (docs/benchmarks.md): heavy feature dropout, which
// makes the model spread its weight over many features and so generalize to new phrasings,
// and the 20 epochs it then needs; features seen at least twice; weights under a tenth of
// their feature's largest pruned, but whole rows kept for features that keep over half the
// classes anyway (the word vector's dimensions), which score as one vector operation.
struct IntentMember {
  FeatureOptions features;
  LinearTrainingOptions training{.epochs = 20,
                                 .feature_dropout = 0.5F,
                                 .min_count = 2,
                                 .prune_below = 0.1F,
                                 .whole_row_share = 0.5F};
};

struct IntentTrainingOptions {
  // The label of out-of-scope examples; empty when the data has none.
  std::string oos_label = "oos";
  // Whether out-of-scope examples are a class of their own; if not, they only help choose the
  // threshold.
  bool oos_class = true;
  // How much each out-of-scope example counts in training, relative to an intent's: they are
  // few and varied, and weighting them up raises out-of-scope recall at little in-scope cost.
  float oos_weight = 3.0F;
  std::vector<IntentMember> members = {IntentMember{}};
  // The threshold maximises (1 - oos_share) * in-scope accuracy + oos_share * out-of-scope
  // recall over held-out folds of the training data: the share of queries answered right when
  // oos_share of the traffic is out of scope. 0 fits no threshold; 0.5 weighs both alike.
  float oos_share = 0.05F;
  std::uint32_t threshold_folds = 5;  // folds of the training data the threshold is chosen on
  std::uint64_t seed = 1;             // each member's training uses seed + its index
  // Word vectors whose text vector joins every member's features, scaled by vector_weight;
  // none when null. The classifier keeps them, and its file holds them.
  std::shared_ptr<const WordVectors> word_vectors;
  float vector_weight = 3.0F;
  // Each word also reads as its `neighbours` nearest words of the training queries
  // (WordVectors::link_neighbours, at least `neighbour_similarity` alike), as word unigrams
  // of value similarity * neighbour_weight. The defaults were chosen on CLINC150's
  // validation split (docs/benchmarks.md).
  std::size_t neighbours = 3;
  float neighbour_similarity = 0.5F;
  float neighbour_weight = 0.25F;
};

struct IntentPrediction {
  std::string_view intent;  // the most probable in-scope label; valid while the classifier is
  float confidence = 0;     // its probability, averaged over the ensemble
  bool out_of_scope = false;
};

class IntentClassifier {
 public:
  // Fails when the queries have fewer than two in-scope labels.
  static Result<IntentClassifier, std::string> train(std::span<const LabelledQuery> queries,
                                                     const IntentTrainingOptions& options);
  static Result<IntentClassifier, std::string> load(const std::string& path);
  Result<bool, std::string> save(const std::string& path) const;

  IntentPrediction predict(std::string_view text) const;

  // Every label, the out-of-scope one included when trained.
  const std::vector<std::string>& labels() const { return labels_; }
  // The out-of-scope label, or "" when the model has none.
  std::string_view oos_label() const;
  float threshold() const { return threshold_; }
  std::size_t member_count() const { return members_.size(); }
  std::size_t weight_count() const;
  // The word vectors the classifier reads, or null.
  const WordVectors* word_vectors() const { return vectors_.get(); }

 private:
  struct Member {
    TextFeaturizer featurizer;
    LinearModel model;
  };

  // The ensemble's averaged class probabilities for `text` into `out` (labels() long).
  void probabilities(std::string_view text, std::vector<float>& out) const;
  IntentPrediction decide(const std::vector<float>& probabilities) const;
  // The word vector section of a model file, into `classifier`.
  static Result<bool, std::string> read_vectors(ByteReader& in, IntentClassifier& classifier);

  std::vector<std::string> labels_;
  std::int64_t oos_index_ = -1;
  float threshold_ = 0;
  std::vector<Member> members_;
  std::shared_ptr<const WordVectors> vectors_;
  float vector_weight_ = 0;
  float neighbour_weight_ = 0;
};

// How a classifier did on labelled queries.
struct IntentScore {
  std::size_t in_scope = 0;          // in-scope queries
  std::size_t in_scope_correct = 0;  // given their own label and not flagged out of scope
  std::size_t out_of_scope = 0;      // queries labelled with the out-of-scope label
  std::size_t oos_flagged = 0;       // of those, flagged out of scope
  std::size_t false_alarms = 0;      // in-scope queries flagged out of scope
  double mean_decision_us = 0;       // predict() time per query, one thread

  double in_scope_accuracy() const;
  double oos_recall() const;
};

// Scores `classifier` on `queries`; a query whose label equals `oos_label` is out of scope.
IntentScore evaluate(const IntentClassifier& classifier, std::span<const LabelledQuery> queries,
                     std::string_view oos_label);

}  // namespace switchyard::router
