#include "app/model_command.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "local/lora_maker.h"
#include "local/model_maker.h"

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
  if (options.type) {
    const auto type = local::parse_weight_type(*options.type);
    if (!type) {
      return fail(fmt::format("unknown --type '{}' (f32, f16, q8_0 or q4_0)", *options.type));
    }
    shape->type = *type;
  }
  return shape;
}

}  // namespace

ModelCommands add_model_commands(CLI::App& app, ModelInitOptions& options,
                                 ModelLoraOptions& lora_options) {
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

  auto* lora = model->add_subcommand(
      "lora", "Write a LoRA adapter with random weights for models of the given shape");
  lora->add_option("--out", lora_options.base.out, "GGUF file to write (replaced if present)")
      ->required();
  lora->add_option("--preset", lora_options.base.preset, "Shape of the base: tiny or 300m");
  add_shape_flags(*lora, lora_options.base);
  lora->add_option("--rank", lora_options.rank, "Rank of the update (default 8)");
  lora->add_option("--alpha", lora_options.alpha, "LoRA alpha (default 16)");
  lora->add_option("--seed", lora_options.base.seed, "Seed of the random weights (default 0)");
  return {init, lora};
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
