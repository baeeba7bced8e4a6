#include "local/chat_templates.h"

#include <algorithm>

namespace switchyard::local {
namespace {

// A system message, if first, is folded into the first user turn; each user turn opens with
// the BOS token, as Llama 2 chat models were trained.
constexpr std::string_view kLlama2Template =
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set system_text = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' -%}"
    "{%- set turns = messages[1:] -%}"
    "{%- else -%}"
    "{%- set system_text = '' -%}"
    "{%- set turns = messages -%}"
    "{%- endif -%}"
    "{%- for message in turns -%}"
    "{%- if message['role'] == 'user' -%}"
    "{%- set prefix = system_text if loop.first else '' -%}"
    "{{- bos_token + '[INST] ' + prefix + message['content'] + ' [/INST]' -}}"
    "{%- else -%}"
    "{{- ' ' + message['content'] + ' ' + eos_token -}}"
    "{%- endif -%}"
    "{%- endfor -%}";

constexpr std::string_view kChatMlTemplate =
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|im_start|>assistant\\n' -}}"
    "{%- endif -%}";

constexpr std::string_view kLlama3Template =
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' -}}"
    "{{- message['content'] + '<|eot_id|>' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}"
    "{%- endif -%}";

constexpr std::string_view kPhi3Template =
    "{%- for message in messages -%}"
    "{{- '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|assistant|>\\n' -}}"
    "{%- endif -%}";

bool has_token(const std::vector<std::string_view>& tokens, std::string_view token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

}  // namespace

ChatFormat chat_format_for_vocab(const std::vector<std::string_view>& tokens, bool sentencepiece) {
  if (has_token(tokens, "<|im_start|>") && has_token(tokens, "<|im_end|>")) {
    return ChatFormat::kChatMl;
  }
  if (has_token(tokens, "<|start_header_id|>") && has_token(tokens, "<|eot_id|>")) {
    return ChatFormat::kLlama3;
  }
  if (has_token(tokens, "<|assistant|>") && has_token(tokens, "<|end|>")) {
    return ChatFormat::kPhi3;
  }
  return sentencepiece ? ChatFormat::kLlama2 : ChatFormat::kChatMl;
}

std::string_view chat_template(ChatFormat format) {
  switch (format) {
    case ChatFormat::kLlama2:
      return kLlama2Template;
    case ChatFormat::kLlama3:
      return kLlama3Template;
    case ChatFormat::kPhi3:
      return kPhi3Template;
    case ChatFormat::kChatMl:
      break;
  }
  return kChatMlTemplate;
}

std::vector<std::string_view> chat_markup_words(ChatFormat format) {
  if (format == ChatFormat::kLlama2) {
    return {"[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"};
  }
  // The other formats mark turns with control tokens, which every vocabulary that selects
  // them already has.
  return {};
}

}  // namespace switchyard::local
