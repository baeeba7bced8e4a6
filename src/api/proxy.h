// What the proxied endpoints share: turning a request body into a checked upstream request,
// reading usage from answers, and the per-request record. Internal to the api folder.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include <boost/json/object.hpp>

#include "api/attempts.h"
#include "api/errors.h"
#include "api/handlers.h"

namespace switchyard::api {

struct PreparedRequest {
  // The model the client asked for; for a routed alias, null until the route's first target.
  const config::ModelConfig* model = nullptr;
  // Who may answer, in order: the model, then those of its fallbacks that can.
  std::vector<Target> targets;
  boost::json::object body;  // as the client sent it
  // The text `body` was parsed from, until `body` is edited: whatever edits it clears this.
  std::string_view body_text;
  // Empty parts: the privacy guard did not look at the request, it was not routed.
  Explanation explanation;
};

using Validator = std::function<std::optional<ApiError>(const boost::json::object&)>;

// Parses and validates the body, finds the model (404 when unknown), checks that it has
// `required` (400 when it does not) and lists the targets: the model and those of its
// fallbacks that also have `required`. A chat request to a routed alias comes back without
// model or targets, for the router to fill in.
Result<PreparedRequest, ApiError> prepare_request(const http::Request& request,
                                                  const ProxyContext& context,
                                                  const Validator& validate,
                                                  config::Capability required);

using Usage = providers::TokenCounts;

// The usage object of an answer or chunk, if it carries a non-null one.
std::optional<Usage> read_usage(const boost::json::object& answer);
std::optional<Usage> read_usage(providers::ProviderResponse& response);

// Sends the prepared request to the first of its targets that answers (see attempts.h), the
// body for each made by `body_for`. On failure the client has been answered (and the request
// logged) and the result is empty.
http::Awaitable<std::optional<Delivery>> forward(
    http::Exchange& exchange, const PreparedRequest& prepared, const ProxyContext& context,
    providers::Endpoint endpoint, bool stream, std::chrono::steady_clock::time_point started,
    std::function<providers::RequestBody(std::size_t)> body_for);

// Answers with a whole answer from the provider, under the public model name, with the
// explanation headers, and logs it. Unless the answer was `edited` since the provider
// returned it, it goes out as the upstream wrote it with only its model renamed; otherwise
// (or when the upstream's text is not at hand) it is serialized.
http::Awaitable<void> respond_with_answer(http::Exchange& exchange,
                                          const config::ModelConfig& model,
                                          providers::ProviderResponse response, bool edited,
                                          std::chrono::steady_clock::time_point started,
                                          const Explanation& explanation);

// One debug line per finished request: model (or the alias, for a request no route took),
// outcome, tokens, spend, the privacy action with entity counts and the route. Never content,
// never a detected value.
void log_request(const http::Exchange& exchange, const config::ModelConfig* model,
                 std::string_view outcome, const std::optional<Usage>& usage,
                 std::chrono::steady_clock::time_point started, const Explanation& explanation);

}  // namespace switchyard::api
