// The GGUF key-values of a generated Llama model: the shape's hyperparameters, the tokenizer
// key-values of a vocabulary file, and a chat template that suits that vocabulary.
#pragma once

#include <string>

#include <ggml-cpp.h>

#include "common/result.h"
#include "local/model_maker.h"

namespace switchyard::local {

// Reads the tokenizer.* key-values of `vocab_file` and adds general.* and llama.* keys for
// `shape`, with general.file_type F32. A tokenizer.chat_template in the vocabulary file is kept;
// without one, the template of the format whose control tokens the vocabulary has is added.
// The result also declares Llama's tensors (names, shapes, F32) without data, as
// llama_model_init_from_user expects. Fails on a file that is not a GGUF tokenizer.
Result<gguf_context_ptr, std::string> make_llama_metadata(const ModelShape& shape,
                                                          const std::string& vocab_file);

}  // namespace switchyard::local
