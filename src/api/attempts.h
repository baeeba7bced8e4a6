// Sending one request to the first model that answers: attempts in order over the request's
// targets (its model, then its fallbacks), each under the request's deadline, with backoff
// and Retry-After between tries, the retry budget, and the circuit breakers deciding which
// upstream is tried at all. With [reliability] hedge_after_ms, an attempt slow to answer is
// raced by one on the next target (first_success.h). Internal to the api folder.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/result.h"
#include "config/config.h"
#include "providers/provider.h"
#include "reliability/resilience.h"

namespace switchyard::api {

// A model a request may be answered by, and the provider that serves it.
struct Target {
  const config::ModelConfig* model = nullptr;
  providers::Provider* provider = nullptr;
};

// One failed try, for the request log: which model, why, and how long it took.
struct FailedAttempt {
  const config::ModelConfig* model = nullptr;
  std::string reason;  // e.g. "status 429", "timeout"
  double ms = 0;
};

struct AttemptPlan {
  std::vector<Target> targets;  // in order of preference; at least one
  providers::Endpoint endpoint = providers::Endpoint::kChatCompletions;
  bool stream = false;
  std::string request_id;
  std::chrono::steady_clock::time_point deadline;
  // The body to send to targets[i], with the privacy policy applied for that model: the
  // request itself, and its text, where the policy changes nothing. It must live as long as
  // the plan; its "model" member is ignored, the target's upstream name is sent instead.
  std::function<providers::RequestBody(std::size_t target)> body_for;
};

struct Delivery {
  std::size_t target = 0;  // the index of the model that answered
  providers::ProviderResponse response;
  // For a stream: its first chunk, already read so that a failure before any byte reached the
  // client could still go to another attempt. Nothing when the stream ended at once.
  std::optional<boost::json::object> first_chunk;
};

struct AttemptFailure {
  providers::ProviderError error;
  const config::ModelConfig* model = nullptr;  // whose error it is
};

// Tries the plan's targets until one answers or nothing is left to try: every target used up,
// the attempts or the deadline spent, or a failure that no retry can fix. `attempts` receives
// every failed try.
http::Awaitable<Result<Delivery, AttemptFailure>> send_with_retries(
    const AttemptPlan& plan, reliability::Resilience& resilience,
    std::vector<FailedAttempt>& attempts);

}  // namespace switchyard::api
