#include "router/routing_metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace switchyard::router {
namespace {

// Smaller gaps than this are treated as none: PGR would only amplify rounding.
constexpr double kMinGap = 1e-12;

double gain_of(const RoutedOutcome& outcome) {
  return static_cast<double>(outcome.strong_correct) - static_cast<double>(outcome.weak_correct);
}

// Request indices, highest score first; equal scores keep their input order.
std::vector<std::size_t> ranking(std::span<const RoutedOutcome> outcomes) {
  std::vector<std::size_t> order(outcomes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return outcomes[a].score > outcomes[b].score;
  });
  return order;
}

}  // namespace

double RoutingCurve::quality_at(double share) const {
  assert(!quality.empty());
  const double position = std::clamp(share, 0.0, 1.0) * static_cast<double>(requests());
  const auto below = static_cast<std::size_t>(std::floor(position));
  if (below >= requests()) {
    return quality.back();
  }
  const double fraction = position - static_cast<double>(below);
  return quality[below] + fraction * (quality[below + 1] - quality[below]);
}

double RoutingCurve::pgr_at(double share) const {
  const double gap = strong_quality - weak_quality;
  return std::fabs(gap) < kMinGap ? 0.0 : (quality_at(share) - weak_quality) / gap;
}

double RoutingCurve::pgr(std::size_t point) const {
  const double gap = strong_quality - weak_quality;
  return std::fabs(gap) < kMinGap ? 0.0 : (quality[point] - weak_quality) / gap;
}

RoutingCurve routing_curve(std::span<const RoutedOutcome> outcomes) {
  assert(!outcomes.empty());
  const auto n = static_cast<double>(outcomes.size());
  const std::vector<std::size_t> order = ranking(outcomes);
  RoutingCurve curve;
  double weak_correct = 0;
  double strong_correct = 0;
  for (const RoutedOutcome& outcome : outcomes) {
    weak_correct += static_cast<double>(outcome.weak_correct);
    strong_correct += static_cast<double>(outcome.strong_correct);
  }
  curve.weak_quality = weak_correct / n;
  curve.strong_quality = strong_correct / n;
  curve.quality.reserve(outcomes.size() + 1);
  curve.quality.push_back(curve.weak_quality);

  // Each block of equal scores adds its mean gain per request routed.
  double correct = weak_correct;
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin;
    double block_gain = 0;
    while (end < order.size() && outcomes[order[end]].score == outcomes[order[begin]].score) {
      block_gain += gain_of(outcomes[order[end]]);
      ++end;
    }
    const double step = block_gain / static_cast<double>(end - begin);
    for (std::size_t k = begin; k < end; ++k) {
      correct += step;
      curve.quality.push_back(correct / n);
    }
    begin = end;
  }
  curve.quality.back() = curve.strong_quality;  // exact, without the sum's rounding
  return curve;
}

double apgr(const RoutingCurve& curve) {
  const std::size_t n = curve.requests();
  if (n == 0) {
    return 0;
  }
  double area = 0;
  for (std::size_t k = 0; k < n; ++k) {
    area += (curve.pgr(k) + curve.pgr(k + 1)) / 2;
  }
  return area / static_cast<double>(n);
}

double cpt(const RoutingCurve& curve, double target) {
  const std::size_t n = curve.requests();
  if (n == 0 || std::fabs(curve.strong_quality - curve.weak_quality) < kMinGap) {
    return 1;
  }
  if (curve.pgr(0) >= target) {
    return 0;
  }
  for (std::size_t k = 1; k <= n; ++k) {
    const double after = curve.pgr(k);
    if (after >= target) {
      const double before = curve.pgr(k - 1);
      const double fraction = (target - before) / (after - before);
      return (static_cast<double>(k - 1) + fraction) / static_cast<double>(n);
    }
  }
  return 1;
}

std::string format_routing_report(const RoutingCurve& curve, double step) {
  assert(step > 0);
  std::string out = fmt::format("requests {}, weak quality {:.4f}, strong quality {:.4f}\n",
                                curve.requests(), curve.weak_quality, curve.strong_quality);
  out += "strong share  quality    PGR\n";
  const auto points = static_cast<int>(std::lround(1.0 / step));
  for (int k = 0; k <= points; ++k) {
    const double share = std::min(1.0, k * step);
    out += fmt::format("{:>11.0f}%  {:.4f}  {:>6.3f}\n", share * 100, curve.quality_at(share),
                       curve.pgr_at(share));
  }
  out += fmt::format("APGR {:.4f}\nCPT(50%) {:.4f}\n", apgr(curve), cpt(curve, 0.5));
  return out;
}

}  // namespace switchyard::router
