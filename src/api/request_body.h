// Request bodies: parsing a JSON body under the server's bounds, before any field is looked
// at. Pure functions, so that the handlers and the fuzzers run the same code.
//
// The bounds, each answered with a 400 that names it:
//   - nesting deeper than max_json_depth (code json_limit_exceeded);
//   - a string or an object key longer than max_json_string_bytes (json_limit_exceeded, with
//     `param` naming where it is);
//   - a number too large to be a finite double, such as 1e999 (invalid_value, with `param`):
//     it would otherwise be passed on as "Infinity", which no JSON parser upstream accepts.
// Invalid UTF-8, comments and trailing commas are invalid JSON (invalid_json), as is a body
// that is not an object.
//
// TODO(#6): Boost.JSON 1.81 does not round every number to the nearest double: numbers of 16
// or more significant digits, or far from 1 in magnitude, can be read a double or two away
// and are forwarded so. Up to 15 digits between 1e-6 and 1e6 are exact. Its
// number_precision::precise, from 1.83, would make them all exact.
#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "api/errors.h"
#include "common/result.h"
#include "config/config.h"

namespace switchyard::api {

Result<boost::json::object, ApiError> parse_body(std::string_view body,
                                                 const config::ServerConfig& limits);

}  // namespace switchyard::api
