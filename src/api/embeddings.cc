// POST /v1/embeddings: validate, rewrite the model name, forward, capture usage.
#include <boost/json.hpp>

#include "api/proxy.h"
#include "api/validation.h"

namespace switchyard::api {

http::Awaitable<void> handle_embeddings(http::Exchange& exchange, const ProxyContext& context) {
  const auto started = std::chrono::steady_clock::now();
  auto prepared = prepare_request(exchange.request(), context, validate_embeddings_request,
                                  config::Capability::kEmbeddings);
  if (!prepared) {
    co_await respond_error(exchange, prepared.error());
    co_return;
  }
  const config::ModelConfig& model = *prepared->model;
  // A named request, not a temporary inside the co_await: GCC 12 destroys such temporaries
  // twice.
  providers::ProviderRequest upstream{.endpoint = providers::Endpoint::kEmbeddings,
                                      .body = std::move(prepared->body),
                                      .stream = false,
                                      .request_id = exchange.request_id()};
  auto answer = co_await prepared->provider->send(std::move(upstream));
  if (!answer) {
    co_await respond_error(exchange, from_provider_error(answer.error(), model.provider));
    log_request(exchange, model, "upstream_error", std::nullopt, started);
    co_return;
  }
  const auto usage = read_usage(answer->body);
  answer->body["model"] = model.name;
  auto response = json_response(boost::json::serialize(answer->body));
  response.set("x-switchyard-model", model.name);
  co_await exchange.respond(std::move(response));
  log_request(exchange, model, "ok", usage, started);
}

}  // namespace switchyard::api
