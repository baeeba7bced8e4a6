// L-BFGS for the difficulty scorer's convex training objectives. Full-batch and deterministic:
// the result depends only on the objective and the starting point, never on an example order.
// Not thread-safe; one call at a time per parameter vector.
#pragma once

#include <functional>
#include <vector>

namespace switchyard::router {

// Computes the objective at `parameters`, writing its gradient into `gradient` (already sized).
using Objective =
    std::function<double(const std::vector<double>& parameters, std::vector<double>& gradient)>;

struct OptimizerOptions {
  int max_iterations = 200;
  int history = 8;                   // correction pairs kept
  double gradient_tolerance = 1e-6;  // stop when |gradient|_inf falls below this
};

// Minimizes `objective` from `parameters` in place; returns the final objective value.
double minimize_lbfgs(const Objective& objective, std::vector<double>& parameters,
                      const OptimizerOptions& options);

}  // namespace switchyard::router
