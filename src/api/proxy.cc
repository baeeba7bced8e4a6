#include "api/proxy.h"

#include <boost/json.hpp>

#include "api/request_body.h"
#include "common/json_arena.h"
#include "common/json_members.h"
#include "limits/limit_board.h"
#include "providers/provider.h"

namespace switchyard::api {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;

std::int64_t token_count(const json::object& usage, std::string_view key) {
  const auto* value = usage.if_contains(key);
  if (value == nullptr) {
    return 0;
  }
  if (value->is_int64()) {
    return value->as_int64();
  }
  return value->is_uint64() ? static_cast<std::int64_t>(value->as_uint64()) : 0;
}

// Failed attempts carry no usage: nothing of theirs is billed.
void log_failed_attempts(const http::Exchange& exchange, const std::vector<FailedAttempt>& failed) {
  spdlog::logger& logger = api_logger();
  if (failed.empty() || !logger.should_log(spdlog::level::debug)) {
    return;
  }
  for (const FailedAttempt& attempt : failed) {
    logger.debug("request {} attempt model={} provider={} failed: {} ms={:.1f}",
                 exchange.request_id(), attempt.model->name, attempt.model->provider,
                 attempt.reason, attempt.ms);
  }
}

}  // namespace

Result<PreparedRequest, ApiError> prepare_request(const http::Request& request,
                                                  const ProxyContext& context,
                                                  const Validator& validate,
                                                  config::Capability required) {
  auto body = parse_body(request.body(), context.config.server);
  if (!body) {
    return fail(body.error());
  }
  if (auto problem = validate(*body)) {
    return fail(std::move(*problem));
  }
  const std::string_view name = body->at("model").as_string();
  if (required == config::Capability::kChat && context.config.is_alias(name)) {
    // The router picks the targets.
    return PreparedRequest{.body = std::move(body).value(), .body_text = request.body()};
  }
  const config::ModelConfig* model = context.config.find_model(name);
  if (model == nullptr) {
    return fail(model_not_found(name));
  }
  if (!model->has(required)) {
    const bool embeddings = required == config::Capability::kEmbeddings;
    return fail(unsupported(model->name, embeddings ? "embeddings" : "chat completions", "model"));
  }
  PreparedRequest prepared{
      .model = model, .body = std::move(body).value(), .body_text = request.body()};
  prepared.targets.push_back({.model = model, .provider = context.providers.find_for(*model)});
  for (const std::string& name : model->fallbacks) {
    const config::ModelConfig* fallback = context.config.find_model(name);
    if (fallback != nullptr && fallback->has(required)) {
      prepared.targets.push_back(
          {.model = fallback, .provider = context.providers.find_for(*fallback)});
    }
  }
  return prepared;
}

std::optional<Usage> read_usage(const json::object& answer) {
  const auto* value = answer.if_contains("usage");
  if (value == nullptr || !value->is_object()) {
    return std::nullopt;
  }
  const auto& usage = value->as_object();
  return Usage{.prompt_tokens = token_count(usage, "prompt_tokens"),
               .completion_tokens = token_count(usage, "completion_tokens")};
}

std::optional<Usage> read_usage(providers::ProviderResponse& response) {
  return response.facts ? response.facts->usage : read_usage(response.answer());
}

http::Awaitable<std::optional<Delivery>> forward(
    http::Exchange& exchange, const PreparedRequest& prepared, const ProxyContext& context,
    providers::Endpoint endpoint, bool stream, std::chrono::steady_clock::time_point started,
    std::function<providers::RequestBody(std::size_t)> body_for) {
  // A named plan, not a temporary inside the co_await: GCC 12 destroys such temporaries twice.
  const AttemptPlan plan{.targets = prepared.targets,
                         .endpoint = endpoint,
                         .stream = stream,
                         .request_id = exchange.request_id(),
                         .deadline = started + context.config.reliability.request_timeout,
                         .body_for = std::move(body_for)};
  std::vector<FailedAttempt> failed;
  auto delivered = co_await send_with_retries(plan, *context.resilience, failed);
  log_failed_attempts(exchange, failed);
  if (!delivered) {
    const AttemptFailure& failure = delivered.error();
    const ApiError error = from_provider_error(failure.error, failure.model->provider);
    co_await respond_error(exchange, error, prepared.explanation);
    log_request(exchange, failure.model, "upstream_error", std::nullopt, started,
                prepared.explanation);
    co_return std::nullopt;
  }
  co_return std::move(delivered).value();
}

namespace {

// The upstream's text of an answer with its model renamed, or empty when that text is not at
// hand or its model cannot be found in it. This keeps every other byte as it was written and
// spares building the answer and serializing it, the costliest steps of a plain request (for
// embeddings, most of all the printing of their numbers).
std::string renamed_text(const providers::ProviderResponse& response, std::string_view name) {
  if (response.text.empty()) {
    return {};
  }
  std::optional<TextSpan> span;
  if (response.facts && response.facts->model_value) {
    span = response.facts->model_value;
  } else {
    span = find_member_value(response.text, "model");
  }
  return span ? replace_span(response.text, *span, json::serialize(json::string_view(name)))
              : std::string();
}

}  // namespace

http::Awaitable<void> respond_with_answer(http::Exchange& exchange,
                                          const config::ModelConfig& model,
                                          providers::ProviderResponse response, bool edited,
                                          std::chrono::steady_clock::time_point started,
                                          const Explanation& explanation) {
  const auto usage = read_usage(response);
  std::string wire = edited ? std::string() : renamed_text(response, model.name);
  if (wire.empty()) {
    json::object& answer = response.answer();
    answer["model"] = model.name;
    wire = json::serialize(answer);
  }
  http::ResponseHead head(bhttp::status::ok);
  head.add(bhttp::field::content_type, "application/json").add(kModelHeader, model.name);
  add_explanation(head, explanation);
  co_await exchange.respond(std::move(head), std::move(wire));
  log_request(exchange, &model, "ok", usage, started, explanation);
}

void log_request(const http::Exchange& exchange, const config::ModelConfig* model,
                 std::string_view outcome, const std::optional<Usage>& usage,
                 std::chrono::steady_clock::time_point started, const Explanation& explanation) {
  spdlog::logger& logger = api_logger();
  if (!logger.should_log(spdlog::level::debug)) {
    return;
  }
  const auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  const Usage tokens = usage.value_or(Usage{});
  const double spend =
      model != nullptr ? limits::cost_usd(*model, tokens.prompt_tokens, tokens.completion_tokens)
                       : 0.0;
  const std::string_view privacy = explanation.privacy;
  logger.debug(
      "request {} model={} provider={} outcome={} prompt_tokens={} completion_tokens={} "
      "spend_usd={:.6f} ms={:.1f} privacy=\"{}\" route=\"{}\" route_reason=\"{}\"",
      exchange.request_id(), model != nullptr ? model->name : "-",
      model != nullptr ? model->provider : "-", outcome, tokens.prompt_tokens,
      tokens.completion_tokens, spend, elapsed.count(), privacy.empty() ? "not_scanned" : privacy,
      explanation.route, explanation.route_reason);
}

}  // namespace switchyard::api
