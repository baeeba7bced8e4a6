// Routing on the chat path: a request whose model is a routed alias ("auto") gets its targets
// from the first route it matches, filtered to the models that can take it. Internal to the
// api folder.
#pragma once

#include "api/errors.h"
#include "api/privacy_guard.h"
#include "api/proxy.h"
#include "router/route_table.h"

namespace switchyard::api {

// Fills prepared.model, prepared.targets and the route explanation from the alias's routes.
// The targets are the route's models in order, without those that lack a feature the request
// uses, whose context is too small for its prompt, or that the privacy policy keeps it from.
// A 400 names why when no route matches (no_route) or none of the route's models can take the
// request (no_route_target). `choice` is the route model's pick, null when it was not asked.
std::optional<ApiError> route_request(PreparedRequest& prepared, const ProxyContext& context,
                                      const PrivacyScan& scan, const config::KeyConfig* key,
                                      bool stream, const router::RouteChoice* choice);

// The text of the last user turn (a content string, or its text parts joined by newlines):
// what the classifiers and the route model read.
std::string last_user_text(const boost::json::object& body);

// The Capability bits of what a request uses: tools, a JSON schema, images, streaming.
std::uint8_t used_features(const boost::json::object& body, bool stream);

// Why `model` cannot take the request, or nothing when it can.
std::optional<std::string> unfit_reason(const config::ModelConfig& model,
                                        const boost::json::object& body, bool stream,
                                        std::uint32_t prompt_tokens, const PrivacyScan& scan);

}  // namespace switchyard::api
