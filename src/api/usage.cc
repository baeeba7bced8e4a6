// GET /switchyard/usage: what the calling key may still use. Its limits, and for a key with a
// budget the window's spend, the reservations of requests in flight and when the window resets.
#include <chrono>

#include <boost/json.hpp>

#include "api/handlers.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;

json::object budget_object(const limits::BudgetState& state) {
  json::object budget{{"limit_usd", state.limit_usd},
                      {"spent_usd", state.spent_usd},
                      {"reserved_usd", state.reserved_usd},
                      {"remaining_usd", state.limit_usd - state.spent_usd - state.reserved_usd}};
  if (state.resets_at) {
    budget["resets_at"] =
        std::chrono::duration_cast<std::chrono::seconds>(state.resets_at->time_since_epoch())
            .count();
  }
  return budget;
}

}  // namespace

http::Awaitable<void> handle_usage(http::Exchange& exchange, const ProxyContext& context,
                                   const config::KeyConfig* key) {
  if (key == nullptr) {
    const http::ErrorInfo error{
        .status = boost::beast::http::status::not_found,
        .message = "the gateway has no keys, so there is no per-key usage to report",
        .code = "no_keys"};
    co_await respond_error(exchange, error);
    co_return;
  }
  json::object body{{"key", key->name},
                    {"requests_per_minute", key->requests_per_minute},
                    {"tokens_per_minute", key->tokens_per_minute}};
  const auto budget = context.limits != nullptr ? context.limits->budget_of(*key) : std::nullopt;
  body["budget"] = budget ? json::value(budget_object(*budget)) : json::value(nullptr);
  co_await exchange.respond(json_response(json::serialize(body)));
}

}  // namespace switchyard::api
