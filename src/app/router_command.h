// `switchyard router`: train the router's classifiers from labelled JSONL and score them (see
// router/intent_classifier.h and router/difficulty_scorer.h). `--task` names the classifier:
// intent or difficulty.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "app/difficulty_command.h"

namespace switchyard::app {

struct RouterOptions {
  std::string task = "intent";
  std::string data;   // JSONL to train on (train) or to score (eval)
  std::string eval;   // train: JSONL to report on instead of a held-out share of --data
  std::string out;    // train: the model file to write
  std::string model;  // eval: the model file to score
  std::string text_field = "text";
  std::string label_field = "intent";
  std::string oos_label = "oos";  // eval: default is the label the model was trained with
  double heldout_share = 0.2;     // train without --eval: share of --data held out to report on
  std::uint64_t seed = 1;
  // train --task intent: word vectors in text format, how many of their most frequent words
  // the model keeps (besides those of the training queries), their features' scale, and how
  // many training words each word is linked to.
  std::string word_vectors;
  std::size_t vocabulary = 50000;
  float vector_weight = 3.0F;
  std::size_t neighbours = 3;
  DifficultyOptions difficulty;  // --task difficulty's own flags
};

struct RouterCommands {
  CLI::App* train = nullptr;
  CLI::App* eval = nullptr;
};

// Adds the `router` group to `app`, binding the flags to `options`.
RouterCommands add_router_commands(CLI::App& app, RouterOptions& options);

// Run one command and return the process exit code.
int router_train(const RouterOptions& options);
int router_eval(const RouterOptions& options);

}  // namespace switchyard::app
