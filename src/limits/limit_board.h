// The gateway's own limits, checked before a request is sent: requests and tokens per minute
// per key and per model, and money budgets per key. A request reserves its worst case (the
// prompt estimate plus the completion tokens it may use, at the price of the dearest model it
// may go to) and settles with its real usage, so concurrent requests cannot overspend.
//
// Thread-safety: one board for all I/O threads; every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "limits/budget.h"
#include "limits/token_bucket.h"

namespace switchyard::limits {

// What a request may use, estimated before it is sent.
struct Demand {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;  // its max_tokens, or the gateway's default reserve
};

struct Refusal {
  std::string message;
  std::string code;  // "rate_limit_exceeded" or "budget_exceeded"
  std::optional<Millis> retry_after;
};

double cost_usd(const config::ModelConfig& model, std::int64_t prompt_tokens,
                std::int64_t completion_tokens);

class LimitBoard;

// What one admitted request holds. settle() spends its real usage; a ticket dropped without
// settling (the request failed) gives everything back but the request it counted.
class Ticket {
 public:
  Ticket() = default;
  Ticket(Ticket&& other) noexcept;
  Ticket& operator=(Ticket&& other) noexcept;
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  ~Ticket() { release(0, 0, nullptr); }

  // The index of the first of the request's models within its own limits.
  std::size_t first_model() const { return first_model_; }

  void settle(const config::ModelConfig& answered, std::int64_t prompt_tokens,
              std::int64_t completion_tokens) {
    release(prompt_tokens, completion_tokens, &answered);
  }

 private:
  friend class LimitBoard;
  void release(std::int64_t prompt, std::int64_t completion, const config::ModelConfig* answered);

  TokenBucket* key_tokens_ = nullptr;
  TokenBucket* model_tokens_ = nullptr;
  const config::ModelConfig* charged_model_ = nullptr;
  MoneyBudget* budget_ = nullptr;
  std::int64_t reserved_tokens_ = 0;
  double reserved_usd_ = 0;
  std::size_t first_model_ = 0;
  bool open_ = false;
};

class LimitBoard {
 public:
  explicit LimitBoard(const config::Config& config);

  // Admits a request from `key` (null when the gateway has no keys) that may go to `models`
  // in this order, or says which limit refuses it. Models over their own limits are passed
  // over for the next; the ticket names the first one left.
  Result<Ticket, Refusal> admit(const config::KeyConfig* key,
                                std::span<const config::ModelConfig* const> models,
                                const Demand& demand);

  // The budget of a key, if it has one.
  std::optional<BudgetState> budget_of(const config::KeyConfig& key) const;

 private:
  struct Limits {
    std::unique_ptr<TokenBucket> requests;
    std::unique_ptr<TokenBucket> tokens;
    std::unique_ptr<MoneyBudget> budget;
  };

  Result<std::size_t, Refusal> pick_model(std::span<const config::ModelConfig* const> models,
                                          std::int64_t tokens, Clock::time_point now);

  std::map<const config::KeyConfig*, Limits> keys_;
  std::map<const config::ModelConfig*, Limits> models_;
};

}  // namespace switchyard::limits
