// Log-probabilities of sampled tokens, as OpenAI's `logprobs` / `top_logprobs` report them:
// the model's own distribution (raw logits through a log-softmax), before any sampling stage.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

struct llama_vocab;

namespace switchyard::local {

struct TokenLogprob {
  std::string token;  // the token's bytes (may be part of a UTF-8 character)
  float logprob = 0;
  std::vector<std::pair<std::string, float>> top;  // the most likely tokens, best first
};

// REQUIRES: `logits` holds the vocabulary's logits; 0 <= top_n.
TokenLogprob token_logprob(const float* logits, const llama_vocab* vocab, std::int32_t chosen,
                           std::int32_t top_n);

}  // namespace switchyard::local
