// Makes Llama-architecture GGUF models with seeded random weights, so that benchmarks and tests
// can run real shapes without downloading weights. The tokenizer comes from one of llama.cpp's
// tokenizer-only files (models/ggml-vocab-*.gguf), so prompts tokenize as the real model
// family's would; the weights are noise, so the text generated is not.
//
// Example:
//   auto shape = preset_shape("tiny");
//   shape->type = WeightType::kQ8;
//   auto made = make_model(*shape, "/tmp/tiny-q8_0.gguf");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace switchyard::local {

// How the weight matrices are stored. Norms stay F32 in every type, as llama.cpp keeps them.
enum class WeightType {
  kF32,
  kF16,
  kQ8,  // GGML Q8_0
  kQ4,  // GGML Q4_0
};

// The shape of a model. The defaults are the "tiny" preset.
struct ModelShape {
  uint32_t layers = 2;
  uint32_t embd = 64;  // embedding length; a multiple of `heads`
  uint32_t heads = 4;  // attention heads; a multiple of `kv_heads`
  uint32_t kv_heads = 2;
  uint32_t ff = 128;   // feed-forward length
  uint32_t ctx = 512;  // context length the model declares
  // A path to a tokenizer GGUF, or the short name of one of llama.cpp's, as resolve_vocab_file
  // takes it.
  std::string vocab_file = "llama-spm";
  WeightType type = WeightType::kF32;
  uint64_t seed = 0;
  // Of the token embeddings. llama.cpp's training leaves them as they are, so a model that is
  // to be trained wants them large (about 1): at 0.02 the token a position holds is a faint
  // signal in the residual stream once the trained layers' outputs grow.
  float embedding_stddev = 0.02F;
};

struct ModelSummary {
  uint64_t parameters = 0;  // weights written, embeddings and norms included
  uint64_t file_bytes = 0;
  double seconds = 0;  // wall time of make_model
};

// "f32", "f16", "q8_0", "q4_0".
std::optional<WeightType> parse_weight_type(std::string_view name);
std::string_view weight_type_name(WeightType type);

// Named shapes, both with the Llama 2 (llama-spm, 32k tokens) vocabulary:
//   "tiny"  2 layers of 64, 4 heads, 2 KV heads, feed-forward 128, context 512: 4.17M
//           parameters, nearly all in the two embedding matrices; 17 MB as F32, 5 MB as Q8_0.
//   "300m"  16 layers of 1024, 16 heads, 4 KV heads, feed-forward 4096, context 4096: 308.8M
//           parameters (243.3M in the blocks, 65.5M in the embeddings).
// A larger vocabulary adds 2 * embd parameters per token (qwen2 makes "300m" 554.5M). Fails
// with the list of names on an unknown one.
Result<ModelShape, std::string> preset_shape(std::string_view name);
std::vector<std::string> preset_names();

// Turns a --vocab argument into a file: an existing file, or anything with a '/' or ending in
// ".gguf", is a path; anything else is a short name such as "llama-spm", "qwen2" or "phi-3",
// looked up as ggml-vocab-<name>.gguf in the llama.cpp models folder the build was given.
Result<std::string, std::string> resolve_vocab_file(const std::string& name_or_path);

// Checks a shape without building anything; the error names the offending field.
Result<bool, std::string> validate_shape(const ModelShape& shape);

// Writes the model to `out_path`, replacing any file there. The same shape and seed give a
// byte-identical file. Uses every hardware thread and, for the F32 pass, memory of about four
// bytes per parameter; a temporary file `<out_path>.f32.tmp` is written next to the output and
// removed. Not safe to run concurrently for the same `out_path`.
Result<ModelSummary, std::string> make_model(const ModelShape& shape, const std::string& out_path);

// Turns the F32 model at `f32_path` into `out_path` in `type`: quantized by llama.cpp (the
// F32 file stays), or renamed when `type` is F32.
Result<bool, std::string> finish_model(const std::string& f32_path, const std::string& out_path,
                                       WeightType type);

}  // namespace switchyard::local
