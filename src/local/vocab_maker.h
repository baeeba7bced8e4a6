// Makes a small SentencePiece-style vocabulary fitted to a corpus, written as a tokenizer-only
// GGUF that `model init --vocab FILE` takes like llama.cpp's own ggml-vocab-*.gguf files.
//
// Why: with a 32k-token vocabulary nearly all of a small model's training time goes into the
// output layer. A vocabulary of the corpus' own words trains many times faster, and any text
// still tokenizes: characters outside it fall back to the 256 byte tokens.
//
// The pieces are the control and byte tokens, every printable ASCII character, every other
// character the corpus uses, and every prefix of every word, both space-led ("▁w", "▁wo",
// "▁word") and bare ("wo", "word": a word right after markup such as "[/INST]" has no space).
// llama.cpp's SentencePiece tokenizer merges the highest-scoring adjacent pair whose join is a
// piece, leftmost first on ties. A piece scores its length, so a word grows from its start one
// character at a time to its longest prefix in the vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace switchyard::local {

struct VocabSummary {
  uint32_t tokens = 0;  // control and byte tokens included
  uint32_t words = 0;   // distinct space-led words whose prefixes became pieces
};

// Builds the vocabulary of `texts` and writes it to `out_path` (replaced if present). Words
// seen fewer than `min_count` times are left to shorter pieces.
Result<VocabSummary, std::string> make_vocab(const std::vector<std::string>& texts,
                                             uint32_t min_count, const std::string& out_path);

}  // namespace switchyard::local
