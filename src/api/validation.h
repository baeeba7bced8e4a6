// Validation of request bodies against OpenAI's API: types and ranges of the fields the
// gateway or a provider relies on. Fields not listed are passed through untouched; an error
// names the first offending field in `param`.
#pragma once

#include <optional>

#include <boost/json/object.hpp>

#include "api/errors.h"

namespace switchyard::api {

std::optional<ApiError> validate_chat_request(const boost::json::object& body);
std::optional<ApiError> validate_embeddings_request(const boost::json::object& body);

}  // namespace switchyard::api
