// What a failed attempt means for the next one: whether trying again can help, and where.
#pragma once

#include "providers/provider.h"

namespace switchyard::reliability {

enum class Recovery {
  kRetry,          // transient (connection, timeout, 429, 5xx): again, here or on a fallback
  kNextModel,      // this model cannot answer (credentials, unknown upstream model): a fallback
  kLargerContext,  // the prompt does not fit: only a model with a larger context can help
  kFinal,          // the request itself is at fault (content policy, bad field): answer now
};

Recovery recovery_for(const providers::ProviderError& error);

// Whether the failure says the upstream is unhealthy, and so counts for its circuit breaker.
// A request the upstream rightly refuses does not.
bool counts_against_upstream(const providers::ProviderError& error);

}  // namespace switchyard::reliability
