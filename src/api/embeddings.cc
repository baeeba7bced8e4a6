// POST /v1/embeddings: validate, apply the privacy policy to the input, admit under the limits,
// rewrite the model name, forward, and settle the usage.
#include <boost/json.hpp>

#include "api/admission.h"
#include "api/privacy_guard.h"
#include "api/proxy.h"
#include "api/validation.h"

namespace switchyard::api {
namespace {

// The privacy decision for the input, and who may receive it. An error: refuse, send nothing.
// An input the policy pseudonymizes goes to an external model with placeholders; there is
// nothing to restore in an answer of vectors.
std::optional<ApiError> apply_privacy(PreparedRequest& prepared, PrivacyScan& guard,
                                      const ProxyContext& context, const http::Request& request) {
  guard = scan_privacy(prepared, context, request);
  if (guard.refusal) {
    return guard.refusal;
  }
  const config::ModelConfig& asked = *prepared.model;
  keep_permitted(prepared, guard);
  if (prepared.targets.empty()) {
    return kept_local(guard.decision, asked);
  }
  return std::nullopt;
}

}  // namespace

http::Awaitable<void> handle_embeddings(http::Exchange& exchange, const ProxyContext& context,
                                        const config::KeyConfig* key) {
  const auto started = std::chrono::steady_clock::now();
  auto prepared = prepare_request(exchange.request(), context, validate_embeddings_request,
                                  config::Capability::kEmbeddings);
  if (!prepared) {
    co_await respond_error(exchange, prepared.error());
    co_return;
  }
  PrivacyScan guard;
  if (auto refusal = apply_privacy(*prepared, guard, context, exchange.request())) {
    co_await respond_error(exchange, *refusal, prepared->explanation);
    log_request(exchange, prepared->model, *refusal->code, std::nullopt, started,
                prepared->explanation);
    co_return;
  }
  const limits::Demand demand = estimate_demand(prepared->body, *prepared->model);
  auto ticket = admit(context, key, *prepared, demand);
  if (!ticket) {
    co_await respond_error(exchange, ticket.error(), prepared->explanation);
    co_return;
  }
  TargetBodies bodies(*prepared, guard, context);
  auto body_for = [&](std::size_t target) { return bodies.body(target); };
  auto delivery = co_await forward(exchange, *prepared, context, providers::Endpoint::kEmbeddings,
                                   false, started, body_for);
  if (delivery) {
    const config::ModelConfig& answered = *prepared->targets[delivery->target].model;
    settle(*ticket, answered, read_usage(delivery->response), demand, 0);
    co_await respond_with_answer(exchange, answered, std::move(delivery->response), false, started,
                                 prepared->explanation);
  }
}

}  // namespace switchyard::api
