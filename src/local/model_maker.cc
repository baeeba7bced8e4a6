#include "local/model_maker.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <filesystem>
#include <span>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ggml-cpp.h>
#include <llama-cpp.h>
#include <llama.h>

#include "common/log.h"
#include "common/temporary_file.h"
#include "local/backend.h"
#include "local/model_metadata.h"
#include "local/random_weights.h"

namespace switchyard::local {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kVocabFilePrefix = "ggml-vocab-";
constexpr std::string_view kGgufExtension = ".gguf";
constexpr std::string_view kF32Suffix = ".f32.tmp";

// Initialisation scale of GPT-2 and Llama: keeps activations and logits in a sane range at any
// depth we make.
constexpr float kWeightStddev = 0.02F;
constexpr std::string_view kTokenEmbeddingName = "token_embd.weight";

struct FillSettings {
  uint64_t seed = 0;
  float embedding_stddev = 0;
};

struct NamedType {
  std::string_view name;
  WeightType type;
  llama_ftype ftype;
};

constexpr NamedType kWeightTypes[] = {
    {"f32", WeightType::kF32, LLAMA_FTYPE_ALL_F32},
    {"f16", WeightType::kF16, LLAMA_FTYPE_MOSTLY_F16},
    {"q8_0", WeightType::kQ8, LLAMA_FTYPE_MOSTLY_Q8_0},
    {"q4_0", WeightType::kQ4, LLAMA_FTYPE_MOSTLY_Q4_0},
};

const NamedType& named_type(WeightType type) {
  const auto* found = std::find_if(std::begin(kWeightTypes), std::end(kWeightTypes),
                                   [type](const NamedType& entry) { return entry.type == type; });
  assert(found != std::end(kWeightTypes));
  return *found;
}

ModelShape shape_300m() {
  ModelShape shape;
  shape.layers = 16;
  shape.embd = 1024;
  shape.heads = 16;
  shape.kv_heads = 4;
  shape.ff = 4096;
  shape.ctx = 4096;
  return shape;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<std::string> known_vocab_names() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(SWITCHYARD_LLAMA_MODELS_DIR, error)) {
    const std::string file = entry.path().filename().string();
    if (file.starts_with(kVocabFilePrefix) && file.ends_with(kGgufExtension)) {
      names.push_back(file.substr(kVocabFilePrefix.size(),
                                  file.size() - kVocabFilePrefix.size() - kGgufExtension.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The prebuilt libraries create only the tensors the metadata declares, but the pinned source
// also creates every optional tensor a Llama layer may have (biases, RoPE frequency factors).
// Those get neutral values and stay out of the file, so either way the file holds exactly
// Llama's tensors.
enum class TensorKind { kWeight, kNorm, kBias, kRopeFactors };

TensorKind tensor_kind(std::string_view name) {
  if (name.starts_with("rope_")) {
    return TensorKind::kRopeFactors;
  }
  if (name.ends_with(".bias")) {
    return TensorKind::kBias;
  }
  return name.ends_with("_norm.weight") ? TensorKind::kNorm : TensorKind::kWeight;
}

void fill_values(TensorKind kind, std::string_view name, const FillSettings& settings,
                 std::span<float> values) {
  switch (kind) {
    case TensorKind::kWeight:
      fill_random_normal(values,
                         name == kTokenEmbeddingName ? settings.embedding_stddev : kWeightStddev,
                         settings.seed, stable_hash(name));
      return;
    case TensorKind::kBias:
      std::fill(values.begin(), values.end(), 0.0F);
      return;
    case TensorKind::kNorm:
    case TensorKind::kRopeFactors:
      std::fill(values.begin(), values.end(), 1.0F);
      return;
  }
}

// What the tensor callback needs; lives on make_model's stack for the length of the build.
struct FillContext {
  FillSettings settings;
  gguf_context* file = nullptr;  // receives each tensor that goes in the output, in fill order
  uint64_t parameters = 0;
};

// Called by llama.cpp once per tensor, after allocation. Every tensor is F32 (the metadata names
// no other type) and, with no layers offloaded, normally in host memory.
void fill_tensor(ggml_tensor* tensor, void* user_data) {
  auto& fill = *static_cast<FillContext*>(user_data);
  assert(tensor->type == GGML_TYPE_F32 && ggml_is_contiguous(tensor));
  const std::string_view name = ggml_get_name(tensor);
  const TensorKind kind = tensor_kind(name);
  const auto count = static_cast<size_t>(ggml_nelements(tensor));
  if (ggml_backend_buffer_is_host(tensor->buffer)) {
    fill_values(kind, name, fill.settings, {static_cast<float*>(tensor->data), count});
  } else {
    std::vector<float> staging(count);
    fill_values(kind, name, fill.settings, staging);
    ggml_backend_tensor_set(tensor, staging.data(), 0, ggml_nbytes(tensor));
  }

  const bool in_file = kind == TensorKind::kWeight || kind == TensorKind::kNorm;
  if (in_file && gguf_find_tensor(fill.file, tensor->name) < 0) {
    gguf_add_tensor(fill.file, tensor);
    fill.parameters += count;
  }
}

// llama_model_save_to_file is not used: it rebuilds the key-values from the loaded model and
// drops tokenizer.chat_template. Writing our own key-values with the model's tensors keeps
// them exactly. Returns the number of parameters written.
Result<uint64_t, std::string> write_f32_model(gguf_context* metadata, const FillSettings& settings,
                                              const std::string& path) {
  const gguf_context_ptr file(gguf_init_empty());
  gguf_set_kv(file.get(), metadata);
  FillContext fill{.settings = settings, .file = file.get()};
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  const llama_model_ptr model(llama_model_init_from_user(metadata, &fill_tensor, &fill, params));
  if (!model) {
    return fail(std::string("llama.cpp could not build a model of this shape (see its log)"));
  }
  if (!gguf_write_to_file(file.get(), path.c_str(), /*only_meta=*/false)) {
    return fail(fmt::format("cannot write {}", path));
  }
  return fill.parameters;
}

// Norms and other 1-D tensors stay F32; llama.cpp's defaults choose the output and embedding
// types (for Q4_0 the output matrix becomes Q6_K where its rows allow).
Result<bool, std::string> quantize_model(const std::string& from, const std::string& to,
                                         WeightType type) {
  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.ftype = named_type(type).ftype;
  if (llama_model_quantize(from.c_str(), to.c_str(), &params) != 0) {
    std::error_code ignored;
    fs::remove(to, ignored);
    return fail(
        fmt::format("llama.cpp could not quantize to {} (see its log)", weight_type_name(type)));
  }
  return true;
}

Result<bool, std::string> move_file(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) {
    return fail(fmt::format("cannot move {} to {}: {}", from, to, error.message()));
  }
  return true;
}

}  // namespace

Result<bool, std::string> finish_model(const std::string& f32_path, const std::string& out_path,
                                       WeightType type) {
  return type == WeightType::kF32 ? move_file(f32_path, out_path)
                                  : quantize_model(f32_path, out_path, type);
}

std::optional<WeightType> parse_weight_type(std::string_view name) {
  for (const auto& entry : kWeightTypes) {
    if (entry.name == name) {
      return entry.type;
    }
  }
  return std::nullopt;
}

std::string_view weight_type_name(WeightType type) {
  return named_type(type).name;
}

Result<ModelShape, std::string> preset_shape(std::string_view name) {
  if (name == "tiny") {
    return ModelShape{};
  }
  if (name == "300m") {
    return shape_300m();
  }
  return fail(
      fmt::format("unknown preset '{}' (known: {})", name, fmt::join(preset_names(), ", ")));
}

std::vector<std::string> preset_names() {
  return {"tiny", "300m"};
}

Result<std::string, std::string> resolve_vocab_file(const std::string& name_or_path) {
  std::error_code error;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(kGgufExtension)) {
    if (!fs::is_regular_file(name_or_path, error)) {
      return fail(fmt::format("vocab file '{}' does not exist", name_or_path));
    }
    return name_or_path;
  }
  const fs::path file = fs::path(SWITCHYARD_LLAMA_MODELS_DIR) /
                        fmt::format("{}{}{}", kVocabFilePrefix, name_or_path, kGgufExtension);
  if (!fs::is_regular_file(file, error)) {
    return fail(fmt::format("unknown vocab '{}' (known: {})", name_or_path,
                            fmt::join(known_vocab_names(), ", ")));
  }
  return file.string();
}

Result<bool, std::string> validate_shape(const ModelShape& shape) {
  if (shape.layers == 0 || shape.embd == 0 || shape.heads == 0 || shape.kv_heads == 0 ||
      shape.ff == 0 || shape.ctx == 0) {
    return fail(std::string("layers, embd, heads, kv_heads, ff and ctx must all be positive"));
  }
  if (shape.embd % shape.heads != 0) {
    return fail(fmt::format("embd ({}) is not a multiple of heads ({})", shape.embd, shape.heads));
  }
  if (shape.heads % shape.kv_heads != 0) {
    return fail(
        fmt::format("heads ({}) is not a multiple of kv_heads ({})", shape.heads, shape.kv_heads));
  }
  // RoPE rotates the head's dimensions in pairs.
  if ((shape.embd / shape.heads) % 2 != 0) {
    return fail(fmt::format("the head size embd / heads ({}) is odd", shape.embd / shape.heads));
  }
  // Quantized rows are whole blocks; every matrix row is embd or ff long.
  const auto block = static_cast<uint32_t>(ggml_blck_size(GGML_TYPE_Q8_0));
  const bool quantized = shape.type == WeightType::kQ8 || shape.type == WeightType::kQ4;
  if (quantized && (shape.embd % block != 0 || shape.ff % block != 0)) {
    return fail(fmt::format("{} needs embd and ff to be multiples of {}",
                            weight_type_name(shape.type), block));
  }
  return true;
}

Result<ModelSummary, std::string> make_model(const ModelShape& shape, const std::string& out_path) {
  const auto started = std::chrono::steady_clock::now();
  if (auto valid = validate_shape(shape); !valid) {
    return fail(std::move(valid).error());
  }
  auto vocab_file = resolve_vocab_file(shape.vocab_file);
  if (!vocab_file) {
    return fail(std::move(vocab_file).error());
  }
  auto metadata = make_llama_metadata(shape, *vocab_file);
  if (!metadata) {
    return fail(std::move(metadata).error());
  }

  ensure_backend();
  const TemporaryFile f32_file(out_path + std::string(kF32Suffix));
  auto parameters = write_f32_model(
      metadata->get(), {.seed = shape.seed, .embedding_stddev = shape.embedding_stddev},
      f32_file.path());
  if (!parameters) {
    return fail(std::move(parameters).error());
  }
  const auto logger = log::get("local");
  logger->debug("{}: {} F32 parameters written in {:.1f} s", out_path, *parameters,
                seconds_since(started));

  if (auto finished = finish_model(f32_file.path(), out_path, shape.type); !finished) {
    return fail(std::move(finished).error());
  }
  std::error_code error;
  const auto file_bytes = fs::file_size(out_path, error);
  if (error) {
    return fail(fmt::format("cannot read the size of {}: {}", out_path, error.message()));
  }
  return ModelSummary{*parameters, file_bytes, seconds_since(started)};
}

}  // namespace switchyard::local
