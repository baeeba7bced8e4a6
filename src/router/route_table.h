// Matching a request against the routes of its alias: the first route, in config order, whose
// every condition the request meets. The facts a route needs are gathered lazily, so a
// classifier runs only when a route that is reached asks for what it knows.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "config/config.h"

namespace switchyard::router {

struct IntentFact {
  std::string label;  // the intent, or "out_of_scope"
  float confidence = 0;
};

struct DifficultyFact {
  double score = 0;
  double threshold = 0;  // scores above it are hard
  bool hard() const { return score > threshold; }
};

// What the route model said about a request (see [router].route_model).
struct RouteChoice {
  std::string route;    // the described route it named; empty: none
  std::string outcome;  // for the reason: the route's name, "none", or why there is no answer
  double ms = 0;        // how long it took to answer
};

// What a request is, as far as routing is concerned. Intent and difficulty are computed on
// first use by the functions given.
struct RequestFacts {
  std::string_view alias;
  std::uint8_t data_classes = 0;  // bit (1 << DataClass) per class the privacy scan found
  std::uint32_t prompt_tokens = 0;
  std::uint8_t features = 0;  // Capability bits the request uses
  std::string_view key;       // the gateway key's name; empty without keys
  const boost::json::object* metadata = nullptr;
  std::function<IntentFact()> intent;
  std::function<DifficultyFact()> difficulty;
  // The route model's pick, asked before matching when the alias has described routes; null
  // when it was not asked.
  const RouteChoice* choice = nullptr;
};

struct RouteMatch {
  const config::RouteConfig* route = nullptr;
  std::string reason;  // the facts the route matched on, e.g. "intent=billing(0.93); easy"
};

// The first route of the alias that the request meets; nothing when none does, with `why`
// saying what the request was.
std::optional<RouteMatch> match_route(const config::Config& config, RequestFacts& facts,
                                      std::string& why);

}  // namespace switchyard::router
