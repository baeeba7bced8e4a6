// Renders chat messages into the text a model reads, with the chat template in its GGUF
// metadata (llama.cpp's built-in implementations of the known formats). Shared by the engine,
// which renders requests, and the trainer, which renders whole conversations the same way.
// Thread-safe: reads only the model's metadata.
#pragma once

#include <string>
#include <vector>

#include <llama.h>

#include "common/result.h"

namespace switchyard::local {

struct ChatMessage {
  std::string role;
  std::string content;
};

// With `add_assistant`, the text ends with the opening of the assistant's turn, as a prompt
// does; without it, the messages are rendered as a finished conversation.
Result<std::string, std::string> render_chat(const llama_model* model,
                                             const std::vector<ChatMessage>& messages,
                                             bool add_assistant);

}  // namespace switchyard::local
