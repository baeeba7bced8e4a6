#include "local/chat_prompt.h"

#include <cstdint>

namespace switchyard::local {

Result<std::string, std::string> render_chat(const llama_model* model,
                                             const std::vector<ChatMessage>& messages,
                                             bool add_assistant) {
  const char* tmpl = llama_model_chat_template(model, nullptr);
  if (tmpl == nullptr) {
    return fail(std::string("the model has no chat template"));
  }
  std::vector<llama_chat_message> chat;
  std::size_t total = 0;
  for (const auto& message : messages) {
    chat.push_back({message.role.c_str(), message.content.c_str()});
    total += message.content.size() + message.role.size();
  }
  std::string prompt(2 * total + 256, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::int32_t n =
        llama_chat_apply_template(tmpl, chat.data(), chat.size(), add_assistant, prompt.data(),
                                  static_cast<std::int32_t>(prompt.size()));
    if (n < 0) {
      return fail(std::string("the model's chat template is not one llama.cpp knows"));
    }
    if (static_cast<std::size_t>(n) <= prompt.size()) {
      prompt.resize(static_cast<std::size_t>(n));
      return prompt;
    }
    prompt.resize(static_cast<std::size_t>(n));
  }
  return fail(std::string("the chat template output kept growing"));
}

}  // namespace switchyard::local
