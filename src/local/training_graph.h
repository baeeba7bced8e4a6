// The forward pass of a Llama-architecture model as a ggml graph of our own, for training.
//
// llama.cpp's training path (llama_opt_epoch) attends through its KV cache, and ggml's
// backward pass does not run through the cache: the key and value projections keep their
// random initial weights, and so do the token embeddings, which it never marks trainable. A
// model trained that way mixes its answers. This graph attends to the keys and values
// directly, so every weight learns, and it scores only the positions the caller chooses.
//
// It computes what llama.cpp's Llama graph computes at inference (RMS norm, RoPE in its
// normal mode, grouped-query attention, SwiGLU), so the trained weights load as an ordinary
// Llama GGUF. Not thread-safe; one trainer owns it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ggml-backend.h>
#include <ggml-cpp.h>
#include <ggml.h>

#include "common/result.h"

namespace switchyard::local {

struct LlamaLayerWeights {
  ggml_tensor* attn_norm = nullptr;
  ggml_tensor* attn_q = nullptr;
  ggml_tensor* attn_k = nullptr;
  ggml_tensor* attn_v = nullptr;
  ggml_tensor* attn_output = nullptr;
  ggml_tensor* ffn_norm = nullptr;
  ggml_tensor* ffn_gate = nullptr;
  ggml_tensor* ffn_up = nullptr;
  ggml_tensor* ffn_down = nullptr;
};

// Every tensor of an F32 Llama GGUF, in one backend buffer, each marked as a parameter.
struct LlamaWeights {
  uint32_t heads = 0;
  uint32_t kv_heads = 0;
  float rms_epsilon = 0;
  float rope_freq_base = 0;
  ggml_context_ptr context;            // the tensors' metadata
  ggml_backend_buffer_ptr buffer;      // their data
  std::vector<ggml_tensor*> in_order;  // as in the file
  ggml_tensor* token_embd = nullptr;
  ggml_tensor* output_norm = nullptr;
  ggml_tensor* output = nullptr;
  std::vector<LlamaLayerWeights> layers;
};

Result<LlamaWeights, std::string> load_llama_weights(const std::string& path,
                                                     ggml_backend_t backend);

// A packed batch: sequences end to end, each attending only to itself, causally.
struct PackedBatch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;  // from 0 in each sequence
  std::vector<int32_t> sequences;  // which sequence each token belongs to
  std::vector<int32_t> scored;     // indices of the tokens whose next-token logits count
};

// The graph's inputs, allocated by the caller (ggml-opt wants them static).
struct GraphInputs {
  ggml_tensor* tokens = nullptr;     // I32 [n]
  ggml_tensor* positions = nullptr;  // I32 [n]
  ggml_tensor* mask = nullptr;       // F32 [n, n]: 0 where a token may attend, -inf elsewhere
  ggml_tensor* scored = nullptr;     // I32 [m]
};

// Creates the input tensors for `batch` in `context` (no_alloc); fill_inputs writes them once
// they are allocated.
GraphInputs make_inputs(ggml_context* context, const PackedBatch& batch);
void fill_inputs(const GraphInputs& inputs, const PackedBatch& batch);

// The logits at the scored positions, F32 [vocabulary, m].
ggml_tensor* build_scored_logits(ggml_context* compute, const LlamaWeights& weights,
                                 const GraphInputs& inputs);

}  // namespace switchyard::local
