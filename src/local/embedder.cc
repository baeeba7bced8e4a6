#include "local/embedder.h"

#include <cmath>

#include <llama.h>

#include "common/log.h"
#include "local/backend.h"

namespace switchyard::local {

Result<std::unique_ptr<Embedder>, std::string> Embedder::create(const config::ModelConfig& config,
                                                                llama_model* model) {
  const std::uint32_t length = config.context_length != 0
                                   ? config.context_length
                                   : static_cast<std::uint32_t>(llama_model_n_ctx_train(model));
  llama_context_params params = context_params_for(config);
  params.embeddings = true;
  params.n_seq_max = 1;
  params.n_ctx = length;
  // Pooling over a whole input needs it in one micro-batch.
  params.n_batch = length;
  params.n_ubatch = length;
  // Models that define their pooling (embedding models) keep it; for the others the mean
  // of the token states is the usual choice.
  params.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;
  llama_context* context = llama_init_from_model(model, params);
  if (context != nullptr && llama_pooling_type(context) == LLAMA_POOLING_TYPE_NONE) {
    llama_free(context);
    params.pooling_type = LLAMA_POOLING_TYPE_MEAN;
    context = llama_init_from_model(model, params);
  }
  if (context == nullptr) {
    return fail(fmt::format("model '{}': cannot create an embedding context", config.name));
  }
  return std::unique_ptr<Embedder>(new Embedder(config, model, context));
}

Embedder::Embedder(const config::ModelConfig& config, llama_model* model, llama_context* context)
    : config_(config),
      context_(context),
      dimensions_(static_cast<std::uint32_t>(llama_model_n_embd(model))),
      max_input_tokens_(llama_n_ctx(context)) {
  thread_ = std::thread([this] { run(); });
}

Embedder::~Embedder() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  llama_free(context_);
}

bool Embedder::submit(std::vector<std::vector<std::int32_t>> inputs, EmbeddingSink sink) {
  {
    const std::lock_guard lock(mutex_);
    if (queue_.size() >= config_.local.max_queue) {
      return false;
    }
    queue_.push_back({std::move(inputs), std::move(sink)});
  }
  wake_.notify_one();
  return true;
}

void Embedder::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      break;
    }
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job.sink(embed(job.inputs));
    lock.lock();
  }
  for (auto& job : queue_) {
    job.sink({.error = "the model is shutting down"});
  }
}

EmbeddingResult Embedder::embed(const std::vector<std::vector<std::int32_t>>& inputs) {
  EmbeddingResult result;
  llama_batch batch = llama_batch_init(static_cast<std::int32_t>(max_input_tokens_), 0, 1);
  for (const auto& tokens : inputs) {
    llama_memory_clear(llama_get_memory(context_), true);
    batch.n_tokens = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      batch.token[i] = tokens[i];
      batch.pos[i] = static_cast<llama_pos>(i);
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = 1;
      ++batch.n_tokens;
    }
    const float* pooled =
        llama_decode(context_, batch) == 0 ? llama_get_embeddings_seq(context_, 0) : nullptr;
    if (pooled == nullptr) {
      result = {.error = "local embedding failed"};
      break;
    }
    std::vector<float> vector(pooled, pooled + dimensions_);
    double norm = 0;
    for (const float value : vector) {
      norm += static_cast<double>(value) * value;
    }
    const auto scale = static_cast<float>(norm > 0 ? 1.0 / std::sqrt(norm) : 0.0);
    for (float& value : vector) {
      value *= scale;
    }
    result.vectors.push_back(std::move(vector));
    result.prompt_tokens += static_cast<std::int32_t>(tokens.size());
  }
  llama_batch_free(batch);
  return result;
}

}  // namespace switchyard::local
