#include "api/errors.h"

#include <fmt/format.h>

#include "reliability/retry_after.h"

namespace switchyard::api {
namespace {

using bhttp_status = boost::beast::http::status;
using Kind = providers::ProviderError::Kind;

ApiError upstream_failure(bhttp_status status, std::string code, std::string message) {
  return {.status = status,
          .message = std::move(message),
          .type = "api_error",
          .code = std::move(code)};
}

std::optional<std::string> retry_after_header(const providers::ProviderError& error) {
  if (!error.retry_after) {
    return std::nullopt;
  }
  return std::to_string(reliability::retry_after_seconds(*error.retry_after));
}

ApiError from_status(const providers::ProviderError& error, std::string_view provider) {
  const unsigned status = error.status;
  if (status == 401 || status == 403) {
    return upstream_failure(
        bhttp_status::bad_gateway, "upstream_auth_failed",
        fmt::format("provider '{}' refused the gateway's credentials ({}): {}; check the "
                    "provider's api_key_env",
                    provider, status, error.message));
  }
  if (status == 429) {
    return {.status = bhttp_status::too_many_requests,
            .message = fmt::format("provider '{}' is rate limiting: {}", provider, error.message),
            .type = "rate_limit_error",
            .code = error.code.value_or("rate_limit_exceeded"),
            .retry_after = retry_after_header(error)};
  }
  if (status >= 400 && status < 500) {
    return {.status = static_cast<bhttp_status>(status),
            .message = error.message,
            .type = "invalid_request_error",
            .code = error.code,
            .param = error.param};
  }
  return upstream_failure(
      bhttp_status::bad_gateway, "upstream_error",
      fmt::format("provider '{}' answered {}: {}", provider, status, error.message));
}

}  // namespace

ApiError invalid_field(std::string_view param, std::string_view problem) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format("'{}' {}", param, problem),
          .code = "invalid_value",
          .param = std::string(param)};
}

ApiError invalid_json(std::string_view detail) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format("the request body is not valid JSON: {}", detail),
          .code = "invalid_json"};
}

ApiError model_not_found(std::string_view model) {
  return {.status = bhttp_status::not_found,
          .message = fmt::format("the model '{}' does not exist", model),
          .code = "model_not_found",
          .param = "model"};
}

ApiError unsupported(std::string_view model, std::string_view feature, std::string_view param) {
  return {.status = bhttp_status::bad_request,
          .message = fmt::format("the model '{}' does not support {}", model, feature),
          .code = "unsupported_feature",
          .param = std::string(param)};
}

ApiError missing_key() {
  return {.status = bhttp_status::unauthorized,
          .message = "missing API key: send 'Authorization: Bearer <key>'",
          .code = "invalid_api_key"};
}

ApiError wrong_key() {
  return {.status = bhttp_status::unauthorized,
          .message = "the API key is not valid for this gateway",
          .code = "invalid_api_key"};
}

ApiError from_provider_error(const providers::ProviderError& error, std::string_view provider) {
  switch (error.kind) {
    case Kind::kStatus:
      return from_status(error, provider);
    case Kind::kTimeout:
      return upstream_failure(bhttp_status::gateway_timeout, "upstream_timeout",
                              fmt::format("provider '{}': {}", provider, error.message));
    case Kind::kProtocol:
      return upstream_failure(bhttp_status::bad_gateway, "upstream_protocol_error",
                              fmt::format("provider '{}': {}", provider, error.message));
    case Kind::kOverloaded:
      return {
          .status = bhttp_status::service_unavailable,
          .message = fmt::format("model provider '{}' is at capacity: {}", provider, error.message),
          .type = "server_error",
          .code = "overloaded",
          .retry_after = retry_after_header(error)};
    case Kind::kUnavailable:
      break;
  }
  return upstream_failure(bhttp_status::bad_gateway, "upstream_unavailable",
                          fmt::format("provider '{}' is unavailable: {}", provider, error.message));
}

}  // namespace switchyard::api
