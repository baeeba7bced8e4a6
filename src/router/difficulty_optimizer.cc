#include "router/difficulty_optimizer.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace switchyard::router {
namespace {

constexpr double kArmijo = 1e-4;
constexpr double kBacktrack = 0.5;
constexpr int kMaxLineSearchSteps = 30;

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum += a[i] * b[i];
  }
  return sum;
}

double largest_magnitude(const std::vector<double>& values) {
  double largest = 0;
  for (const double value : values) {
    largest = std::max(largest, std::fabs(value));
  }
  return largest;
}

struct Correction {
  std::vector<double> step;           // s = x_{k+1} - x_k
  std::vector<double> gradient_step;  // y = g_{k+1} - g_k
  double rho = 0;                     // 1 / (y . s)
};

// The two-loop recursion: direction = -H * gradient for the L-BFGS estimate H.
std::vector<double> search_direction(const std::deque<Correction>& history,
                                     const std::vector<double>& gradient) {
  std::vector<double> q = gradient;
  std::vector<double> alpha(history.size());
  for (std::size_t i = history.size(); i-- > 0;) {
    alpha[i] = history[i].rho * dot(history[i].step, q);
    for (std::size_t j = 0; j < q.size(); ++j) {
      q[j] -= alpha[i] * history[i].gradient_step[j];
    }
  }
  if (!history.empty()) {
    const Correction& last = history.back();
    const double scale =
        dot(last.step, last.gradient_step) / dot(last.gradient_step, last.gradient_step);
    for (double& value : q) {
      value *= scale;
    }
  }
  for (std::size_t i = 0; i < history.size(); ++i) {
    const double beta = history[i].rho * dot(history[i].gradient_step, q);
    for (std::size_t j = 0; j < q.size(); ++j) {
      q[j] += (alpha[i] - beta) * history[i].step[j];
    }
  }
  for (double& value : q) {
    value = -value;
  }
  return q;
}

}  // namespace

double minimize_lbfgs(const Objective& objective, std::vector<double>& parameters,
                      const OptimizerOptions& options) {
  std::vector<double> gradient(parameters.size());
  double value = objective(parameters, gradient);
  std::deque<Correction> history;
  std::vector<double> candidate(parameters.size());
  std::vector<double> candidate_gradient(parameters.size());

  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    if (largest_magnitude(gradient) < options.gradient_tolerance) {
      break;
    }
    std::vector<double> direction = search_direction(history, gradient);
    double slope = dot(direction, gradient);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      history.clear();
      direction = gradient;
      for (double& d : direction) {
        d = -d;
      }
      slope = dot(direction, gradient);
    }
    // The first step has no curvature estimate yet: keep it short.
    double step = history.empty() ? 1.0 / std::max(1.0, std::sqrt(-slope)) : 1.0;
    double candidate_value = 0;
    bool accepted = false;
    for (int trial = 0; trial < kMaxLineSearchSteps; ++trial, step *= kBacktrack) {
      for (std::size_t i = 0; i < parameters.size(); ++i) {
        candidate[i] = parameters[i] + step * direction[i];
      }
      candidate_value = objective(candidate, candidate_gradient);
      if (candidate_value <= value + kArmijo * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      break;
    }

    Correction correction{std::vector<double>(parameters.size()),
                          std::vector<double>(parameters.size()), 0};
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      correction.step[i] = candidate[i] - parameters[i];
      correction.gradient_step[i] = candidate_gradient[i] - gradient[i];
    }
    const double curvature = dot(correction.step, correction.gradient_step);
    parameters.swap(candidate);
    gradient.swap(candidate_gradient);
    const double improvement = value - candidate_value;
    value = candidate_value;
    if (curvature > 0) {
      correction.rho = 1.0 / curvature;
      history.push_back(std::move(correction));
      if (static_cast<int>(history.size()) > options.history) {
        history.pop_front();
      }
    }
    if (improvement < 1e-12 * std::max(1.0, std::fabs(value))) {
      break;
    }
  }
  return value;
}

}  // namespace switchyard::router
