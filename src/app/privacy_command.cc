#include "app/privacy_command.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "privacy/clinical.h"
#include "privacy/evaluation.h"
#include "privacy/scanner.h"
#include "privacy/tagger.h"

namespace switchyard::app {
namespace {

namespace json = boost::json;
using namespace switchyard::privacy;  // NOLINT: a .cc file that only drives the privacy API

constexpr int kExitFailure = 1;
constexpr int kExitUsageError = 2;

// The records of the requested split: training (not held out), held out, or all.
std::vector<LabelledText> split_of(std::vector<LabelledText> records, std::string_view split) {
  if (split == "all") {
    return records;
  }
  const bool heldout = split == "heldout";
  std::erase_if(records, [&](const LabelledText& r) { return is_heldout(r.text) != heldout; });
  return records;
}

// Each line of `path` as an example with no entities; comments (#) and blank lines skipped.
Result<bool, std::string> add_negatives(const std::string& path, std::vector<LabelledText>& out) {
  std::ifstream file(path);
  if (!file) {
    return fail(fmt::format("cannot open {}", path));
  }
  std::string line;
  while (std::getline(file, line)) {
    if (!line.empty() && line[0] != '#') {
      out.push_back({line, {}});
    }
  }
  return true;
}

Result<Scanner, std::string> make_scanner(const PrivacyOptions& options) {
  GuardOptions guard;
  if (!options.no_model) {
    guard.model_path = options.model.empty() ? default_tagger_path() : options.model;
  }
  return Scanner::create(guard);
}

json::object entity_json(const Scanner& scanner, std::string_view text, const Entity& entity) {
  json::object out;
  out["type"] = name_of(entity.type);
  out["class"] = name_of(entity.data_class);
  out["begin"] = entity.begin;
  out["end"] = entity.end;
  out["confidence"] = std::round(entity.confidence * 100) / 100;
  out["rule"] = scanner.rule_name(entity.rule);
  out["text"] = text.substr(entity.begin, entity.size());
  return out;
}

json::object request_json(const Scanner& scanner, const json::object& request) {
  const Findings findings = scanner.scan_request(request);
  json::array list;
  for (const Finding& finding : findings.findings) {
    const json::string* text = text_at(request, finding.location);
    json::object entry =
        entity_json(scanner, text != nullptr ? std::string_view(*text) : "", finding.entity);
    entry["path"] = finding.location.json_pointer();
    list.push_back(std::move(entry));
  }
  json::object counts;
  for (std::size_t c = 0; c < kDataClassCount; ++c) {
    counts[name_of(static_cast<DataClass>(c))] = findings.class_counts[c];
  }
  return {{"findings", std::move(list)},
          {"class_counts", std::move(counts)},
          {"phi_score", findings.phi_score},
          {"phi", findings.phi()},
          {"complete", findings.complete}};
}

}  // namespace

PrivacyCommands add_privacy_commands(CLI::App& app, PrivacyOptions& options) {
  auto* privacy = app.add_subcommand("privacy", "Detect PII, PHI, PCI and secrets");
  privacy->require_subcommand(1);

  auto* train = privacy->add_subcommand(
      "train", "Train the tagger on the training split (70%) of a labelled JSONL file");
  train->add_option("--data", options.data, "Labelled JSONL (Presidio format)")->required();
  train->add_option("--out", options.out, "Model file to write")->required();
  train->add_option("--epochs", options.epochs, "Perceptron passes (default 10)");
  train->add_option("--seed", options.seed, "Seed of the example order (default 1)");
  train->add_option("--min-count", options.min_feature_count,
                    "Drop features seen fewer times in training (default 2)");
  train->add_option("--words", options.words, "Word list for dictionary features");
  train->add_option("--negatives", options.negatives,
                    "Lines of text without entities to train against (# starts a comment)");

  auto* eval = privacy->add_subcommand("eval", "Score the scanner on labelled JSONL");
  eval->add_option("--data", options.data, "Labelled JSONL (Presidio format)")->required();
  eval->add_option("--split", options.split, "heldout (default), train or all")
      ->check(CLI::IsMember({"heldout", "train", "all"}));
  eval->add_option("--model", options.model, "Tagger model (default: the shipped one)");
  eval->add_flag("--no-model", options.no_model, "Patterns only, no tagger");

  auto* scan = privacy->add_subcommand("scan", "Scan stdin and print the findings as JSON");
  scan->add_option("--model", options.model, "Tagger model (default: the shipped one)");
  scan->add_flag("--no-model", options.no_model, "Patterns only, no tagger");
  scan->add_flag("--request", options.request, "stdin is a chat-completions request body");
  return {train, eval, scan};
}

int privacy_train(const PrivacyOptions& options) {
  auto records = read_dataset(options.data);
  if (!records) {
    std::cerr << "privacy train: " << records.error() << "\n";
    return kExitUsageError;
  }
  std::vector<LabelledText> training = split_of(std::move(records).value(), "train");
  if (!options.negatives.empty()) {
    if (auto added = add_negatives(options.negatives, training); !added) {
      std::cerr << "privacy train: " << added.error() << "\n";
      return kExitUsageError;
    }
  }
  TaggerTrainingOptions training_options;
  training_options.epochs = options.epochs;
  training_options.seed = options.seed;
  training_options.words_file = options.words;
  training_options.min_feature_count = options.min_feature_count;
  const auto started = std::chrono::steady_clock::now();
  auto tagger = Tagger::train(training, training_options);
  if (!tagger) {
    std::cerr << "privacy train: " << tagger.error() << "\n";
    return kExitFailure;
  }
  if (auto saved = tagger->save(options.out); !saved) {
    std::cerr << "privacy train: " << saved.error() << "\n";
    return kExitFailure;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  std::cout << fmt::format("trained on {} records, {} features, {:.1f} s -> {}\n", training.size(),
                           tagger->feature_count(), took.count(), options.out);
  return 0;
}

int privacy_eval(const PrivacyOptions& options) {
  auto records = read_dataset(options.data);
  auto scanner = make_scanner(options);
  if (!records || !scanner) {
    std::cerr << "privacy eval: " << (records ? scanner.error() : records.error()) << "\n";
    return kExitUsageError;
  }
  const std::vector<LabelledText> chosen = split_of(std::move(records).value(), options.split);
  std::cout << fmt::format("split: {}\n", options.split)
            << format_report(evaluate(*scanner, chosen));
  return 0;
}

int privacy_scan(const PrivacyOptions& options) {
  auto scanner = make_scanner(options);
  if (!scanner) {
    std::cerr << "privacy scan: " << scanner.error() << "\n";
    return kExitUsageError;
  }
  const std::string input(std::istreambuf_iterator<char>(std::cin), {});
  if (options.request) {
    boost::system::error_code error;
    const json::value request = json::parse(input, error);
    if (error || !request.is_object()) {
      std::cerr << "privacy scan: stdin is not a JSON object\n";
      return kExitUsageError;
    }
    std::cout << json::serialize(request_json(*scanner, request.as_object())) << "\n";
    return 0;
  }
  TextFindings findings;
  scanner->scan(input, findings);
  json::array list;
  for (const Entity& entity : findings.entities) {
    list.push_back(entity_json(*scanner, input, entity));
  }
  const json::object out{{"entities", std::move(list)},
                         {"phi_score", phi_score(findings.clinical_evidence)},
                         {"complete", findings.complete}};
  std::cout << json::serialize(out) << "\n";
  return 0;
}

}  // namespace switchyard::app
