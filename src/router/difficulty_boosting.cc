#include "router/difficulty_boosting.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace switchyard::router {
namespace {

constexpr float kNever = std::numeric_limits<float>::infinity();  // a threshold nothing passes

// Candidate thresholds of one input: distinct quantiles of its training values.
std::vector<float> cut_points_of(std::span<const float> inputs, std::size_t width,
                                 std::size_t input, std::size_t count) {
  const std::size_t n = inputs.size() / width;
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = inputs[i * width + input];
  }
  std::sort(values.begin(), values.end());
  std::vector<float> cuts;
  for (std::size_t q = 1; q <= count; ++q) {
    const float value = values[std::min(n - 1, q * n / (count + 1))];
    if (cuts.empty() || value > cuts.back()) {
      cuts.push_back(value);
    }
  }
  return cuts;
}

// The training set with every value replaced by its bin (the number of cut points below it).
struct BinnedInputs {
  std::size_t width = 0;
  std::vector<std::vector<float>> cuts;  // per input
  std::vector<std::uint8_t> bins;        // [example * width + input]
};

BinnedInputs bin_inputs(std::span<const float> inputs, std::size_t width, std::size_t count) {
  BinnedInputs binned;
  binned.width = width;
  const std::size_t n = inputs.size() / width;
  binned.bins.resize(inputs.size());
  for (std::size_t input = 0; input < width; ++input) {
    binned.cuts.push_back(cut_points_of(inputs, width, input, count));
    const std::vector<float>& cuts = binned.cuts.back();
    for (std::size_t i = 0; i < n; ++i) {
      const float value = inputs[i * width + input];
      binned.bins[i * width + input] = static_cast<std::uint8_t>(
          std::lower_bound(cuts.begin(), cuts.end(), value) - cuts.begin());
    }
  }
  return binned;
}

struct Split {
  std::uint16_t input = 0;
  float threshold = kNever;
  double gain = 0;
};

double score_of(double sum, double count, double l2) {
  return sum * sum / (count + l2);
}

// The best split of `members` by the residuals, or one that sends everything left.
Split best_split(const BinnedInputs& binned, const std::vector<std::size_t>& members,
                 const std::vector<double>& residuals, const BoostingOptions& options) {
  Split best;
  double total = 0;
  for (const std::size_t i : members) {
    total += residuals[i];
  }
  const auto n = static_cast<double>(members.size());
  const double parent = score_of(total, n, options.leaf_l2);
  std::vector<double> sums;
  std::vector<double> counts;
  for (std::size_t input = 0; input < binned.width; ++input) {
    const std::size_t bins = binned.cuts[input].size() + 1;
    sums.assign(bins, 0.0);
    counts.assign(bins, 0.0);
    for (const std::size_t i : members) {
      const std::uint8_t bin = binned.bins[i * binned.width + input];
      sums[bin] += residuals[i];
      counts[bin] += 1;
    }
    double left_sum = 0;
    double left_count = 0;
    for (std::size_t bin = 0; bin + 1 < bins; ++bin) {
      left_sum += sums[bin];
      left_count += counts[bin];
      const double right_count = n - left_count;
      if (left_count < static_cast<double>(options.min_leaf) ||
          right_count < static_cast<double>(options.min_leaf)) {
        continue;
      }
      const double gain = score_of(left_sum, left_count, options.leaf_l2) +
                          score_of(total - left_sum, right_count, options.leaf_l2) - parent;
      if (gain > best.gain) {
        best = {static_cast<std::uint16_t>(input), binned.cuts[input][bin], gain};
      }
    }
  }
  return best;
}

bool goes_right(const BinnedInputs& binned, std::span<const float> inputs, std::size_t i,
                const Split& split) {
  return inputs[i * binned.width + split.input] > split.threshold;
}

}  // namespace

BoostedTrees BoostedTrees::train(std::span<const float> inputs, std::size_t width,
                                 std::span<const float> targets, const BoostingOptions& options) {
  assert(width > 0 && inputs.size() == targets.size() * width && !targets.empty());
  const std::size_t n = targets.size();
  const BinnedInputs binned = bin_inputs(inputs, width, options.cut_points);
  double mean = 0;
  for (const float target : targets) {
    mean += target;
  }
  mean /= static_cast<double>(n);
  std::vector<double> residuals(n);
  for (std::size_t i = 0; i < n; ++i) {
    residuals[i] = targets[i] - mean;
  }
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) {
    all[i] = i;
  }

  std::vector<BoostedTree> trees;
  for (int t = 0; t < options.trees; ++t) {
    BoostedTree tree;
    const Split root = best_split(binned, all, residuals, options);
    std::vector<std::size_t> sides[2];
    for (const std::size_t i : all) {
      sides[goes_right(binned, inputs, i, root) ? 1 : 0].push_back(i);
    }
    tree.input[0] = root.input;
    tree.threshold[0] = root.threshold;
    for (int side = 0; side < 2; ++side) {
      const Split child =
          sides[side].empty() ? Split{} : best_split(binned, sides[side], residuals, options);
      tree.input[1 + side] = child.input;
      tree.threshold[1 + side] = child.threshold;
      double sums[2] = {0, 0};
      double counts[2] = {0, 0};
      for (const std::size_t i : sides[side]) {
        const int leaf = goes_right(binned, inputs, i, child) ? 1 : 0;
        sums[leaf] += residuals[i];
        counts[leaf] += 1;
      }
      for (int leaf = 0; leaf < 2; ++leaf) {
        tree.leaf[side * 2 + leaf] = static_cast<float>(options.learning_rate * sums[leaf] /
                                                        (counts[leaf] + options.leaf_l2));
      }
    }
    const BoostedTrees step(0, width, {tree});
    for (std::size_t i = 0; i < n; ++i) {
      residuals[i] -= step.predict(inputs.subspan(i * width, width));
    }
    trees.push_back(tree);
  }
  return BoostedTrees(static_cast<float>(mean), width, std::move(trees));
}

float BoostedTrees::predict(std::span<const float> row) const {
  assert(row.size() == width_);
  float sum = base_;
  for (const BoostedTree& tree : trees_) {
    const int right = row[tree.input[0]] > tree.threshold[0] ? 1 : 0;
    const int below = row[tree.input[1 + right]] > tree.threshold[1 + right] ? 1 : 0;
    sum += tree.leaf[right * 2 + below];
  }
  return sum;
}

}  // namespace switchyard::router
