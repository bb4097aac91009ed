// The heuristics with run control (detail/control.hpp): each stops at the
// next poll once the control says so and returns the best it has.
#pragma once

#include <cstdint>
#include <vector>

#include "detail/control.hpp"
#include "focalrd/heuristics.hpp"

namespace focalrd::detail {

FxOptimum optimise_fx(const Problem& problem, int max_evaluations, const Control& control);

double local_search(const std::vector<double>& r, std::size_t K, double gamma,
                    std::vector<int>& labels, const Control& control, std::uint64_t& solves);

// The incumbent by Lagrangian balancing: at the dual optimum of the
// Lagrangian converse (budget K) each symbol has its own p_a, and the bound
// is met exactly by a partition into K cells with Σ_{a in cell} p_a = 1 each.
// So: the p_a balanced into K bins of load near 1 (number partitioning,
// deterministic: pairwise re-splits, then an iterated local search with a
// fixed seed). Labels in [0, K) of the masses r (all > 0, more than K). With
// `control`, stops at its next poll with the best balance so far.
std::vector<int> lagrangian_balancing(const std::vector<double>& r, std::size_t K, double gamma,
                                      const Control* control = nullptr);

// A partition of the symbols of positive mass (in index order) into
// min(M, support) cells, and its cost: the best of the scheme (26) for F = R
// and for the optimised F and the Lagrangian balancing, each improved by
// local_search, on up to three threads (the same result for any count). The
// scheme for F = R is always evaluated, so there is a valid code however
// early the control stops the rest.
struct HeuristicPartition {
  std::vector<int> labels;
  double value = 0.0;
};
HeuristicPartition heuristic_partition(const Problem& problem, const Control& control,
                                       std::uint64_t& solves, int threads = 1);

// The blocks (over the whole alphabet) of labels of the positive symbols in
// index order; the symbols of zero mass join the first block.
std::vector<std::vector<std::size_t>> blocks_of_labels(const Problem& problem,
                                                       const std::vector<int>& labels);

}  // namespace focalrd::detail
