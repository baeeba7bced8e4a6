// A LoRA adapter with random weights for a model made by make_model: low-rank updates of
// every layer's query and value projections, in the GGUF layout llama.cpp loads
// (general.type "adapter", tensors "<weight>.lora_a" and "<weight>.lora_b").
//
// Like the models, such adapters carry no knowledge; they let tests and benchmarks exercise
// adapters applied at run time.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "local/model_maker.h"

namespace switchyard::local {

struct LoraShape {
  std::uint32_t rank = 8;
  float alpha = 16;
  std::uint64_t seed = 0;
};

// Writes an adapter for base models of `base`'s shape to `out_path`.
Result<bool, std::string> make_lora(const ModelShape& base, const LoraShape& lora,
                                    const std::string& out_path);

}  // namespace switchyard::local
