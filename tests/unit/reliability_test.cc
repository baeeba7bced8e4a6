// The reliability building blocks on their own: backoff, Retry-After and reset headers, the
// circuit breaker (with an injected clock, over a one-minute outage), the retry budget and
// the classification of upstream failures.
#include <chrono>

#include <boost/beast/http/fields.hpp>
#include <gtest/gtest.h>

#include "providers/openai_compatible.h"
#include "reliability/backoff.h"
#include "reliability/breaker.h"
#include "reliability/failure.h"
#include "reliability/retry_after.h"
#include "reliability/retry_budget.h"

namespace switchyard::reliability {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Admission = CircuitBreaker::Admission;
using providers::ProviderError;

TEST(BackoffTest, FullJitterSpansZeroToTheDoublingCeiling) {
  const Millis base(100);
  const Millis max(5'000);
  EXPECT_EQ(full_jitter(base, max, 0, 0.0), Millis(0));
  EXPECT_EQ(full_jitter(base, max, 0, 0.5), Millis(50));
  EXPECT_EQ(full_jitter(base, max, 3, 0.5), Millis(400));       // ceiling 800
  EXPECT_EQ(full_jitter(base, max, 10, 0.999), Millis(4'995));  // capped at max
  EXPECT_EQ(full_jitter(base, max, 1'000, 1.0), max);           // no overflow
}

TEST(BackoffTest, DrawnDelaysStayWithinTheCeilingAndVary) {
  Millis smallest = Millis::max();
  Millis largest = Millis(0);
  for (int i = 0; i < 200; ++i) {
    const Millis delay = backoff_delay(Millis(100), Millis(5'000), 2);
    ASSERT_LE(delay, Millis(400));
    smallest = std::min(smallest, delay);
    largest = std::max(largest, delay);
  }
  EXPECT_LT(smallest, Millis(100));
  EXPECT_GT(largest, Millis(300));
}

TEST(RetryAfterTest, ReadsSecondsFractionsAndHttpDates) {
  const auto now = std::chrono::system_clock::from_time_t(1'445'412'480);  // 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("2", now), Millis(2'000));
  EXPECT_EQ(parse_retry_after(" 1.5 ", now), Millis(1'500));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Millis(30'000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Millis(0));  // past
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-3", now));
  EXPECT_FALSE(parse_retry_after("", now));
}

TEST(RetryAfterTest, ReadsRateLimitResetDurations) {
  EXPECT_EQ(parse_reset_duration("1s"), Millis(1'000));
  EXPECT_EQ(parse_reset_duration("6m0s"), Millis(360'000));
  EXPECT_EQ(parse_reset_duration("1h2m3.5s"), Millis(3'723'500));
  EXPECT_EQ(parse_reset_duration("250ms"), Millis(250));
  EXPECT_FALSE(parse_reset_duration("6 minutes"));
  EXPECT_FALSE(parse_reset_duration("m"));
  EXPECT_FALSE(parse_reset_duration(""));
}

TEST(RetryAfterTest, SecondsWeSendAreRoundedUpAndAtLeastOne) {
  EXPECT_EQ(retry_after_seconds(Millis(0)), 1);
  EXPECT_EQ(retry_after_seconds(Millis(1'000)), 1);
  EXPECT_EQ(retry_after_seconds(Millis(1'001)), 2);
}

TEST(RetryAfterTest, ProviderReadsTheHeaderOfTheExhaustedLimit) {
  boost::beast::http::fields headers;
  EXPECT_FALSE(providers::requested_wait(headers));
  headers.set("x-ratelimit-remaining-requests", "12");
  headers.set("x-ratelimit-reset-requests", "1s");
  headers.set("x-ratelimit-remaining-tokens", "0");
  headers.set("x-ratelimit-reset-tokens", "6m0s");
  EXPECT_EQ(providers::requested_wait(headers), Millis(360'000));
  headers.set("retry-after-ms", "1500");
  EXPECT_EQ(providers::requested_wait(headers), Millis(1'500));
  headers.set("retry-after", "3");
  EXPECT_EQ(providers::requested_wait(headers), Millis(3'000));
}

class BreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker breaker_{
      BreakerPolicy{.failures = 5, .ejection = seconds(5), .max_ejection = seconds(30)}};
  Clock::time_point now_ = Clock::time_point() + std::chrono::hours(1);

  void fail(int times) {
    for (int i = 0; i < times; ++i) {
      breaker_.record_failure(now_, false);
    }
  }
};

TEST_F(BreakerTest, EjectsAfterConsecutiveFailuresOnly) {
  fail(4);
  breaker_.record_success(now_, false);  // resets the count
  fail(4);
  EXPECT_EQ(breaker_.admit(now_), Admission::kAllowed);
  fail(1);
  EXPECT_EQ(breaker_.admit(now_), Admission::kRejected);
  EXPECT_EQ(breaker_.ejected_until(), now_ + seconds(5));
}

TEST_F(BreakerTest, AfterTheEjectionOneProbeAtATime) {
  fail(5);
  now_ += seconds(5);
  EXPECT_EQ(breaker_.admit(now_), Admission::kProbe);
  EXPECT_EQ(breaker_.admit(now_), Admission::kRejected);
  breaker_.record_success(now_, true);
  EXPECT_EQ(breaker_.admit(now_), Admission::kAllowed);
  EXPECT_EQ(breaker_.admit(now_), Admission::kAllowed);
}

TEST_F(BreakerTest, FailedProbesDoubleTheEjectionUpToTheMaximum) {
  fail(5);
  std::vector<long> ejections;
  for (int i = 0; i < 5; ++i) {
    now_ = breaker_.ejected_until();
    ASSERT_EQ(breaker_.admit(now_), Admission::kProbe);
    breaker_.record_failure(now_, true);
    ejections.push_back(
        std::chrono::duration_cast<seconds>(breaker_.ejected_until() - now_).count());
  }
  EXPECT_EQ(ejections, (std::vector<long>{10, 20, 30, 30, 30}));
}

// The scenario in real time: the primary is down from 0 s to 60 s and requests keep
// coming every 100 ms. The breaker keeps nearly all of them off the primary during the outage
// and lets them back within 30 s of the recovery.
TEST_F(BreakerTest, AMinuteLongOutageReturnsWithinThirtySecondsOfRecovery) {
  const Clock::time_point start = now_;
  const Clock::time_point recovery = start + seconds(60);
  int sent_during_outage = 0;
  std::optional<Clock::time_point> back;
  for (now_ = start; now_ < start + seconds(120) && !back; now_ += milliseconds(100)) {
    const Admission admission = breaker_.admit(now_);
    if (admission == Admission::kRejected) {
      continue;
    }
    const bool probe = admission == Admission::kProbe;
    if (now_ < recovery) {
      ++sent_during_outage;
      breaker_.record_failure(now_, probe);
    } else {
      breaker_.record_success(now_, probe);
      back = now_;
    }
  }
  ASSERT_TRUE(back);
  EXPECT_LE(*back - recovery, seconds(30));
  // Five to eject, then probes at 5, 15, 35 and 65 s: never more than one attempt per ejection.
  EXPECT_LE(sent_during_outage, 5 + 4);
}

TEST_F(BreakerTest, TheDoublingIsForgottenAfterAHealthySpell) {
  fail(5);
  now_ = breaker_.ejected_until();
  breaker_.admit(now_);
  breaker_.record_failure(now_, true);  // ejected for 10 s
  now_ = breaker_.ejected_until();
  breaker_.admit(now_);
  breaker_.record_success(now_, true);
  now_ += seconds(31);
  fail(5);
  EXPECT_EQ(breaker_.ejected_until(), now_ + seconds(5));
}

TEST(RetryBudgetTest, AllowsTheFloorPlusAShareOfRequestsInFlight) {
  RetryBudget budget(0.5, 1);
  RetryBudget::Request first(budget);
  RetryBudget::Request second(budget);
  std::vector<RetryBudget::Retry> held;
  for (int i = 0; i < 5; ++i) {
    if (auto retry = budget.try_retry()) {
      held.push_back(std::move(retry));
    }
  }
  EXPECT_EQ(held.size(), 2U);  // 1 + 0.5 * 2
  held.pop_back();
  EXPECT_TRUE(budget.try_retry());
  EXPECT_EQ(budget.retries_in_flight(), 1);
}

ProviderError status(unsigned code, std::string message = "",
                     std::optional<std::string> error_code = {}) {
  ProviderError error;
  error.kind = ProviderError::Kind::kStatus;
  error.status = code;
  error.message = std::move(message);
  error.code = std::move(error_code);
  return error;
}

TEST(FailureTest, TransientFailuresAreRetriedAndCountAgainstTheUpstream) {
  for (unsigned code : {408U, 429U, 500U, 502U, 503U, 504U}) {
    EXPECT_EQ(recovery_for(status(code)), Recovery::kRetry) << code;
  }
  ProviderError reset;
  reset.kind = ProviderError::Kind::kUnavailable;
  EXPECT_EQ(recovery_for(reset), Recovery::kRetry);
  EXPECT_TRUE(counts_against_upstream(reset));
  EXPECT_TRUE(counts_against_upstream(status(503)));
  EXPECT_FALSE(counts_against_upstream(status(400)));
  EXPECT_FALSE(counts_against_upstream(status(401)));
}

TEST(FailureTest, RequestProblemsAreNotRetried) {
  EXPECT_EQ(recovery_for(status(400, "x", "context_length_exceeded")), Recovery::kLargerContext);
  EXPECT_EQ(recovery_for(status(400, "This model's maximum context length is 8192 tokens")),
            Recovery::kLargerContext);
  EXPECT_EQ(recovery_for(status(400, "the request exceeds the available context size")),
            Recovery::kLargerContext);
  EXPECT_EQ(recovery_for(status(400, "x", "content_policy_violation")), Recovery::kFinal);
  EXPECT_EQ(recovery_for(status(400, "rejected as a result of our safety system")),
            Recovery::kFinal);
  EXPECT_EQ(recovery_for(status(400, "'messages' is required")), Recovery::kFinal);
  EXPECT_EQ(recovery_for(status(422)), Recovery::kFinal);
  EXPECT_EQ(recovery_for(status(401)), Recovery::kNextModel);
  EXPECT_EQ(recovery_for(status(404, "model not found")), Recovery::kNextModel);
}

}  // namespace
}  // namespace switchyard::reliability
