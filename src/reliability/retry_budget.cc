#include "reliability/retry_budget.h"

namespace switchyard::reliability {

RetryBudget::Retry RetryBudget::try_retry() {
  const auto requests = static_cast<double>(requests_.load(std::memory_order_relaxed));
  const auto allowed = static_cast<std::int64_t>(share_ * requests) + floor_;
  // Taken first and given back when over, so that concurrent callers cannot all pass the
  // check before any of them counts.
  if (retries_.fetch_add(1, std::memory_order_relaxed) + 1 > allowed) {
    retries_.fetch_sub(1, std::memory_order_relaxed);
    return {};
  }
  return Retry(this);
}

}  // namespace switchyard::reliability
