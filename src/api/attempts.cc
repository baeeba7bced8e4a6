#include "api/attempts.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "api/first_success.h"
#include "reliability/backoff.h"
#include "reliability/failure.h"

namespace switchyard::api {
namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using Kind = providers::ProviderError::Kind;
using reliability::CircuitBreaker;
using reliability::Recovery;

// Where each target stands during one request.
struct TargetState {
  std::uint32_t attempts = 0;
  bool done = false;               // nothing more to try here
  Clock::time_point not_before{};  // backoff or the upstream's Retry-After
};

struct Choice {
  std::size_t target = 0;
  bool probe = false;
};

providers::ProviderError plain_error(Kind kind, std::string message) {
  providers::ProviderError error;
  error.kind = kind;
  error.message = std::move(message);
  return error;
}

double millis_since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string describe(const providers::ProviderError& error) {
  switch (error.kind) {
    case Kind::kStatus:
      return fmt::format("status {}", error.status);
    case Kind::kTimeout:
      return "timeout";
    case Kind::kProtocol:
      return "protocol error";
    case Kind::kOverloaded:
      return "overloaded";
    case Kind::kUnavailable:
      break;
  }
  return "unavailable";
}

class AttemptLoop {
 public:
  AttemptLoop(const AttemptPlan& plan, reliability::Resilience& resilience,
              std::vector<FailedAttempt>& attempts)
      : plan_(plan),
        resilience_(resilience),
        settings_(resilience.settings),
        attempts_(attempts),
        states_(plan.targets.size()) {}

  http::Awaitable<Result<Delivery, AttemptFailure>> run() {
    std::uint32_t sent = 0;
    while (sent < settings_.max_attempts) {
      auto choice = co_await next_target();
      if (!choice) {
        break;
      }
      reliability::RetryBudget::Retry retry;
      if (sent > 0) {
        retry = resilience_.budget.try_retry();
        if (!retry) {
          note_budget_exhausted();
          break;
        }
      }
      ++sent;
      std::optional<Result<Delivery, providers::ProviderError>> delivered;
      if (settings_.hedge_after.count() > 0) {
        delivered.emplace(co_await hedged(*choice, sent));
      } else {
        delivered.emplace(co_await attempt(*choice));
      }
      if (*delivered) {
        co_return std::move(*delivered).value();
      }
      if (final_) {
        break;
      }
    }
    co_return fail(take_failure());
  }

 private:
  // The first target that may be tried now. When every remaining one is waiting out a
  // backoff, sleeps until the earliest (unless that is past the deadline).
  http::Awaitable<std::optional<Choice>> next_target() {
    while (true) {
      const auto now = Clock::now();
      std::optional<Clock::time_point> earliest;
      for (std::size_t i = 0; i < states_.size(); ++i) {
        TargetState& state = states_[i];
        if (state.done || state.attempts >= settings_.attempts_per_model) {
          continue;
        }
        if (state.not_before > now) {
          earliest = std::min(earliest.value_or(state.not_before), state.not_before);
          continue;
        }
        CircuitBreaker& breaker = breaker_of(i);
        const auto admission = breaker.admit(now);
        if (admission != CircuitBreaker::Admission::kRejected) {
          co_return Choice{.target = i, .probe = admission == CircuitBreaker::Admission::kProbe};
        }
        note_ejected(i, breaker);
      }
      if (!earliest || *earliest >= plan_.deadline) {
        co_return std::nullopt;
      }
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_at(*earliest);
      (void)co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
  }

  http::Awaitable<Result<Delivery, providers::ProviderError>> send(std::size_t target) {
    const providers::RequestBody body = plan_.body_for(target);
    providers::ProviderRequest request{.endpoint = plan_.endpoint,
                                       .body = body.object,
                                       .body_text = body.text,
                                       .model = plan_.targets[target].model->upstream_model,
                                       .stream = plan_.stream,
                                       .request_id = plan_.request_id,
                                       .deadline = plan_.deadline};
    auto answer = co_await plan_.targets[target].provider->send(std::move(request));
    if (!answer) {
      co_return fail(std::move(answer).error());
    }
    Delivery delivery{.target = target, .response = std::move(answer).value()};
    if (delivery.response.stream) {
      auto first = co_await delivery.response.stream->next();
      if (!first) {
        co_return fail(std::move(first).error());
      }
      delivery.first_chunk = std::move(first).value();
    }
    co_return delivery;
  }

  // One try on one target. `abandoned`, when given, is the hedging race's word that this
  // attempt is being cancelled: its error is then ours, not the upstream's.
  http::Awaitable<Result<Delivery, providers::ProviderError>> attempt(
      Choice choice, const bool* abandoned = nullptr) {
    const auto started = Clock::now();
    ++states_[choice.target].attempts;
    auto delivered = co_await send(choice.target);
    const auto finished = Clock::now();
    if (abandoned != nullptr && *abandoned) {
      note_cancelled(choice, started);
      co_return delivered;
    }
    CircuitBreaker& breaker = breaker_of(choice.target);
    if (delivered) {
      breaker.record_success(finished, choice.probe);
      co_return delivered;
    }
    const providers::ProviderError& error = delivered.error();
    if (reliability::counts_against_upstream(error)) {
      breaker.record_failure(finished, choice.probe);
    } else {
      breaker.record_success(finished, choice.probe);  // it answered, and rightly refused
    }
    attempts_.push_back({.model = plan_.targets[choice.target].model,
                         .reason = describe(error),
                         .ms = millis_since(started, finished)});
    plan_after_failure(choice.target, error, finished);
    failure_ = AttemptFailure{.error = error, .model = plan_.targets[choice.target].model};
    co_return delivered;
  }

  // Hedging: `first` goes out at once; if it has not answered after hedge_after, a second
  // attempt goes to the next target that may be tried now, and the first answer wins. The
  // hedge counts as a retry, against max_attempts and the retry budget.
  http::Awaitable<Result<Delivery, providers::ProviderError>> hedged(Choice first,
                                                                     std::uint32_t& sent) {
    FirstSuccess<Delivery, providers::ProviderError> race(co_await net::this_coro::executor);
    start_in(race, first);
    reliability::RetryBudget::Retry retry;
    const bool answered = co_await race.wait_for(settings_.hedge_after);
    if (!answered && sent < settings_.max_attempts) {
      if (auto second = hedge_target(first.target)) {
        retry = resilience_.budget.try_retry();
        if (retry) {
          ++sent;
          start_in(race, *second);
        } else {
          abandon_probe(*second);
        }
      }
    }
    co_return co_await race.settle();
  }

  void start_in(FirstSuccess<Delivery, providers::ProviderError>& race, Choice choice) {
    const auto started = Clock::now();
    race.start([this, choice](const bool& abandoned) { return attempt(choice, &abandoned); },
               [this, choice, started] { note_cancelled(choice, started); });
  }

  // A target other than `busy` that may be tried at once: not waiting out a backoff, not
  // used up, and let through by its breaker.
  std::optional<Choice> hedge_target(std::size_t busy) {
    const auto now = Clock::now();
    for (std::size_t i = 0; i < states_.size(); ++i) {
      const TargetState& state = states_[i];
      if (i == busy || state.done || state.attempts >= settings_.attempts_per_model ||
          state.not_before > now) {
        continue;
      }
      const auto admission = breaker_of(i).admit(now);
      if (admission != CircuitBreaker::Admission::kRejected) {
        return Choice{.target = i, .probe = admission == CircuitBreaker::Admission::kProbe};
      }
    }
    return std::nullopt;
  }

  // A cancelled attempt says nothing about its upstream: no breaker outcome, no failure to
  // report, only a line in the request's log.
  void note_cancelled(Choice choice, Clock::time_point started) {
    abandon_probe(choice);
    attempts_.push_back({.model = plan_.targets[choice.target].model,
                         .reason = "cancelled: a hedged attempt answered first",
                         .ms = millis_since(started, Clock::now())});
  }

  void abandon_probe(Choice choice) {
    if (choice.probe) {
      breaker_of(choice.target).release_probe();
    }
  }

  void plan_after_failure(std::size_t target, const providers::ProviderError& error,
                          Clock::time_point now) {
    TargetState& state = states_[target];
    switch (reliability::recovery_for(error)) {
      case Recovery::kFinal:
        final_ = true;
        break;
      case Recovery::kNextModel:
        state.done = true;
        break;
      case Recovery::kLargerContext:
        rule_out_context(plan_.targets[target].model->context_length, target);
        break;
      case Recovery::kRetry:
        state.not_before = now + wait_after(state, error);
        break;
    }
  }

  // Before trying the same model again: the upstream's Retry-After when it gave one (capped),
  // else a jittered exponential backoff.
  reliability::Millis wait_after(const TargetState& state, const providers::ProviderError& error) {
    if (error.retry_after) {
      return std::min(*error.retry_after, settings_.retry_after_max);
    }
    return reliability::backoff_delay(settings_.backoff_base, settings_.backoff_max,
                                      state.attempts - 1);
  }

  // Only a model with a larger context than the one that refused can help.
  void rule_out_context(std::uint32_t refused_length, std::size_t refused) {
    for (std::size_t i = 0; i < states_.size(); ++i) {
      const std::uint32_t length = plan_.targets[i].model->context_length;
      if (i == refused || (refused_length != 0 && length != 0 && length <= refused_length)) {
        states_[i].done = true;
      }
    }
  }

  CircuitBreaker& breaker_of(std::size_t target) const {
    return resilience_.breakers.for_model(*plan_.targets[target].model);
  }

  void note_ejected(std::size_t target, const CircuitBreaker& breaker) {
    if (failure_) {
      return;  // a real failure says more than the ejection it may have caused
    }
    const auto wait =
        std::chrono::ceil<reliability::Millis>(breaker.ejected_until() - Clock::now());
    auto error = plain_error(
        Kind::kUnavailable,
        "it failed repeatedly and is ejected by its circuit breaker; no fallback could answer");
    error.retry_after = std::max(wait, reliability::Millis(1));
    ejected_ = AttemptFailure{.error = std::move(error), .model = plan_.targets[target].model};
  }

  void note_budget_exhausted() {
    if (failure_) {
      failure_->error.message += " (no retry: the gateway's retry budget is spent)";
    }
  }

  AttemptFailure take_failure() {
    if (failure_) {
      return std::move(*failure_);
    }
    if (ejected_) {
      return std::move(*ejected_);
    }
    return {.error = plain_error(Kind::kTimeout, "the request's deadline passed before an attempt"),
            .model = plan_.targets.front().model};
  }

  const AttemptPlan& plan_;
  reliability::Resilience& resilience_;
  const config::ReliabilityConfig& settings_;
  std::vector<FailedAttempt>& attempts_;
  std::vector<TargetState> states_;
  std::optional<AttemptFailure> failure_;
  std::optional<AttemptFailure> ejected_;
  bool final_ = false;
};

}  // namespace

http::Awaitable<Result<Delivery, AttemptFailure>> send_with_retries(
    const AttemptPlan& plan, reliability::Resilience& resilience,
    std::vector<FailedAttempt>& attempts) {
  AttemptLoop loop(plan, resilience, attempts);
  co_return co_await loop.run();
}

}  // namespace switchyard::api
