// Process-wide llama.cpp set-up: loads ggml's CPU backends and routes llama.cpp's log lines
// into the "llama" logger. Idempotent and thread-safe.
#pragma once

namespace switchyard::local {

void ensure_backend();

}  // namespace switchyard::local
