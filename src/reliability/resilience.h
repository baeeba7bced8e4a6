// What every I/O thread shares to keep failing upstreams from failing requests: the circuit
// breakers and the retry budget, built once from the config.
#pragma once

#include "config/config.h"
#include "reliability/breaker.h"
#include "reliability/retry_budget.h"

namespace switchyard::reliability {

struct Resilience {
  explicit Resilience(const config::Config& config)
      : settings(config.reliability),
        breakers(config, breaker_policy(config.reliability)),
        budget(config.reliability.retry_budget, config.reliability.retry_budget_min) {}

  const config::ReliabilityConfig settings;
  BreakerBoard breakers;
  RetryBudget budget;
};

}  // namespace switchyard::reliability
