// How well a router spends calls to the strong model, in the terms RouteLLM uses. A router
// gives each request a score; for a share s of strong calls, the top-s share by score goes to
// the strong model and the rest to the weak one.
//
//   q(s)    mean correctness of the routed answers
//   PGR(s)  (q(s) - q_weak) / (q_strong - q_weak): the share of the quality gap recovered
//   APGR    the area under PGR over s in [0, 1]
//   CPT(x)  the smallest s at which PGR reaches x
//
// The curve is exact: it has a point at every k/n for n requests and is linear between them,
// so APGR is the trapezoid sum over all n + 1 points. Requests with equal scores are routed as
// one block in random order, so across such a block the curve is the straight line between its
// ends (the expectation over tie-breaking); a router that gives every request the same score
// therefore has APGR exactly 0.5. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace switchyard::router {

// One request as the metrics see it: the router's score and whether each model answered it
// correctly.
struct RoutedOutcome {
  double score = 0;
  bool weak_correct = false;
  bool strong_correct = false;
};

struct RoutingCurve {
  double weak_quality = 0;      // q(0)
  double strong_quality = 0;    // q(1)
  std::vector<double> quality;  // quality[k] = q(k / n), n + 1 points

  std::size_t requests() const { return quality.empty() ? 0 : quality.size() - 1; }
  // q(s) and PGR(s) for any s in [0, 1], linear between the points.
  double quality_at(double share) const;
  double pgr_at(double share) const;
  double pgr(std::size_t point) const;
};

// The curve of `outcomes`. Needs at least one outcome.
RoutingCurve routing_curve(std::span<const RoutedOutcome> outcomes);

// The area under PGR(s) over [0, 1]. 0 when the two models are equally good (no gap to
// recover).
double apgr(const RoutingCurve& curve);

// The smallest share of strong calls at which PGR reaches `target` (linear between points),
// or 1 when it never does.
double cpt(const RoutingCurve& curve, double target);

// A table of q(s) and PGR(s) at s = 0, step, 2 * step, ..., 1, then APGR and CPT(50%).
std::string format_routing_report(const RoutingCurve& curve, double step);

}  // namespace switchyard::router
