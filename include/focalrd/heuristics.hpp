// Heuristic codes: good codes found by search, upper bounds on d* with no
// certificate of optimality. Shared by the bounds (the optimised F_X) and by
// branch-and-bound (its first incumbent).
#pragma once

#include <cstddef>
#include <vector>

#include "focalrd/cell_solver.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/result.hpp"

namespace focalrd {

// A heuristic's result: an upper bound on d*, valid because it is (28) at a
// concrete F that anyone can re-evaluate.
struct FxOptimum {
  std::vector<double> F;      // the best F found
  double value = 0.0;         // (28) at F
  double source_value = 0.0;  // (28) at F = R, for the gain
  int evaluations = 0;        // evaluations of (28)
  // converged: every descent ended at a fixed point or a cycle;
  // iteration_limit: stopped by max_evaluations or the run's limits.
  SolveStatus status = SolveStatus::converged;
};

// Minimises (28) over the auxiliary F. (28) jumps wherever the partition (26)
// changes, and for a fixed partition it is least when each cell's F,
// normalised, is the cell's optimal PMF; so from each start the search
// alternates between the partition (26) of F and the F made of that
// partition's optimal cells (each scaled by its source mass, or equally),
// while (28) falls. The starts: F = R, F ∝ R^(1/(1+γ)), the uniform F, and
// the optimal cells of the best partition local search finds. Every step is
// a discrete choice or an exact cell solve, so the result is stable under
// last-bit changes of the input; it never exceeds (28) at F = R.
FxOptimum optimise_fx(const Problem& problem, int max_evaluations = 20000);

// Improves a partition of the masses r (all > 0) into K cells, labels[a] in
// [0, K), by moving one symbol to another cell or swapping two symbols of
// different masses, while that lowers the total of the optimal cell costs
// (first improvement, each cell priced by the KKT solver). Stops after 100
// passes, 10^6 cell solves or 2·10^7 symbols solved, whichever comes first.
// Returns the final total.
double local_search(const std::vector<double>& r, std::size_t K, double gamma,
                    std::vector<int>& labels);

// The best of the scheme (26) for F = R and for the optimised F, and of the
// Lagrangian balancing, each improved by local_search: a valid code, an
// upper bound on d*.
Code heuristic_code(const Problem& problem);

}  // namespace focalrd
