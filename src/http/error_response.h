// Error responses in OpenAI's shape, {"error": {"message", "type", "param", "code"}}, the one
// format every error this gateway sends uses, from the HTTP layer up.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/types.h"

namespace switchyard::http {

struct ErrorInfo {
  bhttp::status status = bhttp::status::internal_server_error;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> code;
  std::optional<std::string> param;
  std::optional<std::string> retry_after;  // seconds, sent as a Retry-After header
};

// The JSON body alone, e.g. for an error event inside a stream.
std::string error_body(const ErrorInfo& error);

// A complete response: status, JSON body, content type, Retry-After when set.
Response make_error_response(const ErrorInfo& error);

}  // namespace switchyard::http
