// Evaluation of the scanner on labelled data in the Presidio research format: one JSON object
// per line, {"text": ..., "spans": [{"type", "start", "end", "value"}]}, offsets in Unicode code
// points. Reading converts them to byte offsets and the dataset's type names to ours.
//
// Two scores are computed:
//   - token level, as Presidio's evaluator does it: every token is labelled with the type of the
//     span it falls in (or "O"), gold against predicted; punctuation tokens are not counted.
//     Per type, precision = tokens right / tokens predicted as that type and recall = tokens
//     right / gold tokens of that type. "Overall" ignores the type, as Presidio's PII score
//     does: a token is right when both gold and prediction say it is some entity.
//   - span level, exact: a predicted span counts only with the same type and the same bounds.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "privacy/entity.h"
#include "privacy/scanner.h"
#include "privacy/tagger.h"

namespace switchyard::privacy {

// The dataset's name for one of our types, when it has one ("LOCATION" -> "GPE").
std::optional<std::string_view> dataset_name(EntityType type);
// Our type for one of the dataset's names.
std::optional<EntityType> type_from_dataset(std::string_view name);

// Reads a JSONL file; spans of types we have no equivalent for are dropped.
Result<std::vector<LabelledText>, std::string> read_dataset(const std::string& path);

// The deterministic 70/30 split, by a hash of the text (so duplicates stay on one side).
bool is_heldout(std::string_view text);

struct Score {
  std::size_t gold = 0;
  std::size_t predicted = 0;
  std::size_t correct = 0;

  double precision() const;
  double recall() const;
  double f_beta(double beta) const;
};

struct EvaluationReport {
  std::size_t records = 0;
  std::map<std::string, Score> token_scores;  // by dataset type name
  Score token_overall;
  std::map<std::string, Score> span_scores;
  Score span_overall;
};

// Scans every record and scores the findings against the gold spans.
EvaluationReport evaluate(const Scanner& scanner, std::span<const LabelledText> records);

// A fixed-width table of `report`, one row per type then the overall rows.
std::string format_report(const EvaluationReport& report);

}  // namespace switchyard::privacy
