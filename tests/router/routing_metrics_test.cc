#include "router/routing_metrics.h"

#include <vector>

#include <gtest/gtest.h>

#include "router/difficulty_random.h"

namespace switchyard::router {
namespace {

// Four requests: two only the strong model answers, one both answer, one neither. The weak
// model gets 1 of 4 right and the strong 3 of 4, so the gap is 0.5.
std::vector<RoutedOutcome> four_requests(double a, double b, double c, double d) {
  return {{a, false, true}, {b, false, true}, {c, true, true}, {d, false, false}};
}

TEST(RoutingCurveTest, EndsAtTheWeakAndStrongQuality) {
  const RoutingCurve curve = routing_curve(four_requests(4, 3, 2, 1));
  EXPECT_DOUBLE_EQ(curve.weak_quality, 0.25);
  EXPECT_DOUBLE_EQ(curve.strong_quality, 0.75);
  ASSERT_EQ(curve.requests(), 4u);
  EXPECT_DOUBLE_EQ(curve.quality_at(0), 0.25);
  EXPECT_DOUBLE_EQ(curve.quality_at(1), 0.75);
}

TEST(RoutingCurveTest, OracleRecoversTheGapWithTheFewestStrongCalls) {
  // Routed in score order: gain 1, 1, 0, 0. PGR at k = 0..4: 0, 0.5, 1, 1, 1.
  const RoutingCurve curve = routing_curve(four_requests(4, 3, 2, 1));
  EXPECT_DOUBLE_EQ(curve.pgr(1), 0.5);
  EXPECT_DOUBLE_EQ(curve.pgr(2), 1.0);
  // Trapezoids: (0 + 0.5) / 2 + (0.5 + 1) / 2 + 1 + 1 = 3, over 4 steps.
  EXPECT_DOUBLE_EQ(apgr(curve), 0.75);
  EXPECT_DOUBLE_EQ(cpt(curve, 0.5), 0.25);
  EXPECT_DOUBLE_EQ(cpt(curve, 0.75), 0.375);  // halfway between k = 1 and k = 2
}

TEST(RoutingCurveTest, ReversedRouterRecoversTheGapLast) {
  // Routed: gain 0, 0, 1, 1. PGR: 0, 0, 0, 0.5, 1.
  const RoutingCurve curve = routing_curve(four_requests(1, 2, 3, 4));
  EXPECT_DOUBLE_EQ(apgr(curve), 0.25);
  EXPECT_DOUBLE_EQ(cpt(curve, 0.5), 0.75);
}

TEST(RoutingCurveTest, TiedScoresAreRoutedAsTheirExpectation) {
  const RoutingCurve curve = routing_curve(four_requests(7, 7, 7, 7));
  for (std::size_t k = 0; k <= 4; ++k) {
    EXPECT_NEAR(curve.pgr(k), 0.25 * static_cast<double>(k), 1e-12);
  }
  EXPECT_NEAR(apgr(curve), 0.5, 1e-12);
  EXPECT_NEAR(cpt(curve, 0.5), 0.5, 1e-12);
}

TEST(RoutingCurveTest, StrongModelMistakesCanPushPgrAboveOne) {
  // The weak model alone is right on the last request; routing it to the strong one loses it.
  const std::vector<RoutedOutcome> outcomes = {
      {3, false, true}, {2, false, true}, {1, true, false}};
  const RoutingCurve curve = routing_curve(outcomes);
  EXPECT_NEAR(curve.weak_quality, 1.0 / 3, 1e-12);
  EXPECT_NEAR(curve.strong_quality, 2.0 / 3, 1e-12);
  EXPECT_NEAR(curve.pgr(2), 2.0, 1e-12);  // both gains taken, the loss not yet
  EXPECT_NEAR(curve.pgr(3), 1.0, 1e-12);
  // (0 + 1) / 2 + (1 + 2) / 2 + (2 + 1) / 2 = 3.5, over 3 steps.
  EXPECT_NEAR(apgr(curve), 3.5 / 3, 1e-12);
}

TEST(RoutingCurveTest, RandomScoresGiveAboutHalf) {
  SeededRandom random(7);
  std::vector<RoutedOutcome> outcomes;
  for (int i = 0; i < 20000; ++i) {
    const double u = random.unit();
    outcomes.push_back({random.unit(), u < 0.6, u < 0.2 || u >= 0.4});
  }
  const RoutingCurve curve = routing_curve(outcomes);
  EXPECT_NEAR(apgr(curve), 0.5, 0.03);
  EXPECT_NEAR(cpt(curve, 0.5), 0.5, 0.05);
}

TEST(RoutingCurveTest, NoGapMeansNothingToRecover) {
  const std::vector<RoutedOutcome> outcomes = {{1, true, true}, {0, false, false}};
  const RoutingCurve curve = routing_curve(outcomes);
  EXPECT_EQ(apgr(curve), 0.0);
  EXPECT_EQ(cpt(curve, 0.5), 1.0);
}

TEST(RoutingCurveTest, QualityIsLinearBetweenPoints) {
  const RoutingCurve curve = routing_curve(four_requests(4, 3, 2, 1));
  EXPECT_DOUBLE_EQ(curve.quality_at(0.125), 0.375);  // halfway from 0.25 to 0.5
  EXPECT_DOUBLE_EQ(curve.pgr_at(0.125), 0.25);
}

TEST(RoutingReportTest, ListsTheCurveAndTheSummary) {
  const std::string report = format_routing_report(routing_curve(four_requests(4, 3, 2, 1)), 0.25);
  EXPECT_NE(report.find("25%  0.5000   0.500"), std::string::npos) << report;
  EXPECT_NE(report.find("APGR 0.7500"), std::string::npos) << report;
  EXPECT_NE(report.find("CPT(50%) 0.2500"), std::string::npos) << report;
}

}  // namespace
}  // namespace switchyard::router
