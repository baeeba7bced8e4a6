// Gradient-boosted regression trees of depth two over a short vector of dense inputs, for the
// difficulty scorer's second stage. Least squares on a real target (the expected gain of the
// strong model over the weak one, -1, 0 or 1 per example), so the sum of the trees estimates
// that expectation directly. Splits are chosen among per-input quantile cut points, which
// makes training fast and its result independent of example order. Immutable once trained;
// safe to read from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace switchyard::router {

struct BoostingOptions {
  int trees = 200;
  double learning_rate = 0.05;
  std::size_t cut_points = 32;  // candidate thresholds per input
  std::size_t min_leaf = 40;    // examples a leaf must hold
  double leaf_l2 = 10.0;        // shrinks leaf values toward 0: sum / (count + leaf_l2)
};

// One tree: a root split, then one split on each side, four leaves.
struct BoostedTree {
  std::uint16_t input[3] = {0, 0, 0};  // root, left child, right child
  float threshold[3] = {0, 0, 0};      // go right when the value is > threshold
  float leaf[4] = {0, 0, 0, 0};        // left-left, left-right, right-left, right-right
};

class BoostedTrees {
 public:
  // `inputs` holds one row of `width` values per example.
  static BoostedTrees train(std::span<const float> inputs, std::size_t width,
                            std::span<const float> targets, const BoostingOptions& options);

  float predict(std::span<const float> row) const;

  float base() const { return base_; }
  std::size_t width() const { return width_; }
  const std::vector<BoostedTree>& trees() const { return trees_; }

  // For loading a saved model.
  BoostedTrees(float base, std::size_t width, std::vector<BoostedTree> trees)
      : base_(base), width_(width), trees_(std::move(trees)) {}
  BoostedTrees() = default;

 private:
  float base_ = 0;
  std::size_t width_ = 0;
  std::vector<BoostedTree> trees_;
};

}  // namespace switchyard::router
