// Trains a small chat model on conversations with ggml-opt (AdamW over next-token
// cross-entropy on the assistant's tokens), through a Llama graph of our own
// (training_graph.h says why not llama.cpp's). This is how the demo model that `switchyard
// serve` answers with out of the box is made: a random-weight model from make_model, taught a
// few dozen conversations for a few minutes on the CPU. It learns those conversations, not
// language. Every step trains on the whole corpus at once, each conversation from position 0
// and seeing only itself, as a request does at inference; so the corpus is bounded (2048
// tokens).
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
  std::string base_path;        // an F32 GGUF with a chat template (make_model writes one)
  std::string corpus_path;      // JSON Lines, one {"messages": [{"role", "content"}, ...]} a line
  std::string out_path;         // replaced if present
  uint32_t epochs = 40;         // optimizer steps, each over the whole corpus
  float learning_rate = 1e-3F;  // AdamW peak: warmed up over 5% of steps, then a cosine fall
  uint32_t threads = 0;         // 0: every hardware thread
  WeightType out_type = WeightType::kF16;
};

struct EpochReport {
  uint32_t epoch = 0;   // from 1
  double loss = 0;      // mean cross-entropy over the assistant's tokens
  double accuracy = 0;  // share of the assistant's tokens predicted exactly
  double seconds = 0;   // since training began
};

struct TrainSummary {
  uint64_t tokens = 0;  // in the corpus
  uint64_t scored = 0;  // of them, the assistant's, which the loss counts
  uint32_t conversations = 0;
  double first_loss = 0;
  double last_loss = 0;
  double last_accuracy = 0;
  double seconds = 0;
};

using EpochCallback = std::function<void(const EpochReport&)>;

// Trains and writes the model. Runs on the calling thread (ggml uses `threads` workers). The
// same inputs and thread count give the same model. The output keeps every key-value of the
// base, its chat template included.
Result<TrainSummary, std::string> train_chat_model(const TrainOptions& options,
                                                   const EpochCallback& on_epoch);

}  // namespace switchyard::local
