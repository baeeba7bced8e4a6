#include "api/proxy.h"

#include <boost/json.hpp>

#include "api/request_body.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;

constexpr double kTokensPerMillion = 1e6;

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
  const config::ModelConfig* model = context.config.find_model(name);
  if (model == nullptr) {
    return fail(model_not_found(name));
  }
  if (!model->has(required)) {
    const bool embeddings = required == config::Capability::kEmbeddings;
    return fail(unsupported(model->name, embeddings ? "embeddings" : "chat completions", "model"));
  }
  PreparedRequest prepared{.model = model,
                           .provider = context.providers.find_for(*model),
                           .body = std::move(body).value()};
  prepared.body["model"] = model->upstream_model;
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

http::Awaitable<std::optional<providers::ProviderResponse>> forward(
    http::Exchange& exchange, PreparedRequest& prepared, providers::Endpoint endpoint, bool stream,
    std::chrono::steady_clock::time_point started) {
  // A named request, not a temporary inside the co_await: GCC 12 destroys such temporaries
  // twice.
  providers::ProviderRequest upstream{.endpoint = endpoint,
                                      .body = std::move(prepared.body),
                                      .stream = stream,
                                      .request_id = exchange.request_id()};
  auto answer = co_await prepared.provider->send(std::move(upstream));
  if (!answer) {
    const ApiError error = from_provider_error(answer.error(), prepared.model->provider);
    co_await respond_error(exchange, error, prepared.privacy);
    log_request(exchange, *prepared.model, "upstream_error", std::nullopt, started,
                prepared.privacy);
    co_return std::nullopt;
  }
  co_return std::move(answer).value();
}

http::Awaitable<void> respond_with_answer(http::Exchange& exchange,
                                          const config::ModelConfig& model, json::object answer,
                                          std::chrono::steady_clock::time_point started,
                                          std::string_view privacy) {
  const auto usage = read_usage(answer);
  answer["model"] = model.name;
  auto response = json_response(json::serialize(answer));
  response.set("x-switchyard-model", model.name);
  if (!privacy.empty()) {
    response.set(kPrivacyHeader, privacy);
  }
  co_await exchange.respond(std::move(response));
  log_request(exchange, model, "ok", usage, started, privacy);
}

void log_request(const http::Exchange& exchange, const config::ModelConfig& model,
                 std::string_view outcome, const std::optional<Usage>& usage,
                 std::chrono::steady_clock::time_point started, std::string_view privacy) {
  spdlog::logger& logger = api_logger();
  if (!logger.should_log(spdlog::level::debug)) {
    return;
  }
  const auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  const Usage tokens = usage.value_or(Usage{});
  const double spend =
      (static_cast<double>(tokens.prompt_tokens) * model.input_price_per_mtok +
       static_cast<double>(tokens.completion_tokens) * model.output_price_per_mtok) /
      kTokensPerMillion;
  logger.debug(
      "request {} model={} provider={} outcome={} prompt_tokens={} "
      "completion_tokens={} spend_usd={:.6f} ms={:.1f} privacy=\"{}\"",
      exchange.request_id(), model.name, model.provider, outcome, tokens.prompt_tokens,
      tokens.completion_tokens, spend, elapsed.count(), privacy.empty() ? "not_scanned" : privacy);
}

}  // namespace switchyard::api
