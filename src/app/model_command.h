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
};

// Adds the `model` group and its `init` command to `app`, binding the flags to `options`.
// Returns the `init` command so the caller can see whether it was chosen.
CLI::App* add_model_commands(CLI::App& app, ModelInitOptions& options);

// Runs `model init` and returns the process exit code.
int model_init(const ModelInitOptions& options);

}  // namespace switchyard::app
