// The gateway's own limits on the request path: estimating what a request may use, admitting
// it against the key's and the models' limits and budget, and settling what it did use.
// Internal to the api folder.
#pragma once

#include <optional>

#include <boost/json/object.hpp>

#include "api/errors.h"
#include "api/proxy.h"
#include "limits/limit_board.h"

namespace switchyard::api {

// The prompt estimate (about three bytes a token, so rather more than fewer) and the
// completion reserve: max_completion_tokens or max_tokens when given, else what is left of
// the model's context, else 4096.
limits::Demand estimate_demand(const boost::json::object& body, const config::ModelConfig& model);

// Admits the request from `key` (null without gateway keys). Targets over their model's own
// limits are dropped from the front; a refusal is a 429 with Retry-After.
Result<limits::Ticket, ApiError> admit(const ProxyContext& context, const config::KeyConfig* key,
                                       PreparedRequest& prepared, const limits::Demand& demand);

// Spends the usage of the model that answered, or, when it reported none (a stream the client
// left), the estimate: the prompt estimate and the completion chunks relayed.
void settle(limits::Ticket& ticket, const config::ModelConfig& answered,
            const std::optional<Usage>& usage, const limits::Demand& demand,
            std::int64_t relayed_chunks);

}  // namespace switchyard::api
