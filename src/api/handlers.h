// The endpoint handlers behind Gateway, one file each. Internal to the api folder.
#pragma once

#include <boost/json/object.hpp>
#include <spdlog/logger.h>

#include "common/result.h"
#include "config/config.h"
#include "http/error_response.h"
#include "http/exchange.h"
#include "limits/limit_board.h"
#include "privacy/scanner.h"
#include "privacy/vault_store.h"
#include "providers/registry.h"
#include "reliability/resilience.h"
#include "router/classifiers.h"

namespace switchyard::api {

// What a proxied request needs besides the exchange itself.
struct ProxyContext {
  const config::Config& config;
  const providers::Registry& providers;
  const privacy::Scanner* scanner = nullptr;         // null: the privacy guard is off
  privacy::ScanCache* scan_cache = nullptr;          // this I/O thread's; null: none
  privacy::VaultStore* conversations = nullptr;      // shared by every I/O thread; thread-safe
  reliability::Resilience* resilience = nullptr;     // shared by every I/O thread; thread-safe
  limits::LimitBoard* limits = nullptr;              // shared by every I/O thread; thread-safe
  const router::Classifiers* classifiers = nullptr;  // null: the routes use no classifier
};

// The model that answered, on every answer and stream.
inline constexpr std::string_view kModelHeader = "x-switchyard-model";
// The response headers that explain how a request was handled: the privacy action with the
// entity counts, and for a routed alias the route taken and the facts it matched on.
inline constexpr std::string_view kPrivacyHeader = "x-switchyard-privacy";
inline constexpr std::string_view kRouteHeader = "x-switchyard-route";
inline constexpr std::string_view kRouteReasonHeader = "x-switchyard-route-reason";

// What those headers say; empty parts are not sent.
struct Explanation {
  std::string privacy;  // e.g. "pseudonymize; PERSON=2": types and counts, never values
  std::string route;
  std::string route_reason;
};

void add_explanation(http::ResponseHead& head, const Explanation& explanation);

// `key` is the gateway key the request came with; null when the gateway has none.
http::Awaitable<void> handle_chat_completions(http::Exchange& exchange, const ProxyContext& context,
                                              const config::KeyConfig* key);
http::Awaitable<void> handle_embeddings(http::Exchange& exchange, const ProxyContext& context,
                                        const config::KeyConfig* key);
// GET /switchyard/usage: the calling key's limits, spend and reservations.
http::Awaitable<void> handle_usage(http::Exchange& exchange, const ProxyContext& context,
                                   const config::KeyConfig* key);
http::Awaitable<void> handle_list_models(http::Exchange& exchange, const config::Config& config);
http::Awaitable<void> handle_get_model(http::Exchange& exchange, const config::Config& config,
                                       std::string_view id);

// The "api" logger, looked up once: log::get takes the registry's lock, too much for every
// request.
spdlog::logger& api_logger();

// Shared by the handlers: a JSON 200 response and an error response. Bodies are parsed by
// parse_body (api/request_body.h).
http::Response json_response(std::string body);
http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error);
// As above, with the explanation headers.
http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error,
                                    const Explanation& explanation);

}  // namespace switchyard::api
