#include "http/error_response.h"

#include <boost/json.hpp>

namespace switchyard::http {
namespace {

boost::json::value optional_string(const std::optional<std::string>& value) {
  return value ? boost::json::value(*value) : boost::json::value(nullptr);
}

}  // namespace

std::string error_body(const ErrorInfo& error) {
  boost::json::object inner;
  inner["message"] = error.message;
  inner["type"] = error.type;
  inner["param"] = optional_string(error.param);
  inner["code"] = optional_string(error.code);
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

Response make_error_response(const ErrorInfo& error) {
  Response response{error.status, 11};
  response.set(bhttp::field::content_type, "application/json");
  if (error.retry_after) {
    response.set(bhttp::field::retry_after, *error.retry_after);
  }
  response.body() = error_body(error);
  return response;
}

}  // namespace switchyard::http
