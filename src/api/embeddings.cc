// POST /v1/embeddings: validate, admit under the limits, rewrite the model name, forward, and
// settle the usage.
#include <boost/json.hpp>

#include "api/admission.h"
#include "api/proxy.h"
#include "api/validation.h"

namespace switchyard::api {

http::Awaitable<void> handle_embeddings(http::Exchange& exchange, const ProxyContext& context,
                                        const config::KeyConfig* key) {
  const auto started = std::chrono::steady_clock::now();
  auto prepared = prepare_request(exchange.request(), context, validate_embeddings_request,
                                  config::Capability::kEmbeddings);
  if (!prepared) {
    co_await respond_error(exchange, prepared.error());
    co_return;
  }
  const limits::Demand demand = estimate_demand(prepared->body, *prepared->model);
  auto ticket = admit(context, key, *prepared, demand);
  if (!ticket) {
    co_await respond_error(exchange, ticket.error());
    co_return;
  }
  auto body_for = [&](std::size_t target) { return upstream_body(*prepared, target); };
  auto delivery = co_await forward(exchange, *prepared, context, providers::Endpoint::kEmbeddings,
                                   false, started, body_for);
  if (delivery) {
    const config::ModelConfig& answered = *prepared->targets[delivery->target].model;
    settle(*ticket, answered, read_usage(delivery->response.body), demand, 0);
    co_await respond_with_answer(exchange, answered, std::move(delivery->response.body), started);
  }
}

}  // namespace switchyard::api
