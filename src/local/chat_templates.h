// Jinja chat templates for generated models, one per prompt format, written so that both
// llama.cpp's built-in template detection (llama_chat_apply_template) and a full Jinja engine
// handle them.
#pragma once

#include <string_view>
#include <vector>

namespace switchyard::local {

enum class ChatFormat {
  kChatMl,  // <|im_start|>role ... <|im_end|> (Qwen, many others)
  kLlama2,  // [INST] ... [/INST] with <<SYS>>, for SentencePiece Llama vocabularies
  kLlama3,  // <|start_header_id|>role<|end_header_id|> ... <|eot_id|>
  kPhi3,    // <|user|> ... <|end|> <|assistant|>
};

// Picks the format whose control tokens the vocabulary has. `sentencepiece` is true for
// tokenizer.ggml.model "llama"; ChatML is the fallback for vocabularies with no chat tokens.
ChatFormat chat_format_for_vocab(const std::vector<std::string_view>& tokens, bool sentencepiece);

// The template's Jinja source.
std::string_view chat_template(ChatFormat format);

// The words the template writes around messages that are plain text rather than control
// tokens ("[INST]" in Llama 2's format), so a vocabulary made for a corpus can give them pieces.
std::vector<std::string_view> chat_markup_words(ChatFormat format);

}  // namespace switchyard::local
