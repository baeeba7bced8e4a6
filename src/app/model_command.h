// `switchyard model init`: writes a Llama-architecture GGUF with random weights, from a preset
// shape and any flags that override it (see local/model_maker.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace switchyard::app {

struct ModelInitOptions {
  std::string out;
  std::string preset = "tiny";
  std::optional<uint32_t> layers;
  std::optional<uint32_t> embd;
  std::optional<uint32_t> heads;
  std::optional<uint32_t> kv_heads;
  std::optional<uint32_t> ff;
  std::optional<uint32_t> ctx;
  std::optional<std::string> vocab;  // short name or path
  std::optional<std::string> type;   // f32, f16, q8_0, q4_0
  std::optional<uint64_t> seed;
  std::optional<float> embedding_stddev;
};

// `switchyard model lora`: a random LoRA adapter for models of a given shape.
struct ModelLoraOptions {
  ModelInitOptions base;  // the shape of the models it adapts (out: the adapter file)
  uint32_t rank = 8;
  float alpha = 16;
};

// `switchyard model train`: teaches a model a corpus of conversations (see local/trainer.h).
struct ModelTrainOptions {
  std::string base;
  std::string data;
  std::string out;
  uint32_t epochs = 40;
  float learning_rate = 1e-3F;
  uint32_t threads = 0;
  std::string type = "f16";
};

// `switchyard model vocab`: a tokenizer fitted to a conversation corpus (local/vocab_maker.h).
struct ModelVocabOptions {
  std::string data;
  std::string out;
  uint32_t min_count = 1;
};

struct ModelCommands {
  CLI::App* init = nullptr;
  CLI::App* lora = nullptr;
  CLI::App* train = nullptr;
  CLI::App* vocab = nullptr;
};

// Adds the `model` group with its `init` and `lora` commands to `app`, binding the flags to
// the options. Returns the commands so the caller can see which was chosen.
ModelCommands add_model_commands(CLI::App& app, ModelInitOptions& init, ModelLoraOptions& lora,
                                 ModelTrainOptions& train, ModelVocabOptions& vocab);

// Run `model init` / `lora` / `train` / `vocab` and return the process exit code.
int model_init(const ModelInitOptions& options);
int model_lora(const ModelLoraOptions& options);
int model_train(const ModelTrainOptions& options);
int model_vocab(const ModelVocabOptions& options);

}  // namespace switchyard::app
