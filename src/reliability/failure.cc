#include "reliability/failure.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

namespace switchyard::reliability {
namespace {

using Kind = providers::ProviderError::Kind;

constexpr unsigned kRequestTimeout = 408;
constexpr unsigned kConflict = 409;
constexpr unsigned kTooManyRequests = 429;
constexpr unsigned kFirstServerError = 500;

// How OpenAI, vLLM, llama.cpp's server and Anthropic word "the prompt is too long".
constexpr std::array<std::string_view, 5> kContextPhrases{"maximum context length",
                                                          "context length", "context size",
                                                          "prompt is too long", "too many tokens"};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_context_length(const providers::ProviderError& error) {
  if (error.code == "context_length_exceeded") {
    return true;
  }
  const std::string message = lowercase(error.message);
  return std::any_of(kContextPhrases.begin(), kContextPhrases.end(), [&](std::string_view phrase) {
    return message.find(phrase) != std::string::npos;
  });
}

bool is_content_policy(const providers::ProviderError& error) {
  return error.code == "content_policy_violation" || error.code == "content_filter" ||
         lowercase(error.message).find("safety system") != std::string::npos;
}

}  // namespace

Recovery recovery_for(const providers::ProviderError& error) {
  if (error.kind != Kind::kStatus) {
    return Recovery::kRetry;
  }
  const unsigned status = error.status;
  if (status == kTooManyRequests || status == kRequestTimeout || status == kConflict ||
      status >= kFirstServerError) {
    return Recovery::kRetry;
  }
  if (is_content_policy(error)) {
    return Recovery::kFinal;
  }
  if (is_context_length(error)) {
    return Recovery::kLargerContext;
  }
  if (status == 401 || status == 403 || status == 404) {
    return Recovery::kNextModel;
  }
  return Recovery::kFinal;
}

bool counts_against_upstream(const providers::ProviderError& error) {
  return error.kind != Kind::kStatus || error.status == kTooManyRequests ||
         error.status >= kFirstServerError;
}

}  // namespace switchyard::reliability
