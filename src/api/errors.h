// The API's errors: constructors for the failures a client can cause, and the mapping from a
// provider's failure to what the client is told.
#pragma once

#include <string>
#include <string_view>

#include "http/error_response.h"
#include "providers/provider.h"

namespace switchyard::api {

using ApiError = http::ErrorInfo;

// 400 naming the offending field, e.g. invalid_field("messages[0].role", "must be a string").
ApiError invalid_field(std::string_view param, std::string_view problem);

ApiError invalid_json(std::string_view detail);
ApiError model_not_found(std::string_view model);
ApiError unsupported(std::string_view model, std::string_view feature, std::string_view param);
ApiError missing_key();
ApiError wrong_key();

// What the client sees when an attempt at `provider` failed:
// - the upstream's 4xx (not 401/403/429) passes through with its reason, as the client's
//   request is what it refused;
// - 429 passes through with Retry-After;
// - 401/403 is the gateway's own credential problem: 502 naming the provider;
// - 5xx, broken connections and protocol errors: 502; timeouts: 504.
ApiError from_provider_error(const providers::ProviderError& error, std::string_view provider);

}  // namespace switchyard::api
