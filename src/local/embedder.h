// Embedder: embeddings from a local model, on a context and thread of their own so that
// embedding requests never wait behind generation steps (or hold them up).
//
// Thread-safety: submit() may be called from any thread; the sink runs on the embedder's
// thread and must not block.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "config/config.h"

struct llama_model;
struct llama_context;

namespace switchyard::local {

struct EmbeddingResult {
  std::vector<std::vector<float>> vectors;  // one unit-length vector per input
  std::int32_t prompt_tokens = 0;
  std::string error;  // set instead of vectors when an input could not be embedded
};

using EmbeddingSink = std::function<void(EmbeddingResult)>;

class Embedder {
 public:
  // `model` must outlive the embedder.
  static Result<std::unique_ptr<Embedder>, std::string> create(const config::ModelConfig& config,
                                                               llama_model* model);
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  // Queues the inputs; false when the queue is at its bound.
  bool submit(std::vector<std::vector<std::int32_t>> inputs, EmbeddingSink sink);

  std::uint32_t dimensions() const { return dimensions_; }
  std::uint32_t max_input_tokens() const { return max_input_tokens_; }

 private:
  struct Job {
    std::vector<std::vector<std::int32_t>> inputs;
    EmbeddingSink sink;
  };

  Embedder(const config::ModelConfig& config, llama_model* model, llama_context* context);
  void run();
  EmbeddingResult embed(const std::vector<std::vector<std::int32_t>>& inputs);

  const config::ModelConfig& config_;
  llama_context* context_;
  std::uint32_t dimensions_;
  std::uint32_t max_input_tokens_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace switchyard::local
