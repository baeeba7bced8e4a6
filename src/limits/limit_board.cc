#include "limits/limit_board.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace switchyard::limits {
namespace {

constexpr double kTokensPerMillion = 1e6;

std::unique_ptr<TokenBucket> bucket(std::uint32_t per_minute) {
  return per_minute == 0 ? nullptr : std::make_unique<TokenBucket>(per_minute);
}

Refusal rate_limited(std::string_view what, std::string_view name, std::string_view limit,
                     Millis wait) {
  return {.message = fmt::format("the {} '{}' is over its limit of {} per minute; retry in {} ms",
                                 what, name, limit, wait.count()),
          .code = "rate_limit_exceeded",
          .retry_after = wait};
}

Refusal over_budget(const config::KeyConfig& key, const BudgetState& state) {
  std::optional<Millis> wait;
  if (state.resets_at) {
    wait = std::chrono::ceil<Millis>(*state.resets_at - SystemClock::now());
  }
  return {.message = fmt::format(
              "the key '{}' has spent ${:.6f} of its ${:.6f} budget (${:.6f} reserved by requests "
              "in flight); this request could cost more than is left",
              key.name, state.spent_usd, state.limit_usd, state.reserved_usd),
          .code = "budget_exceeded",
          .retry_after = wait};
}

}  // namespace

double cost_usd(const config::ModelConfig& model, std::int64_t prompt_tokens,
                std::int64_t completion_tokens) {
  return (static_cast<double>(prompt_tokens) * model.input_price_per_mtok +
          static_cast<double>(completion_tokens) * model.output_price_per_mtok) /
         kTokensPerMillion;
}

Ticket::Ticket(Ticket&& other) noexcept {
  *this = std::move(other);
}

Ticket& Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release(0, 0, nullptr);
    key_tokens_ = other.key_tokens_;
    model_tokens_ = other.model_tokens_;
    charged_model_ = other.charged_model_;
    budget_ = other.budget_;
    reserved_tokens_ = other.reserved_tokens_;
    reserved_usd_ = other.reserved_usd_;
    first_model_ = other.first_model_;
    open_ = std::exchange(other.open_, false);
  }
  return *this;
}

void Ticket::release(std::int64_t prompt, std::int64_t completion,
                     const config::ModelConfig* answered) {
  if (!open_) {
    return;
  }
  open_ = false;
  const auto now = Clock::now();
  const std::int64_t used = prompt + completion;
  const std::int64_t unused = std::max<std::int64_t>(0, reserved_tokens_ - used);
  if (key_tokens_ != nullptr) {
    key_tokens_->give_back(unused, now);
  }
  if (model_tokens_ != nullptr) {
    model_tokens_->give_back(answered == charged_model_ ? unused : reserved_tokens_, now);
  }
  if (budget_ != nullptr) {
    const double actual = answered != nullptr ? cost_usd(*answered, prompt, completion) : 0;
    budget_->settle(reserved_usd_, actual, SystemClock::now());
  }
}

LimitBoard::LimitBoard(const config::Config& config) {
  for (const config::KeyConfig& key : config.keys) {
    Limits& limits = keys_[&key];
    limits.requests = bucket(key.requests_per_minute);
    limits.tokens = bucket(key.tokens_per_minute);
    if (key.budget_usd) {
      limits.budget = std::make_unique<MoneyBudget>(*key.budget_usd, key.budget_window);
    }
  }
  for (const config::ModelConfig& model : config.models) {
    if (model.requests_per_minute != 0 || model.tokens_per_minute != 0) {
      Limits& limits = models_[&model];
      limits.requests = bucket(model.requests_per_minute);
      limits.tokens = bucket(model.tokens_per_minute);
    }
  }
}

Result<std::size_t, Refusal> LimitBoard::pick_model(
    std::span<const config::ModelConfig* const> models, std::int64_t tokens,
    Clock::time_point now) {
  std::optional<Refusal> first_refusal;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto found = models_.find(models[i]);
    if (found == models_.end()) {
      return i;
    }
    Limits& limits = found->second;
    std::optional<Millis> wait;
    std::string limit;
    if (limits.requests) {
      wait = limits.requests->try_take(1, now);
      limit = fmt::format("{} requests", limits.requests->per_minute());
    }
    if (!wait && limits.tokens) {
      wait = limits.tokens->try_take(tokens, now);
      if (wait && limits.requests) {
        limits.requests->give_back(1, now);
      }
      limit = fmt::format("{} tokens", limits.tokens->per_minute());
    }
    if (!wait) {
      return i;
    }
    if (!first_refusal) {
      first_refusal = rate_limited("model", models[i]->name, limit, *wait);
    }
  }
  return fail(std::move(*first_refusal));
}

Result<Ticket, Refusal> LimitBoard::admit(const config::KeyConfig* key,
                                          std::span<const config::ModelConfig* const> models,
                                          const Demand& demand) {
  const auto now = Clock::now();
  const std::int64_t tokens = demand.prompt_tokens + demand.completion_tokens;
  Limits* key_limits = nullptr;
  if (key != nullptr) {
    key_limits = &keys_.at(key);
    if (key_limits->requests) {
      if (const auto wait = key_limits->requests->try_take(1, now)) {
        return fail(rate_limited("key", key->name,
                                 fmt::format("{} requests", key_limits->requests->per_minute()),
                                 *wait));
      }
    }
  }
  auto picked = pick_model(models, tokens, now);
  if (!picked) {
    return fail(std::move(picked).error());
  }
  Ticket ticket;
  ticket.first_model_ = *picked;
  ticket.reserved_tokens_ = tokens;
  ticket.open_ = true;
  if (const auto found = models_.find(models[*picked]); found != models_.end()) {
    ticket.model_tokens_ = found->second.tokens.get();
    ticket.charged_model_ = models[*picked];
  }
  if (key_limits != nullptr && key_limits->tokens) {
    if (const auto wait = key_limits->tokens->try_take(tokens, now)) {
      return fail(rate_limited("key", key->name,
                               fmt::format("{} tokens", key_limits->tokens->per_minute()), *wait));
    }
    ticket.key_tokens_ = key_limits->tokens.get();
  }
  if (key_limits != nullptr && key_limits->budget) {
    double worst = 0;
    for (std::size_t i = *picked; i < models.size(); ++i) {
      worst = std::max(worst, cost_usd(*models[i], demand.prompt_tokens, demand.completion_tokens));
    }
    // Zero-cost (local) models never touch a money budget.
    if (worst > 0) {
      if (!key_limits->budget->reserve(worst, SystemClock::now())) {
        return fail(over_budget(*key, key_limits->budget->state(SystemClock::now())));
      }
      ticket.budget_ = key_limits->budget.get();
      ticket.reserved_usd_ = worst;
    }
  }
  return ticket;
}

std::optional<BudgetState> LimitBoard::budget_of(const config::KeyConfig& key) const {
  const auto found = keys_.find(&key);
  if (found == keys_.end() || !found->second.budget) {
    return std::nullopt;
  }
  return found->second.budget->state(SystemClock::now());
}

}  // namespace switchyard::limits
