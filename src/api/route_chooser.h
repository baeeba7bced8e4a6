// The route model: a chat model on our own hardware that reads the descriptions of an alias's
// routes and names the one a request is for, answering under a JSON schema that allows only
// those names (the approach of Arch-Router), for rules that are easier to say in words than to
// learn from examples. Internal to the api folder.
#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "api/handlers.h"
#include "router/route_table.h"

namespace switchyard::api {

// The answer that means no described route fits; config refuses a described route so named.
inline constexpr std::string_view kNoRoute = "none";

// Whether any route of `alias` has a description, so the route model has something to choose.
bool has_described_routes(const config::Config& config, std::string_view alias);

// Asks the route model which described route of the request's alias fits its last user turn.
// Never fails the request: an error, a timeout or an answer outside the schema comes back as
// a choice of no route, with the outcome saying why.
http::Awaitable<router::RouteChoice> choose_route(const ProxyContext& context,
                                                  std::string_view alias,
                                                  const boost::json::object& body,
                                                  std::string request_id);

}  // namespace switchyard::api
