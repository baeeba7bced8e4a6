// The endpoint handlers behind Gateway, one file each. Internal to the api folder.
#pragma once

#include <boost/json/object.hpp>
#include <spdlog/logger.h>

#include "common/result.h"
#include "config/config.h"
#include "http/error_response.h"
#include "http/exchange.h"
#include "privacy/scanner.h"
#include "privacy/vault_store.h"
#include "providers/registry.h"

namespace switchyard::api {

// What a proxied request needs besides the exchange itself.
struct ProxyContext {
  const config::Config& config;
  const providers::Registry& providers;
  const privacy::Scanner* scanner = nullptr;     // null: the privacy guard is off
  privacy::VaultStore* conversations = nullptr;  // shared by every I/O thread; thread-safe
};

// The response header that reports the privacy action and the entity counts.
inline constexpr std::string_view kPrivacyHeader = "x-switchyard-privacy";

http::Awaitable<void> handle_chat_completions(http::Exchange& exchange,
                                              const ProxyContext& context);
http::Awaitable<void> handle_embeddings(http::Exchange& exchange, const ProxyContext& context);
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
// As above, with a non-empty `privacy` sent as the x-switchyard-privacy header.
http::Awaitable<void> respond_error(http::Exchange& exchange, const http::ErrorInfo& error,
                                    std::string_view privacy);

}  // namespace switchyard::api
