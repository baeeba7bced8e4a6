// Trains a small chat model on conversations, with llama.cpp's training API (ggml-opt, AdamW
// over next-token cross-entropy). This is how the demo model that `switchyard serve` answers
// with out of the box is made: a random-weight model from make_model, taught a few dozen
// conversations for a few minutes on the CPU. It learns those conversations, not language.
//
// Example:
//   TrainOptions options{.base_path = "base-f32.gguf", .corpus_path = "corpus.jsonl",
//                        .out_path = "demo.gguf"};
//   auto trained = train_chat_model(options, [](const EpochReport& r) { print(r.loss); });
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "local/model_maker.h"

namespace switchyard::local {

struct TrainOptions {
  std::string base_path;    // an F32 GGUF with a chat template (make_model writes one)
  std::string corpus_path;  // JSON Lines, one {"messages": [{"role", "content"}, ...]} a line
  std::string out_path;     // replaced if present
  uint32_t epochs = 40;
  float learning_rate = 1e-3F;  // AdamW peak: warmed up over 5% of steps, then a cosine fall
  uint32_t context = 256;       // tokens per training window
  uint32_t threads = 0;         // 0: every hardware thread
  uint32_t repeats = 4;         // the corpus is laid out this many times, shuffled each time
  uint64_t seed = 0;            // the shuffle's; the same inputs and seed give the same model
  WeightType out_type = WeightType::kF16;
};

struct EpochReport {
  uint32_t epoch = 0;   // from 1
  double loss = 0;      // mean cross-entropy over the epoch's windows
  double accuracy = 0;  // share of next tokens predicted exactly
  double seconds = 0;   // since training began
};

struct TrainSummary {
  uint64_t tokens = 0;  // in one layout of the corpus
  uint32_t conversations = 0;
  double first_loss = 0;
  double last_loss = 0;
  double last_accuracy = 0;
  double seconds = 0;
};

using EpochCallback = std::function<void(const EpochReport&)>;

// Trains and writes the model. Runs on the calling thread (ggml uses `threads` workers). The
// output keeps every key-value of the base, its chat template included.
Result<TrainSummary, std::string> train_chat_model(const TrainOptions& options,
                                                   const EpochCallback& on_epoch);

}  // namespace switchyard::local
