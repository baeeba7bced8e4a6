#include "local/model_metadata.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <llama.h>

#include "local/chat_templates.h"

namespace switchyard::local {
namespace {

constexpr std::string_view kTokenizerPrefix = "tokenizer.";
constexpr const char* kTokensKey = "tokenizer.ggml.tokens";
constexpr const char* kTokenizerModelKey = "tokenizer.ggml.model";
constexpr const char* kChatTemplateKey = "tokenizer.chat_template";
// tokenizer.ggml.model of SentencePiece vocabularies (Llama 1 and 2, Mistral, Phi-3).
constexpr std::string_view kSentencePieceModel = "llama";

constexpr float kRmsNormEpsilon = 1e-5F;
constexpr float kRopeFreqBase = 10000.0F;

bool has_string(const gguf_context* gguf, const char* key) {
  const int64_t id = gguf_find_key(gguf, key);
  return id >= 0 && gguf_get_kv_type(gguf, id) == GGUF_TYPE_STRING;
}

// The token list, checked first: the getters abort on a type mismatch.
Result<std::vector<std::string_view>, std::string> read_tokens(const gguf_context* vocab) {
  const int64_t id = gguf_find_key(vocab, kTokensKey);
  if (id < 0 || gguf_get_kv_type(vocab, id) != GGUF_TYPE_ARRAY ||
      gguf_get_arr_type(vocab, id) != GGUF_TYPE_STRING || gguf_get_arr_n(vocab, id) == 0) {
    return fail(fmt::format("no {} list of strings", kTokensKey));
  }
  std::vector<std::string_view> tokens;
  tokens.reserve(gguf_get_arr_n(vocab, id));
  for (size_t index = 0; index < gguf_get_arr_n(vocab, id); ++index) {
    tokens.emplace_back(gguf_get_arr_str(vocab, id, index));
  }
  return tokens;
}

// Everything under tokenizer.*, in the file's order, and nothing else (the vocabulary files
// also describe the model they came from).
gguf_context_ptr tokenizer_keys(const gguf_context* vocab) {
  gguf_context_ptr keys(gguf_init_empty());
  gguf_set_kv(keys.get(), vocab);
  std::vector<std::string> others;
  for (int64_t id = 0; id < gguf_get_n_kv(keys.get()); ++id) {
    const std::string_view key = gguf_get_key(keys.get(), id);
    if (!key.starts_with(kTokenizerPrefix)) {
      others.emplace_back(key);
    }
  }
  for (const auto& key : others) {
    gguf_remove_key(keys.get(), key.c_str());
  }
  return keys;
}

void set_llama_keys(const ModelShape& shape, uint32_t vocab_size, gguf_context* gguf) {
  const std::string name = fmt::format("random-llama-{}x{}", shape.layers, shape.embd);
  gguf_set_val_str(gguf, "general.architecture", "llama");
  gguf_set_val_str(gguf, "general.name", name.c_str());
  gguf_set_val_u32(gguf, "general.file_type", LLAMA_FTYPE_ALL_F32);
  gguf_set_val_u32(gguf, "llama.vocab_size", vocab_size);
  gguf_set_val_u32(gguf, "llama.context_length", shape.ctx);
  gguf_set_val_u32(gguf, "llama.embedding_length", shape.embd);
  gguf_set_val_u32(gguf, "llama.block_count", shape.layers);
  gguf_set_val_u32(gguf, "llama.feed_forward_length", shape.ff);
  gguf_set_val_u32(gguf, "llama.attention.head_count", shape.heads);
  gguf_set_val_u32(gguf, "llama.attention.head_count_kv", shape.kv_heads);
  gguf_set_val_f32(gguf, "llama.attention.layer_norm_rms_epsilon", kRmsNormEpsilon);
  gguf_set_val_u32(gguf, "llama.rope.dimension_count", shape.embd / shape.heads);
  gguf_set_val_f32(gguf, "llama.rope.freq_base", kRopeFreqBase);
}

struct TensorShape {
  std::string name;
  int64_t columns;  // ne[0], the row length
  int64_t rows;     // ne[1]; 1 for vectors
};

// Llama's tensors and nothing else: no biases, an output matrix of its own.
std::vector<TensorShape> llama_tensors(const ModelShape& shape, int64_t vocab_size) {
  const int64_t embd = shape.embd;
  const int64_t kv = embd / shape.heads * shape.kv_heads;
  const int64_t ff = shape.ff;
  std::vector<TensorShape> tensors = {{"token_embd.weight", embd, vocab_size},
                                      {"output_norm.weight", embd, 1},
                                      {"output.weight", embd, vocab_size}};
  for (uint32_t layer = 0; layer < shape.layers; ++layer) {
    const std::string block = fmt::format("blk.{}.", layer);
    tensors.push_back({block + "attn_norm.weight", embd, 1});
    tensors.push_back({block + "attn_q.weight", embd, embd});
    tensors.push_back({block + "attn_k.weight", embd, kv});
    tensors.push_back({block + "attn_v.weight", embd, kv});
    tensors.push_back({block + "attn_output.weight", embd, embd});
    tensors.push_back({block + "ffn_norm.weight", embd, 1});
    tensors.push_back({block + "ffn_gate.weight", embd, ff});
    tensors.push_back({block + "ffn_down.weight", ff, embd});
    tensors.push_back({block + "ffn_up.weight", embd, ff});
  }
  return tensors;
}

// llama.cpp builds from metadata the tensors it declares (as F32 without data); a required
// tensor missing here, or an extra one, fails the build.
void declare_tensors(const std::vector<TensorShape>& tensors, gguf_context* gguf) {
  const ggml_init_params params = {
      .mem_size = ggml_tensor_overhead() * tensors.size(), .mem_buffer = nullptr, .no_alloc = true};
  const ggml_context_ptr context(ggml_init(params));
  for (const auto& tensor : tensors) {
    ggml_tensor* declared =
        tensor.rows == 1
            ? ggml_new_tensor_1d(context.get(), GGML_TYPE_F32, tensor.columns)
            : ggml_new_tensor_2d(context.get(), GGML_TYPE_F32, tensor.columns, tensor.rows);
    ggml_set_name(declared, tensor.name.c_str());
    gguf_add_tensor(gguf, declared);
  }
}

void add_chat_template(const std::vector<std::string_view>& tokens, gguf_context* gguf) {
  if (has_string(gguf, kChatTemplateKey)) {
    return;
  }
  const bool sentencepiece =
      has_string(gguf, kTokenizerModelKey) &&
      gguf_get_val_str(gguf, gguf_find_key(gguf, kTokenizerModelKey)) == kSentencePieceModel;
  const std::string text(chat_template(chat_format_for_vocab(tokens, sentencepiece)));
  gguf_set_val_str(gguf, kChatTemplateKey, text.c_str());
}

}  // namespace

Result<gguf_context_ptr, std::string> make_llama_metadata(const ModelShape& shape,
                                                          const std::string& vocab_file) {
  const gguf_context_ptr vocab(gguf_init_from_file(vocab_file.c_str(), {.no_alloc = true}));
  if (!vocab) {
    return fail(fmt::format("{}: not a GGUF file", vocab_file));
  }
  auto tokens = read_tokens(vocab.get());
  if (!tokens) {
    return fail(fmt::format("{}: {}", vocab_file, tokens.error()));
  }
  if (!has_string(vocab.get(), kTokenizerModelKey)) {
    return fail(fmt::format("{}: no {}", vocab_file, kTokenizerModelKey));
  }

  gguf_context_ptr gguf(gguf_init_empty());
  set_llama_keys(shape, static_cast<uint32_t>(tokens->size()), gguf.get());
  gguf_set_kv(gguf.get(), tokenizer_keys(vocab.get()).get());
  add_chat_template(*tokens, gguf.get());
  declare_tensors(llama_tensors(shape, static_cast<int64_t>(tokens->size())), gguf.get());
  return gguf;
}

}  // namespace switchyard::local
