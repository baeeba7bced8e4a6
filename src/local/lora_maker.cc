#include "local/lora_maker.h"

#include <span>
#include <vector>

#include <fmt/format.h>
#include <ggml-cpp.h>
#include <gguf.h>

#include "local/random_weights.h"

namespace switchyard::local {
namespace {

// Large enough that the adapted model visibly answers differently from its base.
constexpr float kLoraStddev = 0.05F;

struct Projection {
  const char* name;
  std::uint32_t outputs;
};

}  // namespace

Result<bool, std::string> make_lora(const ModelShape& base, const LoraShape& lora,
                                    const std::string& out_path) {
  const std::uint32_t head_dim = base.embd / base.heads;
  const Projection projections[] = {{"attn_q", base.embd}, {"attn_v", head_dim * base.kv_heads}};
  const std::size_t tensor_count = 2 * std::size(projections) * base.layers;
  ggml_init_params params{
      .mem_size = tensor_count * ggml_tensor_overhead(), .mem_buffer = nullptr, .no_alloc = true};
  const ggml_context_ptr tensors(ggml_init(params));
  const gguf_context_ptr file(gguf_init_empty());
  gguf_set_val_str(file.get(), "general.type", "adapter");
  gguf_set_val_str(file.get(), "general.architecture", "llama");
  gguf_set_val_str(file.get(), "adapter.type", "lora");
  gguf_set_val_f32(file.get(), "adapter.lora.alpha", lora.alpha);

  // llama.cpp wants A as [inputs, rank] and B as [rank, outputs] (ggml's ne order).
  std::vector<std::vector<float>> data;
  for (std::uint32_t layer = 0; layer < base.layers; ++layer) {
    for (const auto& projection : projections) {
      const std::string weight = fmt::format("blk.{}.{}.weight", layer, projection.name);
      for (const bool is_a : {true, false}) {
        ggml_tensor* tensor =
            is_a ? ggml_new_tensor_2d(tensors.get(), GGML_TYPE_F32, base.embd, lora.rank)
                 : ggml_new_tensor_2d(tensors.get(), GGML_TYPE_F32, lora.rank, projection.outputs);
        const std::string name = weight + (is_a ? ".lora_a" : ".lora_b");
        ggml_set_name(tensor, name.c_str());
        auto& values = data.emplace_back(static_cast<std::size_t>(ggml_nelements(tensor)));
        fill_random_normal(std::span<float>(values), kLoraStddev, lora.seed, stable_hash(name));
        tensor->data = values.data();
        gguf_add_tensor(file.get(), tensor);
      }
    }
  }
  if (!gguf_write_to_file(file.get(), out_path.c_str(), /*only_meta=*/false)) {
    return fail(fmt::format("cannot write the adapter to {}", out_path));
  }
  return true;
}

}  // namespace switchyard::local
