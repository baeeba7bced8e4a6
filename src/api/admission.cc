#include "api/admission.h"

#include <vector>

#include <boost/json.hpp>

#include "reliability/retry_after.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;

constexpr std::int64_t kBytesPerToken = 3;
constexpr std::int64_t kTokensPerMessage = 4;  // role and framing
constexpr std::int64_t kDefaultCompletionReserve = 4096;

std::int64_t text_bytes(const json::value& content) {
  if (content.is_string()) {
    return static_cast<std::int64_t>(content.as_string().size());
  }
  if (!content.is_array()) {
    return 0;
  }
  std::int64_t bytes = 0;
  for (const json::value& part : content.as_array()) {
    const auto* text = part.is_object() ? part.as_object().if_contains("text") : nullptr;
    bytes += text != nullptr ? text_bytes(*text) : 0;
  }
  return bytes;
}

std::int64_t prompt_estimate(const json::object& body) {
  std::int64_t tokens = 0;
  if (const auto* messages = body.if_contains("messages"); messages && messages->is_array()) {
    for (const json::value& message : messages->as_array()) {
      const auto* content =
          message.is_object() ? message.as_object().if_contains("content") : nullptr;
      tokens +=
          kTokensPerMessage + (content != nullptr ? text_bytes(*content) : 0) / kBytesPerToken;
    }
  }
  if (const auto* input = body.if_contains("input")) {  // embeddings
    tokens += input->is_array()
                  ? static_cast<std::int64_t>(json::serialize(*input).size()) / kBytesPerToken
                  : text_bytes(*input) / kBytesPerToken;
  }
  return tokens;
}

std::optional<std::int64_t> requested_completion(const json::object& body) {
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    const auto* value = body.if_contains(key);
    if (value != nullptr && value->is_int64()) {
      return value->as_int64();
    }
  }
  return std::nullopt;
}

}  // namespace

limits::Demand estimate_demand(const json::object& body, const config::ModelConfig& model) {
  limits::Demand demand{.prompt_tokens = prompt_estimate(body)};
  if (const auto asked = requested_completion(body)) {
    demand.completion_tokens = *asked;
  } else if (model.context_length > demand.prompt_tokens) {
    demand.completion_tokens = model.context_length - demand.prompt_tokens;
  } else {
    demand.completion_tokens = kDefaultCompletionReserve;
  }
  if (!body.contains("messages")) {
    demand.completion_tokens = 0;  // embeddings produce no tokens
  }
  return demand;
}

Result<limits::Ticket, ApiError> admit(const ProxyContext& context, const config::KeyConfig* key,
                                       PreparedRequest& prepared, const limits::Demand& demand) {
  if (context.limits == nullptr) {
    return limits::Ticket();
  }
  std::vector<const config::ModelConfig*> models;
  models.reserve(prepared.targets.size());
  for (const Target& target : prepared.targets) {
    models.push_back(target.model);
  }
  auto ticket = context.limits->admit(key, models, demand);
  if (!ticket) {
    const limits::Refusal& refusal = ticket.error();
    ApiError error{
        .status = boost::beast::http::status::too_many_requests,
        .message = refusal.message,
        .type = refusal.code == "budget_exceeded" ? "insufficient_quota" : "rate_limit_error",
        .code = refusal.code};
    if (refusal.retry_after) {
      error.retry_after = std::to_string(reliability::retry_after_seconds(*refusal.retry_after));
    }
    return fail(std::move(error));
  }
  prepared.targets.erase(
      prepared.targets.begin(),
      prepared.targets.begin() + static_cast<std::ptrdiff_t>(ticket->first_model()));
  return std::move(ticket).value();
}

void settle(limits::Ticket& ticket, const config::ModelConfig& answered,
            const std::optional<Usage>& usage, const limits::Demand& demand,
            std::int64_t relayed_chunks) {
  if (usage) {
    ticket.settle(answered, usage->prompt_tokens, usage->completion_tokens);
  } else {
    ticket.settle(answered, demand.prompt_tokens, relayed_chunks);
  }
}

}  // namespace switchyard::api
