// `switchyard router train --task difficulty` and `switchyard router eval --task difficulty`:
// train the difficulty scorer (router/difficulty_scorer.h) from labelled JSONL and report the
// quality-versus-share curve with APGR and CPT(50%) on the held-out part.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace switchyard::app {

struct DifficultyOptions {
  std::string data;  // JSONL: one request a line
  std::string prompt_field = "prompt";
  std::string weak_field = "weak_correct";
  std::string strong_field = "strong_correct";
  std::string topic_field;        // optional: a label the scorer learns to infer from the text
  std::string stratify_field;     // optional: a field the split keeps in proportion
  double eval_share = 0.2;        // held out from training, for the report and the quantiles
  std::uint64_t seed = 1;         // of the split
  std::string split = "heldout";  // eval: heldout or all
  std::string out;                // train: the model file to write
  std::string model;              // eval: the model file to read
};

// Adds the difficulty task's own flags to the router group's `train` and `eval` commands; the
// group binds the shared ones (--data, --out, --model, --seed) and copies them in.
void add_difficulty_flags(CLI::App& train, CLI::App& eval, DifficultyOptions& options);

// Run one command and return the process exit code.
int difficulty_train(const DifficultyOptions& options);
int difficulty_eval(const DifficultyOptions& options);

}  // namespace switchyard::app
