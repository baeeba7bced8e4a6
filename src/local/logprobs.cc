#include "local/logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <llama.h>

namespace switchyard::local {
namespace {

std::string piece(const llama_vocab* vocab, std::int32_t token) {
  char buffer[256];
  const std::int32_t n = llama_token_to_piece(vocab, token, buffer, sizeof buffer, 0, false);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

TokenLogprob token_logprob(const float* logits, const llama_vocab* vocab, std::int32_t chosen,
                           std::int32_t top_n) {
  const std::int32_t size = llama_vocab_n_tokens(vocab);
  // log-sum-exp around the maximum, so large logits do not overflow.
  const float max = *std::max_element(logits, logits + size);
  double sum = 0;
  for (std::int32_t i = 0; i < size; ++i) {
    sum += std::exp(static_cast<double>(logits[i] - max));
  }
  const auto log_norm = static_cast<float>(max + std::log(sum));

  TokenLogprob result{.token = piece(vocab, chosen), .logprob = logits[chosen] - log_norm};
  const auto n = static_cast<std::size_t>(std::min(top_n, size));
  std::vector<std::int32_t> order(static_cast<std::size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](std::int32_t a, std::int32_t b) { return logits[a] > logits[b]; });
  for (std::size_t i = 0; i < n; ++i) {
    result.top.emplace_back(piece(vocab, order[i]), logits[order[i]] - log_norm);
  }
  return result;
}

}  // namespace switchyard::local
