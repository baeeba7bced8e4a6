#include "app/router_command.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "router/intent_classifier.h"

namespace switchyard::app {
namespace {

using router::IntentClassifier;
using router::IntentScore;
using router::LabelledQuery;

constexpr int kExitFailure = 1;
constexpr int kExitUsageError = 2;
constexpr std::string_view kKnownTasks = "intent, difficulty";

bool known_task(std::string_view command, const RouterOptions& options) {
  if (options.task == "intent" || options.task == "difficulty") {
    return true;
  }
  std::cerr << fmt::format("router {}: unknown task '{}' (known: {})\n", command, options.task,
                           kKnownTasks);
  return false;
}

std::string format_score(const IntentScore& score) {
  std::string out = fmt::format("  in-scope accuracy    {:.4f}  ({}/{})\n",
                                score.in_scope_accuracy(), score.in_scope_correct, score.in_scope);
  if (score.out_of_scope > 0) {
    out += fmt::format("  out-of-scope recall  {:.4f}  ({}/{})\n", score.oos_recall(),
                       score.oos_flagged, score.out_of_scope);
  } else {
    out += "  out-of-scope recall  -       (no out-of-scope queries)\n";
  }
  out += fmt::format("  false alarms         {}  (in-scope queries flagged out of scope)\n",
                     score.false_alarms);
  out += fmt::format("  decision time        {:.1f} us per query (mean, one thread)\n",
                     score.mean_decision_us);
  return out;
}

// The queries of `path`, or an error line on stderr and nothing.
std::optional<std::vector<LabelledQuery>> read_or_report(std::string_view command,
                                                         const std::string& path,
                                                         const RouterOptions& options) {
  auto queries = router::read_labelled_queries(path, options.text_field, options.label_field);
  if (!queries) {
    std::cerr << fmt::format("router {}: {}\n", command, queries.error());
    return std::nullopt;
  }
  return std::move(queries).value();
}

// The word vectors --word-vectors names, keeping the --vocabulary most frequent words and every
// word of the training queries; null without the flag, an error line on stderr and nothing
// when the file cannot be read.
std::optional<std::shared_ptr<const router::WordVectors>> read_word_vectors(
    const RouterOptions& options, const std::vector<LabelledQuery>& training) {
  if (options.word_vectors.empty()) {
    return std::shared_ptr<const router::WordVectors>();
  }
  router::WordVectorOptions vector_options{.max_words = options.vocabulary};
  std::set<std::string> words;
  for (const LabelledQuery& query : training) {
    const std::string normalized = router::normalize_text(query.text, false);
    for (const std::string_view word : router::split_words(normalized)) {
      words.emplace(word);
    }
  }
  vector_options.also_keep.assign(words.begin(), words.end());
  auto vectors = router::WordVectors::read_text(options.word_vectors, vector_options);
  if (!vectors) {
    std::cerr << "router train: " << vectors.error() << "\n";
    return std::nullopt;
  }
  return std::make_shared<const router::WordVectors>(std::move(vectors).value());
}

int train_intent(const RouterOptions& options) {
  auto data = read_or_report("train", options.data, options);
  if (!data) {
    return kExitUsageError;
  }
  std::vector<LabelledQuery> training = std::move(*data);
  std::vector<LabelledQuery> report_on;
  std::string report_name = options.eval;
  if (!options.eval.empty()) {
    auto eval = read_or_report("train", options.eval, options);
    if (!eval) {
      return kExitUsageError;
    }
    report_on = std::move(*eval);
  } else if (options.heldout_share > 0) {
    router::QuerySplit split = router::split_queries(training, options.heldout_share, options.seed);
    training = std::move(split.training);
    report_on = std::move(split.heldout);
    report_name = fmt::format("{:.0f}% of {} held out", options.heldout_share * 100, options.data);
  }

  router::IntentTrainingOptions training_options;
  training_options.oos_label = options.oos_label;
  training_options.seed = options.seed;
  auto vectors = read_word_vectors(options, training);
  if (!vectors) {
    return kExitUsageError;
  }
  training_options.word_vectors = std::move(*vectors);
  training_options.vector_weight = options.vector_weight;
  training_options.neighbours = options.neighbours;
  const auto started = std::chrono::steady_clock::now();
  auto classifier = IntentClassifier::train(training, training_options);
  if (!classifier) {
    std::cerr << "router train: " << classifier.error() << "\n";
    return kExitUsageError;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (auto saved = classifier->save(options.out); !saved) {
    std::cerr << "router train: " << saved.error() << "\n";
    return kExitFailure;
  }
  std::cout << fmt::format(
      "trained on {} queries: {} labels{}, {} members, {} weights, threshold {:.3f}, {:.1f} s "
      "-> {}\n",
      training.size(), classifier->labels().size(),
      classifier->oos_label().empty() ? std::string(" (no out-of-scope label)")
                                      : fmt::format(" (out of scope: {})", classifier->oos_label()),
      classifier->member_count(), classifier->weight_count(), classifier->threshold(), took.count(),
      options.out);
  if (!report_on.empty()) {
    const IntentScore score = router::evaluate(*classifier, report_on, classifier->oos_label());
    std::cout << fmt::format("{} queries ({}):\n", report_on.size(), report_name)
              << format_score(score);
  }
  return 0;
}

int eval_intent(const RouterOptions& options) {
  auto classifier = IntentClassifier::load(options.model);
  if (!classifier) {
    std::cerr << "router eval: " << classifier.error() << "\n";
    return kExitUsageError;
  }
  auto queries = read_or_report("eval", options.data, options);
  if (!queries) {
    return kExitUsageError;
  }
  const std::string oos_label =
      options.oos_label.empty() ? std::string(classifier->oos_label()) : options.oos_label;
  const IntentScore score = router::evaluate(*classifier, *queries, oos_label);
  std::cout << fmt::format("{} queries ({}), model {}:\n", queries->size(), options.data,
                           options.model)
            << format_score(score);
  return 0;
}

}  // namespace

RouterCommands add_router_commands(CLI::App& app, RouterOptions& options) {
  auto* router = app.add_subcommand("router", "Train and score the router's classifiers");
  router->require_subcommand(1);

  auto* train = router->add_subcommand(
      "train", "Train a classifier on labelled JSONL and report how it does on held-out data");
  train->add_option("--task", options.task, "Which classifier: intent or difficulty")->required();
  train->add_option("--data", options.data, "Labelled JSONL to train on")->required();
  train->add_option("--out", options.out, "Model file to write")->required();
  train->add_option("--text-field", options.text_field, "Field holding the text (default text)");
  train->add_option("--label-field", options.label_field,
                    "Field holding the label (default intent)");
  train->add_option("--oos-label", options.oos_label,
                    "Label of out-of-scope examples (default oos; \"\" for none)");
  train->add_option("--eval", options.eval,
                    "Labelled JSONL to report on; without it a share of --data is held out");
  train
      ->add_option("--heldout-share", options.heldout_share,
                   "Share of --data held out when there is no --eval (default 0.2; 0 trains on "
                   "all and reports nothing)")
      ->check(CLI::Range(0.0, 0.9));
  train->add_option("--seed", options.seed, "Seed of the split and of training (default 1)");
  train->add_option("--word-vectors", options.word_vectors,
                    "intent: word vectors in text format (GloVe, word2vec, fastText) whose "
                    "text vector joins the features; the model file keeps what it needs");
  train
      ->add_option("--vocabulary", options.vocabulary,
                   "intent: how many of the most frequent word vectors the model keeps, besides "
                   "the training queries' words (default 50000; 0 keeps all)")
      ->check(CLI::NonNegativeNumber);
  train
      ->add_option("--vector-weight", options.vector_weight,
                   "intent: scale of the word vector features (default 3)")
      ->check(CLI::Range(0.0, 100.0));
  train
      ->add_option("--neighbours", options.neighbours,
                   "intent: how many alike training words each word also reads as (default 3; "
                   "0 for none)")
      ->check(CLI::Range(0, 64));

  auto* eval = router->add_subcommand("eval", "Score a trained classifier on labelled JSONL");
  eval->add_option("--task", options.task, "Which classifier: intent (default) or difficulty");
  eval->add_option("--model", options.model, "Model file to score")->required();
  eval->add_option("--data", options.data, "Labelled JSONL")->required();
  eval->add_option("--text-field", options.text_field, "Field holding the text (default text)");
  eval->add_option("--label-field", options.label_field,
                   "Field holding the label (default intent)");
  eval->add_option("--oos-label", options.oos_label,
                   "Label of out-of-scope queries in --data (default: the model's)");
  eval->add_option("--seed", options.seed, "Seed of a held-out split to score (default 1)");
  eval->preparse_callback([&options](std::size_t) { options.oos_label.clear(); });
  add_difficulty_flags(*train, *eval, options.difficulty);
  return {train, eval};
}

int router_train(const RouterOptions& options) {
  if (!known_task("train", options)) {
    return kExitUsageError;
  }
  if (options.task == "difficulty") {
    DifficultyOptions difficulty = options.difficulty;
    difficulty.data = options.data;
    difficulty.out = options.out;
    difficulty.seed = options.seed;
    return difficulty_train(difficulty);
  }
  return train_intent(options);
}

int router_eval(const RouterOptions& options) {
  if (!known_task("eval", options)) {
    return kExitUsageError;
  }
  if (options.task == "difficulty") {
    DifficultyOptions difficulty = options.difficulty;
    difficulty.data = options.data;
    difficulty.model = options.model;
    difficulty.seed = options.seed;
    return difficulty_eval(difficulty);
  }
  return eval_intent(options);
}

}  // namespace switchyard::app
