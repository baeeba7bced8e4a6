#include "local/chat_templates.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <llama.h>

namespace switchyard::local {
namespace {

TEST(ChatTemplates, PicksTheFormatOfTheVocabularysControlTokens) {
  const std::vector<std::string_view> qwen = {"a", "<|im_start|>", "<|im_end|>"};
  const std::vector<std::string_view> llama3 = {"<|start_header_id|>", "<|eot_id|>"};
  const std::vector<std::string_view> phi3 = {"<|user|>", "<|assistant|>", "<|end|>"};
  const std::vector<std::string_view> plain = {"a", "b"};
  EXPECT_EQ(chat_format_for_vocab(qwen, false), ChatFormat::kChatMl);
  EXPECT_EQ(chat_format_for_vocab(llama3, false), ChatFormat::kLlama3);
  EXPECT_EQ(chat_format_for_vocab(phi3, true), ChatFormat::kPhi3);
  EXPECT_EQ(chat_format_for_vocab(plain, true), ChatFormat::kLlama2);
  EXPECT_EQ(chat_format_for_vocab(plain, false), ChatFormat::kChatMl);
}

TEST(ChatTemplates, EachTemplateCarriesItsFormatsMarkers) {
  EXPECT_NE(chat_template(ChatFormat::kChatMl).find("<|im_start|>"), std::string_view::npos);
  EXPECT_NE(chat_template(ChatFormat::kLlama2).find("[INST]"), std::string_view::npos);
  EXPECT_NE(chat_template(ChatFormat::kLlama2).find("<<SYS>>"), std::string_view::npos);
  EXPECT_NE(chat_template(ChatFormat::kLlama3).find("<|start_header_id|>"), std::string_view::npos);
  EXPECT_NE(chat_template(ChatFormat::kPhi3).find("<|assistant|>"), std::string_view::npos);
}

// llama_chat_apply_template has no Jinja engine: it recognizes a template by its markers. Each
// of ours must be recognized as the format it is.
std::string apply_builtin(ChatFormat format) {
  const std::string source(chat_template(format));
  const llama_chat_message messages[] = {{"user", "Hi"}};
  std::vector<char> prompt(256);
  const int32_t length = llama_chat_apply_template(source.c_str(), messages, 1, true, prompt.data(),
                                                   static_cast<int32_t>(prompt.size()));
  return length > 0 ? std::string(prompt.data(), length) : "";
}

TEST(ChatTemplates, LlamaCppRecognizesEachFormat) {
  EXPECT_EQ(apply_builtin(ChatFormat::kChatMl),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(apply_builtin(ChatFormat::kLlama2), "[INST] Hi [/INST]");
  EXPECT_EQ(apply_builtin(ChatFormat::kLlama3),
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(apply_builtin(ChatFormat::kPhi3), "<|user|>\nHi<|end|>\n<|assistant|>\n");
}

}  // namespace
}  // namespace switchyard::local
