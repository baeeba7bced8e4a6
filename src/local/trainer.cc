#include "local/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <common.h>
#include <cstddef>
#include <memory>
#include <numbers>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <ggml-backend.h>
#include <ggml-cpp.h>
#include <ggml-opt.h>
#include <gguf.h>
#include <llama-cpp.h>
#include <llama.h>

#include "common/temporary_file.h"
#include "local/backend.h"
#include "local/conversations.h"
#include "local/training_graph.h"

namespace switchyard::local {
namespace {

constexpr std::string_view kF32Suffix = ".f32.tmp";
// Share of the steps spent warming the learning rate up, and the share of the peak it ends at.
constexpr double kWarmupShare = 0.05;
constexpr double kFinalShare = 0.05;

// Attention scores grow with the square of the packed batch: at this many tokens they take
// 64 MiB a layer for four heads, and the backward pass keeps several such tensors.
constexpr std::size_t kMaxCorpusTokens = 2048;
// Nodes of the forward, backward and optimizer graphs together, with room to spare.
constexpr std::size_t kGraphSize = 8192;
constexpr std::size_t kInputTensors = 4;

struct OptimizerDeleter {
  void operator()(ggml_opt_context_t optimizer) const { ggml_opt_free(optimizer); }
};
using OptimizerPtr = std::unique_ptr<std::remove_pointer_t<ggml_opt_context_t>, OptimizerDeleter>;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The conversation as the model will see it at inference: its own chat template, then the
// tokenizer with special tokens parsed, so the end-of-turn token is learned as a token.
Result<std::vector<llama_token>, std::string> tokenize(const llama_model* model,
                                                       const Conversation& conversation,
                                                       bool add_assistant) {
  auto text = render_chat(model, conversation, add_assistant);
  if (!text) {
    return fail(fmt::format("the base model: {}", text.error()));
  }
  return common_tokenize(llama_model_get_vocab(model), *text, /*add_special=*/true,
                         /*parse_special=*/true);
}

bool starts_with(const std::vector<llama_token>& tokens, const std::vector<llama_token>& prefix) {
  return prefix.size() <= tokens.size() && std::equal(prefix.begin(), prefix.end(), tokens.begin());
}

// Appends one conversation to the batch and scores the positions that predict the assistant's
// tokens: a turn's tokens are those its rendering adds to the prompt that asks for it. Each
// conversation starts at position 0, as a request does at inference, and sees only itself.
Result<bool, std::string> pack_conversation(const llama_model* model,
                                            const Conversation& conversation, int32_t sequence,
                                            PackedBatch& batch) {
  auto tokens = tokenize(model, conversation, /*add_assistant=*/false);
  if (!tokens) {
    return fail(std::move(tokens).error());
  }
  const auto offset = static_cast<int32_t>(batch.tokens.size());
  for (std::size_t turn = 0; turn < conversation.size(); ++turn) {
    if (conversation[turn].role != "assistant") {
      continue;
    }
    const auto end = conversation.begin() + static_cast<std::ptrdiff_t>(turn);
    const Conversation before(conversation.begin(), end);
    const Conversation through(conversation.begin(), end + 1);
    auto prompt = tokenize(model, before, /*add_assistant=*/true);
    auto answered = tokenize(model, through, /*add_assistant=*/false);
    if (!prompt || !answered) {
      return fail(std::move(prompt ? answered : prompt).error());
    }
    if (!starts_with(*answered, *prompt) || !starts_with(*tokens, *answered)) {
      return fail(std::string("the chat template does not render turns as prefixes"));
    }
    for (std::size_t next = prompt->size(); next < answered->size(); ++next) {
      batch.scored.push_back(offset + static_cast<int32_t>(next) - 1);
    }
  }
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    batch.tokens.push_back((*tokens)[i]);
    batch.positions.push_back(static_cast<int32_t>(i));
    batch.sequences.push_back(sequence);
  }
  return true;
}

// The whole corpus as one batch, and one-hot labels for its scored positions.
struct Corpus {
  PackedBatch batch;
  std::vector<float> labels;  // [vocabulary, scored]
};

Result<Corpus, std::string> pack_corpus(const llama_model* model,
                                        const std::vector<Conversation>& conversations) {
  Corpus corpus;
  for (std::size_t i = 0; i < conversations.size(); ++i) {
    if (auto packed =
            pack_conversation(model, conversations[i], static_cast<int32_t>(i), corpus.batch);
        !packed) {
      return fail(fmt::format("conversation {}: {}", i + 1, packed.error()));
    }
  }
  if (corpus.batch.tokens.size() > kMaxCorpusTokens) {
    return fail(fmt::format("the corpus has {} tokens; at most {} are trained at once",
                            corpus.batch.tokens.size(), kMaxCorpusTokens));
  }
  const auto vocabulary =
      static_cast<std::size_t>(llama_vocab_n_tokens(llama_model_get_vocab(model)));
  corpus.labels.assign(vocabulary * corpus.batch.scored.size(), 0.0F);
  for (std::size_t row = 0; row < corpus.batch.scored.size(); ++row) {
    const auto next = static_cast<std::size_t>(corpus.batch.scored[row]) + 1;
    corpus.labels[row * vocabulary + static_cast<std::size_t>(corpus.batch.tokens[next])] = 1.0F;
  }
  return corpus;
}

// Only the tokenizer and the chat template: the weights are read by load_llama_weights.
Result<llama_model_ptr, std::string> load_vocabulary(const std::string& path) {
  llama_model_params params = llama_model_default_params();
  params.vocab_only = true;
  llama_model_ptr model(llama_model_load_from_file(path.c_str(), params));
  if (!model) {
    return fail(fmt::format("cannot load the base model '{}'", path));
  }
  return model;
}

// ggml's CPU backend on `threads` threads (0: every hardware thread, ggml's own choice).
Result<ggml_backend_ptr, std::string> cpu_backend(uint32_t threads) {
  ggml_backend_ptr backend(ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, nullptr));
  if (!backend) {
    return fail(std::string("no CPU backend"));
  }
  ggml_backend_reg_t registry =
      ggml_backend_dev_backend_reg(ggml_backend_get_device(backend.get()));
  auto* set_threads = reinterpret_cast<ggml_backend_set_n_threads_t>(
      ggml_backend_reg_get_proc_address(registry, "ggml_backend_set_n_threads"));
  if (set_threads != nullptr && threads != 0) {
    set_threads(backend.get(), static_cast<int>(threads));
  }
  return backend;
}

// The learning rate per optimizer step: a linear warm-up over the first steps (AdamW's early
// steps are large, and a small model without gradient clipping diverges at a useful rate
// without it), then a cosine fall to a small share of the peak. ggml asks before every step.
struct Schedule {
  float peak = 0;
  uint64_t steps = 1;  // in the whole run
  uint64_t step = 0;   // steps asked for so far
};

ggml_opt_optimizer_params scheduled_parameters(void* user_data) {
  auto& schedule = *static_cast<Schedule*>(user_data);
  const double step = static_cast<double>(std::min(schedule.step++, schedule.steps));
  const auto steps = static_cast<double>(schedule.steps);
  const double warmup = std::max(1.0, kWarmupShare * steps);
  double share = 1.0;
  if (step < warmup) {
    share = (step + 1) / warmup;
  } else {
    const double progress = (step - warmup) / std::max(1.0, steps - warmup);
    share = kFinalShare + (1.0 - kFinalShare) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  ggml_opt_optimizer_params params = ggml_opt_get_default_optimizer_params(nullptr);
  params.adamw.alpha = static_cast<float>(schedule.peak * share);
  params.adamw.wd = 0.0F;
  return params;
}

// The base's key-values exactly (its chat template and context length included), then the
// trained tensors, as F32; finish_model converts them to the requested type.
Result<bool, std::string> save(const LlamaWeights& weights, const TrainOptions& options) {
  const gguf_context_ptr base(gguf_init_from_file(options.base_path.c_str(), {.no_alloc = true}));
  if (!base) {
    return fail(fmt::format("cannot read back '{}'", options.base_path));
  }
  const gguf_context_ptr out(gguf_init_empty());
  gguf_set_kv(out.get(), base.get());
  for (const ggml_tensor* tensor : weights.in_order) {
    gguf_add_tensor(out.get(), tensor);  // CPU buffers are host memory
  }
  const TemporaryFile f32(options.out_path + std::string(kF32Suffix));
  if (!gguf_write_to_file(out.get(), f32.path().c_str(), /*only_meta=*/false)) {
    return fail(fmt::format("cannot write '{}'", f32.path()));
  }
  return finish_model(f32.path(), options.out_path, options.out_type);
}

// The optimizer over a static graph: the inputs and the weights never move, so ggml-opt
// allocates the forward and backward passes once.
struct Optimizer {
  ggml_backend_sched_ptr scheduler;
  ggml_context_ptr inputs_context;
  ggml_backend_buffer_ptr inputs_buffer;
  ggml_context_ptr compute;
  OptimizerPtr context;
};

Optimizer make_optimizer(ggml_backend_t backend, const LlamaWeights& weights, const Corpus& corpus,
                         Schedule& schedule) {
  Optimizer optimizer;
  ggml_backend_t backends[] = {backend};
  optimizer.scheduler.reset(
      ggml_backend_sched_new(backends, nullptr, 1, kGraphSize, /*parallel=*/false, true));
  optimizer.inputs_context.reset(ggml_init({.mem_size = kInputTensors * ggml_tensor_overhead(),
                                            .mem_buffer = nullptr,
                                            .no_alloc = true}));
  const GraphInputs inputs = make_inputs(optimizer.inputs_context.get(), corpus.batch);
  optimizer.inputs_buffer.reset(
      ggml_backend_alloc_ctx_tensors(optimizer.inputs_context.get(), backend));
  fill_inputs(inputs, corpus.batch);

  const std::size_t meta = kGraphSize * ggml_tensor_overhead() * 4 +
                           ggml_graph_overhead_custom(kGraphSize, /*grads=*/true) * 4;
  optimizer.compute.reset(ggml_init({.mem_size = meta, .mem_buffer = nullptr, .no_alloc = true}));
  ggml_opt_params params =
      ggml_opt_default_params(optimizer.scheduler.get(), GGML_OPT_LOSS_TYPE_CROSS_ENTROPY);
  params.ctx_compute = optimizer.compute.get();
  params.inputs = inputs.tokens;
  params.outputs = build_scored_logits(optimizer.compute.get(), weights, inputs);
  params.get_opt_pars = scheduled_parameters;
  params.get_opt_pars_ud = &schedule;
  params.optimizer = GGML_OPT_OPTIMIZER_TYPE_ADAMW;
  optimizer.context.reset(ggml_opt_init(params));
  ggml_tensor* labels = ggml_opt_labels(optimizer.context.get());
  ggml_backend_tensor_set(labels, corpus.labels.data(), 0, ggml_nbytes(labels));
  return optimizer;
}

// Runs the epochs, each one optimizer step over the whole corpus; the summary's losses come
// from the first and last of them.
void run_epochs(ggml_opt_context_t optimizer, uint32_t epochs, const EpochCallback& on_epoch,
                TrainSummary& summary) {
  const auto started = std::chrono::steady_clock::now();
  for (uint32_t epoch = 0; epoch < epochs; ++epoch) {
    ggml_opt_result_t result = ggml_opt_result_init();
    ggml_opt_alloc(optimizer, /*backward=*/true);
    ggml_opt_eval(optimizer, result);
    EpochReport report{.epoch = epoch + 1, .seconds = seconds_since(started)};
    double uncertainty = 0;
    ggml_opt_result_loss(result, &report.loss, &uncertainty);
    ggml_opt_result_accuracy(result, &report.accuracy, &uncertainty);
    ggml_opt_result_free(result);

    summary.first_loss = epoch == 0 ? report.loss : summary.first_loss;
    summary.last_loss = report.loss;
    summary.last_accuracy = report.accuracy;
    if (on_epoch) {
      on_epoch(report);
    }
  }
  summary.seconds = seconds_since(started);
}

}  // namespace

Result<TrainSummary, std::string> train_chat_model(const TrainOptions& options,
                                                   const EpochCallback& on_epoch) {
  auto conversations = read_conversations(options.corpus_path);
  if (!conversations) {
    return fail(std::move(conversations).error());
  }
  ensure_backend();
  auto vocabulary = load_vocabulary(options.base_path);
  if (!vocabulary) {
    return fail(std::move(vocabulary).error());
  }
  auto corpus = pack_corpus(vocabulary->get(), *conversations);
  if (!corpus) {
    return fail(std::move(corpus).error());
  }
  auto backend = cpu_backend(options.threads);
  if (!backend) {
    return fail(std::move(backend).error());
  }
  auto weights = load_llama_weights(options.base_path, backend->get());
  if (!weights) {
    return fail(std::move(weights).error());
  }

  TrainSummary summary{.tokens = corpus->batch.tokens.size(),
                       .scored = corpus->batch.scored.size(),
                       .conversations = static_cast<uint32_t>(conversations->size())};
  const uint32_t epochs = std::max<uint32_t>(options.epochs, 1);
  Schedule schedule{.peak = options.learning_rate, .steps = epochs};
  const Optimizer optimizer = make_optimizer(backend->get(), *weights, *corpus, schedule);
  run_epochs(optimizer.context.get(), epochs, on_epoch, summary);
  if (auto saved = save(*weights, options); !saved) {
    return fail(std::move(saved).error());
  }
  return summary;
}

}  // namespace switchyard::local
