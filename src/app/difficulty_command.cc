#include "app/difficulty_command.h"

#include <chrono>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "router/difficulty_data.h"
#include "router/difficulty_scorer.h"
#include "router/routing_metrics.h"

namespace switchyard::app {
namespace {

using router::DifficultyExample;
using router::DifficultyRecord;
using router::DifficultyScorer;

constexpr int kExitFailure = 1;
constexpr int kExitUsageError = 2;
constexpr double kReportStep = 0.05;
constexpr std::size_t kMaxTopics = 256;

router::DifficultyFields fields_of(const DifficultyOptions& options, bool with_topics) {
  router::DifficultyFields fields;
  fields.prompt = options.prompt_field;
  fields.weak = options.weak_field;
  fields.strong = options.strong_field;
  fields.stratify = options.stratify_field;
  if (with_topics) {
    fields.topic = options.topic_field;
  }
  return fields;
}

// Topic names, sorted, to indices.
std::map<std::string, int> topic_ids(const std::vector<DifficultyRecord>& records) {
  std::map<std::string, int> ids;
  for (const DifficultyRecord& record : records) {
    ids.emplace(record.topic, 0);
  }
  int next = 0;
  for (auto& [name, id] : ids) {
    id = next++;
  }
  return ids;
}

std::string report(const DifficultyScorer& scorer, const std::vector<DifficultyRecord>& records,
                   const std::vector<std::size_t>& chosen) {
  std::vector<router::RoutedOutcome> outcomes;
  outcomes.reserve(chosen.size());
  for (const std::size_t i : chosen) {
    outcomes.push_back(
        {scorer.score(records[i].prompt), records[i].weak_correct, records[i].strong_correct});
  }
  return router::format_routing_report(router::routing_curve(outcomes), kReportStep);
}

}  // namespace

void add_difficulty_flags(CLI::App& train, CLI::App& eval, DifficultyOptions& options) {
  for (CLI::App* command : {&train, &eval}) {
    command->add_option("--prompt-field", options.prompt_field, "The prompt (default prompt)");
    command->add_option("--weak-field", options.weak_field,
                        "Whether the weak model was right (default weak_correct)");
    command->add_option("--strong-field", options.strong_field,
                        "Whether the strong model was right (default strong_correct)");
    command->add_option("--stratify-field", options.stratify_field,
                        "A string field the held-out split keeps in proportion");
    command
        ->add_option("--eval-share", options.eval_share,
                     "Share held out from training (default 0.2)")
        ->check(CLI::Range(0.0, 0.9));
  }
  train.add_option("--topic-field", options.topic_field,
                   "A label (such as a subject) the scorer learns to infer from the text");
  eval.add_option("--split", options.split, "heldout (default) or all")
      ->check(CLI::IsMember({"heldout", "all"}));
}

int difficulty_train(const DifficultyOptions& options) {
  if (options.out.empty()) {
    std::cerr << "router train: --out is required for --task difficulty\n";
    return kExitUsageError;
  }
  auto records = router::read_difficulty_records(options.data, fields_of(options, true));
  if (!records) {
    std::cerr << "router train: " << records.error() << "\n";
    return kExitUsageError;
  }
  const router::DataSplit split = router::split_records(*records, options.eval_share, options.seed);
  const std::map<std::string, int> topics =
      options.topic_field.empty() ? std::map<std::string, int>{} : topic_ids(*records);
  if (topics.size() > kMaxTopics) {
    std::cerr << fmt::format("router train: {} topics; at most {}\n", topics.size(), kMaxTopics);
    return kExitUsageError;
  }
  std::vector<DifficultyExample> examples;
  for (const std::size_t i : split.training) {
    const DifficultyRecord& record = (*records)[i];
    examples.push_back({record.prompt, record.weak_correct, record.strong_correct,
                        topics.empty() ? -1 : topics.at(record.topic)});
  }

  router::DifficultyTrainingOptions training;
  training.topic_count = topics.size();
  const auto started = std::chrono::steady_clock::now();
  DifficultyScorer scorer = DifficultyScorer::train(examples, training);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (!split.heldout.empty()) {
    std::vector<double> scores;
    for (const std::size_t i : split.heldout) {
      scores.push_back(scorer.score((*records)[i].prompt));
    }
    scorer.calibrate(scores);
  }
  if (auto saved = scorer.save(options.out); !saved) {
    std::cerr << "router train: " << saved.error() << "\n";
    return kExitFailure;
  }
  std::cout << fmt::format("trained on {} records ({} topics), held out {}, {:.1f} s -> {}\n",
                           split.training.size(), topics.size(), split.heldout.size(), took.count(),
                           options.out);
  if (!split.heldout.empty()) {
    std::cout << "held out:\n" << report(scorer, *records, split.heldout);
  }
  return 0;
}

int difficulty_eval(const DifficultyOptions& options) {
  if (options.model.empty()) {
    std::cerr << "router eval: --model is required for --task difficulty\n";
    return kExitUsageError;
  }
  auto records = router::read_difficulty_records(options.data, fields_of(options, false));
  auto scorer = DifficultyScorer::load(options.model);
  if (!records || !scorer) {
    std::cerr << "router eval: " << (records ? scorer.error() : records.error()) << "\n";
    return kExitUsageError;
  }
  std::vector<std::size_t> chosen;
  if (options.split == "all") {
    for (std::size_t i = 0; i < records->size(); ++i) {
      chosen.push_back(i);
    }
  } else {
    chosen = router::split_records(*records, options.eval_share, options.seed).heldout;
  }
  if (chosen.empty()) {
    std::cerr << "router eval: no records in the chosen split\n";
    return kExitUsageError;
  }
  std::cout << fmt::format("split: {}\n", options.split) << report(*scorer, *records, chosen);
  return 0;
}

}  // namespace switchyard::app
