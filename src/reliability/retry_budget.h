// The retry budget: retries in flight may be at most a share of the requests in flight (plus a
// floor), so that when a provider dies the gateway sends it a bounded trickle of retries rather
// than multiplying its load by the attempt count.
//
// Thread-safety: shared by every I/O thread; all members are atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace switchyard::reliability {

class RetryBudget {
 public:
  RetryBudget(double share, std::uint32_t floor) : share_(share), floor_(floor) {}

  // Held for the life of one request.
  class Request {
   public:
    explicit Request(RetryBudget& budget) : budget_(&budget) {
      budget_->requests_.fetch_add(1, std::memory_order_relaxed);
    }
    ~Request() { budget_->requests_.fetch_sub(1, std::memory_order_relaxed); }
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

   private:
    RetryBudget* budget_;
  };

  // Held for the life of one retry; empty when the budget refused it.
  class Retry {
   public:
    Retry() = default;
    explicit Retry(RetryBudget* budget) : budget_(budget) {}
    ~Retry() { release(); }
    Retry(Retry&& other) noexcept : budget_(other.budget_) { other.budget_ = nullptr; }
    Retry& operator=(Retry&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = other.budget_;
        other.budget_ = nullptr;
      }
      return *this;
    }
    Retry(const Retry&) = delete;
    Retry& operator=(const Retry&) = delete;

    explicit operator bool() const { return budget_ != nullptr; }

   private:
    void release() {
      if (budget_ != nullptr) {
        budget_->retries_.fetch_sub(1, std::memory_order_relaxed);
        budget_ = nullptr;
      }
    }
    RetryBudget* budget_ = nullptr;
  };

  Retry try_retry();

  std::int64_t retries_in_flight() const { return retries_.load(std::memory_order_relaxed); }

 private:
  const double share_;
  const std::uint32_t floor_;
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> retries_{0};
};

}  // namespace switchyard::reliability
