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
  auto body_for = [&](std::size_t target) { return upstream_body(*prepared, target); };
  auto delivery = co_await forward(exchange, *prepared, context, providers::Endpoint::kEmbeddings,
                                   false, started, body_for);
  if (delivery) {
    co_await respond_with_answer(exchange, *prepared->targets[delivery->target].model,
                                 std::move(delivery->response.body), started);
  }
}

}  // namespace switchyard::api
