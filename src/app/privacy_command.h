// `switchyard privacy`: train the tagger, evaluate the scanner on labelled data, and scan text
// from stdin by hand (see privacy/scanner.h).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace switchyard::app {

struct PrivacyOptions {
  std::string data;               // JSONL in the Presidio research format
  std::string out;                // train: the model file to write
  std::string model;              // eval, scan: the tagger model (default: the one the build ships)
  std::string split = "heldout";  // eval: heldout or all
  std::string words = "/usr/share/dict/words";
  std::string negatives;  // train: text with no entities, one example a line
  int epochs = 10;
  int min_feature_count = 2;
  std::uint64_t seed = 1;
  bool no_model = false;  // scan, eval: patterns only
  bool request = false;   // scan: stdin is a chat-completions request
};

struct PrivacyCommands {
  CLI::App* train = nullptr;
  CLI::App* eval = nullptr;
  CLI::App* scan = nullptr;
};

// Adds the `privacy` group to `app`, binding the flags to `options`.
PrivacyCommands add_privacy_commands(CLI::App& app, PrivacyOptions& options);

// Run one command and return the process exit code.
int privacy_train(const PrivacyOptions& options);
int privacy_eval(const PrivacyOptions& options);
int privacy_scan(const PrivacyOptions& options);

}  // namespace switchyard::app
