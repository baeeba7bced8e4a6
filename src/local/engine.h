// LocalEngine: one GGUF model served in-process by llama.cpp, with continuous batching.
//
// One scheduler thread per model owns the llama context. Each step it builds one llama_batch
// holding the next token of every generating sequence plus chunks of waiting prompts, decodes
// it, and samples one token for every sequence whose logits came out. New requests join
// between steps, so concurrent requests share each forward pass. A finished sequence keeps its
// prompt's KV cache; a new request goes to the free sequence whose cache covers at least half
// its prompt (else the least recently used one) and decodes only the rest
// (LocalModelOptions::prompt_cache).
//
// Thread-safety: submit(), tokenize() and format_chat() may be called from any thread.
// Events of a generation are delivered on the scheduler thread through its Sink, which must
// not block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "local/chat_prompt.h"
#include "local/embedder.h"
#include "local/logprobs.h"

struct llama_model;
struct llama_context;
struct llama_sampler;
struct llama_batch;
struct llama_adapter_lora;

namespace switchyard::local {

using Token = std::int32_t;

struct SamplingParams {
  float temperature = 0.8F;
  float top_p = 0.95F;
  std::int32_t top_k = 40;
  float min_p = 0.05F;
  float repeat_penalty = 1.0F;
  float frequency_penalty = 0.0F;
  float presence_penalty = 0.0F;
  std::uint32_t seed = 0xFFFFFFFF;  // llama.cpp's "pick one at random"
};

struct GenerationRequest {
  std::vector<Token> prompt;
  SamplingParams sampling;
  std::int32_t max_tokens = 0;  // 0: until the sequence's context is full
  std::vector<std::string> stop;
  std::string grammar;  // GBNF with a "root" rule constraining the output; empty for none
  std::int32_t top_logprobs = -1;  // -1: no log-probabilities; else how many alternatives
  std::int32_t adapter = -1;       // index into the model's LoRA adapters; -1: the base model
};

struct GenerationEvent {
  enum class Kind { kText, kDone, kError };
  Kind kind = Kind::kText;
  std::string text;           // kText: the next piece of the answer; kError: what failed
  std::string finish_reason;  // kDone: "stop" or "length"
  std::int32_t prompt_tokens = 0;
  std::int32_t completion_tokens = 0;
  std::int32_t cached_tokens = 0;  // kDone: prompt tokens not decoded again (prompt_cache)
  // kText: the tokens behind this text, when the request asked for log-probabilities.
  std::vector<TokenLogprob> logprobs;
};

using Sink = std::function<void(GenerationEvent)>;

// A queued or running generation. Cancelling frees its slot at the next step.
class Generation {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

enum class SubmitError { kQueueFull, kContextExceeded, kEmptyPrompt, kInvalidGrammar };

class LocalEngine {
 public:
  // Loads the model (memory-mapped) and starts the scheduler thread.
  static Result<std::shared_ptr<LocalEngine>, std::string> load(const config::ModelConfig& model);
  ~LocalEngine();
  LocalEngine(const LocalEngine&) = delete;
  LocalEngine& operator=(const LocalEngine&) = delete;

  // Queues a generation. Fails at once, queuing nothing, when the queue is at its bound or
  // the prompt does not fit a sequence's context.
  Result<std::shared_ptr<Generation>, SubmitError> submit(GenerationRequest request, Sink sink);

  std::vector<Token> tokenize(std::string_view text) const;

  // The prompt text for a conversation, from the model's own chat template.
  Result<std::string, std::string> format_chat(const std::vector<ChatMessage>& messages) const;

  std::uint32_t context_per_sequence() const { return context_per_sequence_; }

  // The model's embedder; null unless the model lists the "embeddings" capability.
  Embedder* embedder() const { return embedder_.get(); }

 private:
  struct Slot;
  struct SamplerDeleter {
    void operator()(llama_sampler* sampler) const;
  };
  using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

  struct Pending {
    GenerationRequest request;
    SamplerPtr sampler;  // built by submit(), so a bad grammar fails the request at once
    Sink sink;
    std::shared_ptr<Generation> handle;
  };

  SamplerPtr make_sampler(const GenerationRequest& request) const;

  LocalEngine(const config::ModelConfig& model, llama_model* llama, llama_context* context);
  void run();
  std::int32_t choose_adapter();
  void admit(std::unique_lock<std::mutex>& lock);
  void step();
  void sample(Slot& slot, std::int32_t batch_index);
  void finish(Slot& slot, std::string reason);
  // Frees the slot. `keep_prompt`: its decoded prompt stays cached for a later request.
  void release(Slot& slot, bool keep_prompt = true);
  std::size_t shared_prefix(const Slot& slot, const GenerationRequest& request) const;
  Slot* free_slot_for(const GenerationRequest& request);
  std::size_t reuse_prefix(Slot& slot, const GenerationRequest& request);
  std::size_t active_slots() const;

  const config::ModelConfig& model_;
  llama_model* llama_;
  llama_context* context_;
  std::uint32_t context_per_sequence_;
  std::int32_t batch_capacity_;
  std::unique_ptr<llama_batch> batch_;  // reused by every step; only the scheduler touches it
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<Embedder> embedder_;
  // LoRA adapters, applied per step: sequences of one adapter (or none) share a batch, and
  // steps rotate between the groups that have work.
  std::vector<llama_adapter_lora*> adapters_;
  std::int32_t active_adapter_ = -1;
  std::uint64_t uses_ = 0;  // requests given a slot so far; orders the slots by last use

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace switchyard::local
