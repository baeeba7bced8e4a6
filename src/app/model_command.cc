#include "app/model_command.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "local/chat_templates.h"
#include "local/conversations.h"
#include "local/lora_maker.h"
#include "local/model_maker.h"
#include "local/trainer.h"
#include "local/vocab_maker.h"

namespace switchyard::app {
namespace {

constexpr int kExitUsageError = 2;
constexpr int kExitMakeError = 1;
constexpr double kMillion = 1e6;
constexpr double kMebibyte = 1024.0 * 1024.0;

void add_shape_flags(CLI::App& init, ModelInitOptions& options) {
  init.add_option("--layers", options.layers, "Transformer blocks")->check(CLI::PositiveNumber);
  init.add_option("--embd", options.embd, "Embedding length")->check(CLI::PositiveNumber);
  init.add_option("--heads", options.heads, "Attention heads")->check(CLI::PositiveNumber);
  init.add_option("--kv-heads", options.kv_heads, "Key/value heads (grouped-query attention)")
      ->check(CLI::PositiveNumber);
  init.add_option("--ff", options.ff, "Feed-forward length")->check(CLI::PositiveNumber);
  init.add_option("--ctx", options.ctx, "Context length the model declares")
      ->check(CLI::PositiveNumber);
}

// The preset, then every flag given on top of it.
Result<local::ModelShape, std::string> shape_from(const ModelInitOptions& options) {
  auto shape = local::preset_shape(options.preset);
  if (!shape) {
    return shape;
  }
  shape->layers = options.layers.value_or(shape->layers);
  shape->embd = options.embd.value_or(shape->embd);
  shape->heads = options.heads.value_or(shape->heads);
  shape->kv_heads = options.kv_heads.value_or(shape->kv_heads);
  shape->ff = options.ff.value_or(shape->ff);
  shape->ctx = options.ctx.value_or(shape->ctx);
  shape->vocab_file = options.vocab.value_or(shape->vocab_file);
  shape->seed = options.seed.value_or(shape->seed);
  shape->embedding_stddev = options.embedding_stddev.value_or(shape->embedding_stddev);
  if (options.type) {
    const auto type = local::parse_weight_type(*options.type);
    if (!type) {
      return fail(fmt::format("unknown --type '{}' (f32, f16, q8_0 or q4_0)", *options.type));
    }
    shape->type = *type;
  }
  return shape;
}

CLI::App* add_train_command(CLI::App& model, ModelTrainOptions& options) {
  auto* train = model.add_subcommand(
      "train", "Teach a model (an F32 GGUF from `model init`) a corpus of conversations");
  train->add_option("--base", options.base, "F32 GGUF to start from")
      ->required()
      ->check(CLI::ExistingFile);
  train
      ->add_option("--data", options.data,
                   "JSON Lines, one {\"messages\": [{\"role\", \"content\"}...]} a line")
      ->required()
      ->check(CLI::ExistingFile);
  train->add_option("--out", options.out, "GGUF file to write (replaced if present)")->required();
  train
      ->add_option("--epochs", options.epochs,
                   "Optimizer steps, each over the whole corpus (default 40)")
      ->check(CLI::PositiveNumber);
  train->add_option("--lr", options.learning_rate, "Starting AdamW learning rate (default 1e-3)")
      ->check(CLI::PositiveNumber);
  train->add_option("--threads", options.threads, "Threads (default: all)");
  train->add_option("--type", options.type, "Output weight type: f16 (default), f32, q8_0, q4_0");
  return train;
}

CLI::App* add_vocab_command(CLI::App& model, ModelVocabOptions& options) {
  auto* vocab = model.add_subcommand(
      "vocab", "Write a small tokenizer GGUF fitted to a corpus of conversations");
  vocab->add_option("--data", options.data, "JSON Lines of conversations, as `model train` takes")
      ->required()
      ->check(CLI::ExistingFile);
  vocab->add_option("--out", options.out, "GGUF file to write (replaced if present)")->required();
  vocab->add_option("--min-count", options.min_count,
                    "Occurrences a word needs to become a piece (default 1)");
  return vocab;
}

}  // namespace

ModelCommands add_model_commands(CLI::App& app, ModelInitOptions& options,
                                 ModelLoraOptions& lora_options, ModelTrainOptions& train_options,
                                 ModelVocabOptions& vocab_options) {
  auto* model = app.add_subcommand("model", "Make local models");
  model->require_subcommand(1);
  auto* init = model->add_subcommand(
      "init", "Write a Llama-architecture GGUF with random weights, for tests and benchmarks");
  init->add_option("--out", options.out, "GGUF file to write (replaced if present)")->required();
  init->add_option("--preset", options.preset, "Base shape: tiny (default) or 300m");
  add_shape_flags(*init, options);
  init->add_option("--vocab", options.vocab,
                   "Tokenizer: llama-spm, llama-bpe, qwen2, gpt-2, phi-3 ... or a GGUF path");
  init->add_option("--type", options.type, "Weight type: f32 (default), f16, q8_0 or q4_0");
  init->add_option("--seed", options.seed, "Seed of the random weights (default 0)");
  init->add_option("--embedding-stddev", options.embedding_stddev,
                   "Spread of the token embeddings (default 0.02; about 1 for a model to train)")
      ->check(CLI::PositiveNumber);

  auto* lora = model->add_subcommand(
      "lora", "Write a LoRA adapter with random weights for models of the given shape");
  lora->add_option("--out", lora_options.base.out, "GGUF file to write (replaced if present)")
      ->required();
  lora->add_option("--preset", lora_options.base.preset, "Shape of the base: tiny or 300m");
  add_shape_flags(*lora, lora_options.base);
  lora->add_option("--rank", lora_options.rank, "Rank of the update (default 8)");
  lora->add_option("--alpha", lora_options.alpha, "LoRA alpha (default 16)");
  lora->add_option("--seed", lora_options.base.seed, "Seed of the random weights (default 0)");
  return {init, lora, add_train_command(*model, train_options),
          add_vocab_command(*model, vocab_options)};
}

int model_vocab(const ModelVocabOptions& options) {
  auto corpus = local::read_conversations(options.data);
  if (!corpus) {
    std::cerr << corpus.error() << '\n';
    return kExitUsageError;
  }
  std::vector<std::string> texts;
  for (const auto word : local::chat_markup_words(local::ChatFormat::kLlama2)) {
    texts.emplace_back(word);
  }
  for (const auto& conversation : *corpus) {
    for (const auto& message : conversation) {
      texts.push_back(message.content);
    }
  }
  auto made = local::make_vocab(texts, options.min_count, options.out);
  if (!made) {
    std::cerr << made.error() << '\n';
    return kExitMakeError;
  }
  std::cout << fmt::format("{}: {} tokens, {} words\n", options.out, made->tokens, made->words);
  return 0;
}

int model_train(const ModelTrainOptions& options) {
  const auto type = local::parse_weight_type(options.type);
  if (!type) {
    std::cerr << fmt::format("unknown --type '{}' (f32, f16, q8_0 or q4_0)\n", options.type);
    return kExitUsageError;
  }
  const local::TrainOptions train{.base_path = options.base,
                                  .corpus_path = options.data,
                                  .out_path = options.out,
                                  .epochs = options.epochs,
                                  .learning_rate = options.learning_rate,
                                  .threads = options.threads,
                                  .out_type = *type};
  auto trained = local::train_chat_model(train, [](const local::EpochReport& report) {
    std::cout << fmt::format("epoch {:3}: loss {:.3f}, accuracy {:.3f}, {:.0f} s\n", report.epoch,
                             report.loss, report.accuracy, report.seconds)
              << std::flush;
  });
  if (!trained) {
    std::cerr << trained.error() << '\n';
    return kExitMakeError;
  }
  std::cout << fmt::format(
      "{}: {} conversations, {} tokens ({} scored), loss {:.3f} -> {:.3f}, accuracy {:.3f}, "
      "{:.0f} s\n",
      options.out, trained->conversations, trained->tokens, trained->scored, trained->first_loss,
      trained->last_loss, trained->last_accuracy, trained->seconds);
  return 0;
}

int model_lora(const ModelLoraOptions& options) {
  auto shape = shape_from(options.base);
  if (!shape) {
    std::cerr << shape.error() << '\n';
    return kExitUsageError;
  }
  if (auto valid = local::validate_shape(*shape); !valid || options.rank == 0) {
    std::cerr << (valid ? std::string("--rank must be at least 1") : valid.error()) << '\n';
    return kExitUsageError;
  }
  const local::LoraShape lora{
      .rank = options.rank, .alpha = options.alpha, .seed = options.base.seed.value_or(0)};
  if (auto made = local::make_lora(*shape, lora, options.base.out); !made) {
    std::cerr << made.error() << '\n';
    return kExitMakeError;
  }
  std::cout << fmt::format("{}: LoRA rank {} for {} layers\n", options.base.out, options.rank,
                           shape->layers);
  return 0;
}

int model_init(const ModelInitOptions& options) {
  auto shape = shape_from(options);
  if (!shape) {
    std::cerr << shape.error() << '\n';
    return kExitUsageError;
  }
  if (auto valid = local::validate_shape(*shape); !valid) {
    std::cerr << valid.error() << '\n';
    return kExitUsageError;
  }
  auto made = local::make_model(*shape, options.out);
  if (!made) {
    std::cerr << made.error() << '\n';
    return kExitMakeError;
  }
  std::cout << fmt::format("{}: {:.1f}M parameters, {}, {:.1f} MiB, {:.1f} s\n", options.out,
                           static_cast<double>(made->parameters) / kMillion,
                           local::weight_type_name(shape->type),
                           static_cast<double>(made->file_bytes) / kMebibyte, made->seconds);
  return 0;
}

}  // namespace switchyard::app
