// llama.cpp set-up shared by the local tier's engines.
#pragma once

#include <llama.h>

#include "config/config.h"

namespace switchyard::local {

// Process-wide: loads ggml's CPU backends and routes llama.cpp's log lines into the "llama"
// logger. Idempotent and thread-safe.
void ensure_backend();

// llama.cpp's default context parameters with the model's inference threads applied.
llama_context_params context_params_for(const config::ModelConfig& model);

}  // namespace switchyard::local
