#include "local/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <common.h>
#include <memory>
#include <numbers>
#include <numeric>
#include <random>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <ggml-cpp.h>
#include <ggml-opt.h>
#include <gguf.h>
#include <llama-cpp.h>
#include <llama.h>

#include "common/temporary_file.h"
#include "local/backend.h"
#include "local/conversations.h"

namespace switchyard::local {
namespace {

constexpr std::string_view kTrainedSuffix = ".trained.tmp";
constexpr std::string_view kF32Suffix = ".f32.tmp";
// Share of the steps spent warming the learning rate up, and the share of the peak it ends at.
constexpr double kWarmupShare = 0.05;
constexpr double kFinalShare = 0.05;

struct DatasetDeleter {
  void operator()(ggml_opt_dataset_t dataset) const { ggml_opt_dataset_free(dataset); }
};
using DatasetPtr = std::unique_ptr<std::remove_pointer_t<ggml_opt_dataset_t>, DatasetDeleter>;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The conversation as the model will see it at inference: its own chat template, then the
// tokenizer with special tokens parsed, so the end-of-turn token is learned as a token.
Result<std::vector<llama_token>, std::string> tokenize_conversation(
    llama_context* context, const Conversation& conversation) {
  auto text = render_chat(llama_get_model(context), conversation, /*add_assistant=*/false);
  if (!text) {
    return fail(fmt::format("the base model: {}", text.error()));
  }
  return common_tokenize(context, *text, /*add_special=*/true, /*parse_special=*/true);
}

// `repeats` shuffled copies of the corpus, end to end, and where each conversation starts.
struct Layout {
  std::vector<llama_token> tokens;
  std::vector<std::size_t> starts;
};

Result<Layout, std::string> lay_out(llama_context* context, const std::vector<Conversation>& corpus,
                                    const TrainOptions& options, uint64_t& tokens_once) {
  std::vector<std::vector<llama_token>> tokenized;
  tokens_once = 0;
  for (const auto& conversation : corpus) {
    auto tokens = tokenize_conversation(context, conversation);
    if (!tokens) {
      return fail(std::move(tokens).error());
    }
    tokens_once += tokens->size();
    tokenized.push_back(std::move(*tokens));
  }
  std::vector<std::size_t> order(tokenized.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 random(options.seed);
  Layout layout;
  for (uint32_t pass = 0; pass < std::max<uint32_t>(options.repeats, 1); ++pass) {
    std::shuffle(order.begin(), order.end(), random);
    for (const std::size_t index : order) {
      layout.starts.push_back(layout.tokens.size());
      layout.tokens.insert(layout.tokens.end(), tokenized[index].begin(), tokenized[index].end());
    }
  }
  return layout;
}

// Training windows that each begin at a conversation's first token, as every request does at
// inference: a model trained on windows cut anywhere rarely sees a conversation at position 0
// and answers fresh prompts badly. A window runs on through the following conversations; the
// one it cuts off starts the next window. Labels are the tokens shifted by one.
std::vector<std::size_t> window_starts(const Layout& layout, std::size_t window) {
  std::vector<std::size_t> starts;
  std::size_t next = 0;  // index into layout.starts
  while (next < layout.starts.size() && layout.starts[next] + window < layout.tokens.size()) {
    const std::size_t begin = layout.starts[next];
    starts.push_back(begin);
    std::size_t cut = next + 1;
    while (cut + 1 < layout.starts.size() && layout.starts[cut + 1] < begin + window) {
      ++cut;
    }
    next = cut;
  }
  return starts;
}

DatasetPtr make_dataset(const Layout& layout, std::size_t window) {
  const std::vector<std::size_t> starts = window_starts(layout, window);
  const auto length = static_cast<int64_t>(window);
  DatasetPtr dataset(ggml_opt_dataset_init(GGML_TYPE_I32, GGML_TYPE_I32, length, length,
                                           static_cast<int64_t>(starts.size()), 1));
  auto* data = static_cast<llama_token*>(ggml_opt_dataset_data(dataset.get())->data);
  auto* labels = static_cast<llama_token*>(ggml_opt_dataset_labels(dataset.get())->data);
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const llama_token* from = layout.tokens.data() + starts[i];
    std::copy(from, from + window, data + i * window);
    std::copy(from + 1, from + window + 1, labels + i * window);
  }
  return dataset;
}

// Weights must be writable host memory (no mmap, no repacked buffers), and the KV cache F32:
// ggml has no backward pass for F16 there.
Result<llama_model_ptr, std::string> load_base(const std::string& path) {
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  params.load_mode = LLAMA_LOAD_MODE_NONE;
  params.use_extra_bufts = false;
  llama_model_ptr model(llama_model_load_from_file(path.c_str(), params));
  if (!model) {
    return fail(fmt::format("cannot load the base model '{}'", path));
  }
  return model;
}

Result<llama_context_ptr, std::string> make_context(llama_model* model,
                                                    const TrainOptions& options) {
  llama_context_params params = llama_context_default_params();
  const auto threads = static_cast<std::int32_t>(
      options.threads != 0 ? options.threads : std::thread::hardware_concurrency());
  params.n_threads = threads;
  params.n_threads_batch = threads;
  params.n_ctx = options.context;
  params.n_batch = options.context;
  params.n_ubatch = options.context;
  params.type_k = GGML_TYPE_F32;
  params.type_v = GGML_TYPE_F32;
  params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  llama_context_ptr context(llama_init_from_model(model, params));
  if (!context) {
    return fail(fmt::format("cannot create a training context of {} tokens", options.context));
  }
  // Training computes through the scheduler directly, which never hands the CPU backend our
  // thread count; it would keep ggml's default of four, and on a 2-core machine those spin in
  // barriers for 95% of the time. One ordinary decode sets the count, and it stays set.
  llama_token first = llama_vocab_bos(llama_model_get_vocab(model));
  if (llama_decode(context.get(), llama_batch_get_one(&first, 1)) != 0) {
    return fail(std::string("the base model cannot decode a token"));
  }
  llama_memory_clear(llama_get_memory(context.get()), true);
  return context;
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

// llama_model_save_to_file rebuilds the key-values from the loaded model, dropping the chat
// template and recording the training window as the context length. The output takes the
// base's key-values exactly and the trained file's tensors.
Result<bool, std::string> write_with_base_metadata(const std::string& base_path,
                                                   const std::string& trained_path,
                                                   const std::string& out_path) {
  const gguf_context_ptr base(gguf_init_from_file(base_path.c_str(), {.no_alloc = true}));
  ggml_context* tensor_data = nullptr;
  const gguf_context_ptr trained(
      gguf_init_from_file(trained_path.c_str(), {.no_alloc = false, .ctx = &tensor_data}));
  const ggml_context_ptr owned_data(tensor_data);
  if (!base || !trained) {
    return fail(fmt::format("cannot read back '{}'", base ? trained_path : base_path));
  }
  const gguf_context_ptr out(gguf_init_empty());
  gguf_set_kv(out.get(), base.get());
  for (int64_t i = 0; i < gguf_get_n_tensors(trained.get()); ++i) {
    gguf_add_tensor(out.get(),
                    ggml_get_tensor(tensor_data, gguf_get_tensor_name(trained.get(), i)));
  }
  if (!gguf_write_to_file(out.get(), out_path.c_str(), /*only_meta=*/false)) {
    return fail(fmt::format("cannot write '{}'", out_path));
  }
  return true;
}

Result<bool, std::string> save(llama_model* model, const TrainOptions& options) {
  const TemporaryFile trained(options.out_path + std::string(kTrainedSuffix));
  llama_model_save_to_file(model, trained.path().c_str());
  const TemporaryFile f32(options.out_path + std::string(kF32Suffix));
  if (auto written = write_with_base_metadata(options.base_path, trained.path(), f32.path());
      !written) {
    return written;
  }
  return finish_model(f32.path(), options.out_path, options.out_type);
}

// Runs the epochs; the summary's losses come from the first and last of them.
void run_epochs(llama_context* context, ggml_opt_dataset_t dataset, uint32_t epochs,
                const EpochCallback& on_epoch, TrainSummary& summary) {
  const auto started = std::chrono::steady_clock::now();
  const int64_t windows = ggml_opt_dataset_ndata(dataset);
  for (uint32_t epoch = 0; epoch < epochs; ++epoch) {
    ggml_opt_result_t result = ggml_opt_result_init();
    ggml_opt_result_t unused_eval = ggml_opt_result_init();
    llama_opt_epoch(context, dataset, result, unused_eval, windows, nullptr, nullptr);
    EpochReport report{.epoch = epoch + 1, .seconds = seconds_since(started)};
    double uncertainty = 0;
    ggml_opt_result_loss(result, &report.loss, &uncertainty);
    ggml_opt_result_accuracy(result, &report.accuracy, &uncertainty);
    ggml_opt_result_free(unused_eval);
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
  auto corpus = read_conversations(options.corpus_path);
  if (!corpus) {
    return fail(std::move(corpus).error());
  }
  ensure_backend();
  auto model = load_base(options.base_path);
  if (!model) {
    return fail(std::move(model).error());
  }
  auto context = make_context(model->get(), options);
  if (!context) {
    return fail(std::move(context).error());
  }

  TrainSummary summary{.conversations = static_cast<uint32_t>(corpus->size())};
  auto layout = lay_out(context->get(), *corpus, options, summary.tokens);
  const auto window = static_cast<std::size_t>(llama_n_ctx(context->get()));
  if (!layout || layout->tokens.size() < 2 * window + 1) {
    return fail(layout ? fmt::format("the corpus is too short: {} tokens, at least {} needed",
                                     layout->tokens.size(), 2 * window + 1)
                       : std::move(layout).error());
  }
  const DatasetPtr dataset = make_dataset(*layout, window);

  const uint32_t epochs = std::max<uint32_t>(options.epochs, 1);
  Schedule schedule{.peak = options.learning_rate,
                    .steps = static_cast<uint64_t>(ggml_opt_dataset_ndata(dataset.get())) * epochs};
  llama_opt_init(context->get(), model->get(),
                 {.n_ctx_train = 0,
                  .param_filter = llama_opt_param_filter_all,
                  .get_opt_pars = scheduled_parameters,
                  .get_opt_pars_ud = &schedule,
                  .optimizer_type = GGML_OPT_OPTIMIZER_TYPE_ADAMW});
  run_epochs(context->get(), dataset.get(), epochs, on_epoch, summary);
  if (auto saved = save(model->get(), options); !saved) {
    return fail(std::move(saved).error());
  }
  return summary;
}

}  // namespace switchyard::local
