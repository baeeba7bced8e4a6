#include "local/training_graph.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <gguf.h>

namespace switchyard::local {
namespace {

constexpr const char* kArchitectureKey = "general.architecture";
constexpr std::string_view kLlama = "llama";
// llama.cpp's Llama graph: RoPE in its normal (not NeoX) mode, without YaRN.
constexpr int kRopeModeNormal = 0;
constexpr float kRopeBetaFast = 32.0F;
constexpr float kRopeBetaSlow = 1.0F;

Result<float, std::string> f32_key(const gguf_context* file, const std::string& key) {
  const int64_t id = gguf_find_key(file, key.c_str());
  if (id < 0 || gguf_get_kv_type(file, id) != GGUF_TYPE_FLOAT32) {
    return fail(fmt::format("the base model has no {}", key));
  }
  return gguf_get_val_f32(file, id);
}

Result<uint32_t, std::string> u32_key(const gguf_context* file, const std::string& key) {
  const int64_t id = gguf_find_key(file, key.c_str());
  if (id < 0 || gguf_get_kv_type(file, id) != GGUF_TYPE_UINT32) {
    return fail(fmt::format("the base model has no {}", key));
  }
  return gguf_get_val_u32(file, id);
}

Result<bool, std::string> read_hyperparameters(const gguf_context* file, LlamaWeights& weights) {
  const int64_t architecture = gguf_find_key(file, kArchitectureKey);
  if (architecture < 0 || gguf_get_val_str(file, architecture) != kLlama) {
    return fail(std::string("the base model is not a Llama-architecture GGUF"));
  }
  auto heads = u32_key(file, "llama.attention.head_count");
  auto kv_heads = u32_key(file, "llama.attention.head_count_kv");
  auto epsilon = f32_key(file, "llama.attention.layer_norm_rms_epsilon");
  auto freq_base = f32_key(file, "llama.rope.freq_base");
  if (!heads || !kv_heads) {
    return fail(std::move(heads ? kv_heads : heads).error());
  }
  if (!epsilon || !freq_base) {
    return fail(std::move(epsilon ? freq_base : epsilon).error());
  }
  weights.heads = *heads;
  weights.kv_heads = *kv_heads;
  weights.rms_epsilon = *epsilon;
  weights.rope_freq_base = *freq_base;
  return true;
}

// Points the named fields at the tensors; a Llama layer needs all nine.
Result<bool, std::string> bind_tensors(LlamaWeights& weights) {
  ggml_context* context = weights.context.get();
  weights.token_embd = ggml_get_tensor(context, "token_embd.weight");
  weights.output_norm = ggml_get_tensor(context, "output_norm.weight");
  weights.output = ggml_get_tensor(context, "output.weight");
  if (weights.token_embd == nullptr || weights.output_norm == nullptr ||
      weights.output == nullptr) {
    return fail(std::string("the base model lacks its embedding, output norm or output tensor"));
  }
  for (int layer = 0;; ++layer) {
    const auto get = [&](std::string_view name) {
      return ggml_get_tensor(context, fmt::format("blk.{}.{}.weight", layer, name).c_str());
    };
    LlamaLayerWeights bound{.attn_norm = get("attn_norm"),
                            .attn_q = get("attn_q"),
                            .attn_k = get("attn_k"),
                            .attn_v = get("attn_v"),
                            .attn_output = get("attn_output"),
                            .ffn_norm = get("ffn_norm"),
                            .ffn_gate = get("ffn_gate"),
                            .ffn_up = get("ffn_up"),
                            .ffn_down = get("ffn_down")};
    if (bound.attn_norm == nullptr) {
      break;
    }
    for (const ggml_tensor* tensor :
         {bound.attn_q, bound.attn_k, bound.attn_v, bound.attn_output, bound.ffn_norm,
          bound.ffn_gate, bound.ffn_up, bound.ffn_down}) {
      if (tensor == nullptr) {
        return fail(fmt::format("layer {} of the base model is incomplete", layer));
      }
    }
    weights.layers.push_back(bound);
  }
  if (weights.layers.empty()) {
    return fail(std::string("the base model has no layers"));
  }
  return true;
}

// RMS norm, then the learned per-channel scale.
ggml_tensor* norm(ggml_context* compute, ggml_tensor* x, ggml_tensor* scale, float epsilon) {
  return ggml_mul(compute, ggml_rms_norm(compute, x, epsilon), scale);
}

ggml_tensor* rope(ggml_context* compute, ggml_tensor* x, ggml_tensor* positions,
                  const LlamaWeights& weights) {
  return ggml_rope_ext(compute, x, positions, nullptr, static_cast<int>(x->ne[0]), kRopeModeNormal,
                       0, weights.rope_freq_base, 1.0F, 0.0F, 1.0F, kRopeBetaFast, kRopeBetaSlow);
}

// Causal self-attention over the packed batch, as llama.cpp computes it without flash
// attention: query heads share key/value heads by broadcasting.
ggml_tensor* attention(ggml_context* compute, ggml_tensor* x, const LlamaLayerWeights& layer,
                       const LlamaWeights& weights, const GraphInputs& inputs) {
  const int64_t tokens = x->ne[1];
  const int64_t head = layer.attn_q->ne[1] / weights.heads;
  ggml_tensor* q =
      ggml_reshape_3d(compute, ggml_mul_mat(compute, layer.attn_q, x), head, weights.heads, tokens);
  ggml_tensor* k = ggml_reshape_3d(compute, ggml_mul_mat(compute, layer.attn_k, x), head,
                                   weights.kv_heads, tokens);
  ggml_tensor* v = ggml_reshape_3d(compute, ggml_mul_mat(compute, layer.attn_v, x), head,
                                   weights.kv_heads, tokens);
  q = ggml_permute(compute, rope(compute, q, inputs.positions, weights), 0, 2, 1, 3);
  k = ggml_permute(compute, rope(compute, k, inputs.positions, weights), 0, 2, 1, 3);

  const float scale = 1.0F / std::sqrt(static_cast<float>(head));
  ggml_tensor* scores = ggml_mul_mat(compute, k, q);  // [keys, queries, heads]
  scores = ggml_soft_max_ext(compute, scores, inputs.mask, scale, 0.0F);
  ggml_tensor* values = ggml_cont(compute, ggml_permute(compute, v, 1, 2, 0, 3));
  ggml_tensor* mixed = ggml_mul_mat(compute, values, scores);  // [head, queries, heads]
  mixed = ggml_cont(compute, ggml_permute(compute, mixed, 0, 2, 1, 3));
  mixed = ggml_reshape_2d(compute, mixed, head * weights.heads, tokens);
  return ggml_mul_mat(compute, layer.attn_output, mixed);
}

ggml_tensor* feed_forward(ggml_context* compute, ggml_tensor* x, const LlamaLayerWeights& layer) {
  ggml_tensor* gate = ggml_silu(compute, ggml_mul_mat(compute, layer.ffn_gate, x));
  ggml_tensor* up = ggml_mul_mat(compute, layer.ffn_up, x);
  return ggml_mul_mat(compute, layer.ffn_down, ggml_mul(compute, gate, up));
}

}  // namespace

Result<LlamaWeights, std::string> load_llama_weights(const std::string& path,
                                                     ggml_backend_t backend) {
  ggml_context* data = nullptr;
  const gguf_context_ptr file(gguf_init_from_file(path.c_str(), {.no_alloc = false, .ctx = &data}));
  const ggml_context_ptr owned_data(data);
  if (!file) {
    return fail(fmt::format("cannot load the base model '{}'", path));
  }
  LlamaWeights weights;
  if (auto read = read_hyperparameters(file.get(), weights); !read) {
    return fail(std::move(read).error());
  }

  const int64_t count = gguf_get_n_tensors(file.get());
  weights.context.reset(ggml_init({.mem_size = static_cast<size_t>(count) * ggml_tensor_overhead(),
                                   .mem_buffer = nullptr,
                                   .no_alloc = true}));
  for (int64_t i = 0; i < count; ++i) {
    const ggml_tensor* stored = ggml_get_tensor(data, gguf_get_tensor_name(file.get(), i));
    if (stored->type != GGML_TYPE_F32) {
      return fail(fmt::format("the base model's {} is not F32", ggml_get_name(stored)));
    }
    ggml_tensor* tensor = ggml_dup_tensor(weights.context.get(), stored);
    ggml_set_name(tensor, ggml_get_name(stored));
    ggml_set_param(tensor);
    weights.in_order.push_back(tensor);
  }
  weights.buffer.reset(ggml_backend_alloc_ctx_tensors(weights.context.get(), backend));
  for (ggml_tensor* tensor : weights.in_order) {
    const ggml_tensor* stored = ggml_get_tensor(data, ggml_get_name(tensor));
    ggml_backend_tensor_set(tensor, stored->data, 0, ggml_nbytes(stored));
  }
  if (auto bound = bind_tensors(weights); !bound) {
    return fail(std::move(bound).error());
  }
  return weights;
}

GraphInputs make_inputs(ggml_context* context, const PackedBatch& batch) {
  const auto tokens = static_cast<int64_t>(batch.tokens.size());
  GraphInputs inputs{.tokens = ggml_new_tensor_1d(context, GGML_TYPE_I32, tokens),
                     .positions = ggml_new_tensor_1d(context, GGML_TYPE_I32, tokens),
                     .mask = ggml_new_tensor_2d(context, GGML_TYPE_F32, tokens, tokens),
                     .scored = ggml_new_tensor_1d(context, GGML_TYPE_I32,
                                                  static_cast<int64_t>(batch.scored.size()))};
  for (ggml_tensor* input : {inputs.tokens, inputs.positions, inputs.mask, inputs.scored}) {
    ggml_set_input(input);
  }
  return inputs;
}

void fill_inputs(const GraphInputs& inputs, const PackedBatch& batch) {
  ggml_backend_tensor_set(inputs.tokens, batch.tokens.data(), 0, ggml_nbytes(inputs.tokens));
  ggml_backend_tensor_set(inputs.positions, batch.positions.data(), 0,
                          ggml_nbytes(inputs.positions));
  ggml_backend_tensor_set(inputs.scored, batch.scored.data(), 0, ggml_nbytes(inputs.scored));

  // Row q is what query q may see: keys of its own sequence, up to itself.
  const std::size_t n = batch.tokens.size();
  std::vector<float> mask(n * n, -std::numeric_limits<float>::infinity());
  for (std::size_t query = 0; query < n; ++query) {
    for (std::size_t key = 0; key <= query; ++key) {
      if (batch.sequences[key] == batch.sequences[query]) {
        mask[query * n + key] = 0.0F;
      }
    }
  }
  ggml_backend_tensor_set(inputs.mask, mask.data(), 0, ggml_nbytes(inputs.mask));
}

ggml_tensor* build_scored_logits(ggml_context* compute, const LlamaWeights& weights,
                                 const GraphInputs& inputs) {
  ggml_tensor* x = ggml_get_rows(compute, weights.token_embd, inputs.tokens);
  for (const auto& layer : weights.layers) {
    ggml_tensor* attended = attention(
        compute, norm(compute, x, layer.attn_norm, weights.rms_epsilon), layer, weights, inputs);
    x = ggml_add(compute, x, attended);
    x = ggml_add(
        compute, x,
        feed_forward(compute, norm(compute, x, layer.ffn_norm, weights.rms_epsilon), layer));
  }
  x = norm(compute, x, weights.output_norm, weights.rms_epsilon);
  // Only the scored positions reach the output matrix and the loss.
  x = ggml_get_rows(compute, x, inputs.scored);
  return ggml_mul_mat(compute, weights.output, x);
}

}  // namespace switchyard::local
