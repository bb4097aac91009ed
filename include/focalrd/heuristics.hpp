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

struct FxOptimum {
  std::vector<double> F;      // the best F found
  double value = 0.0;         // (28) at F
  double source_value = 0.0;  // (28) at F = R, for the gain
  int evaluations = 0;
  SolveStatus status = SolveStatus::converged;
};

// Minimises (28) over F with NLopt's Subplex (LN_SBPLX), F = softmax(θ) on the
// support of R. (28) is only piecewise smooth in F, and jumps where the
// partition (26) changes, so a gradient method would be misled; Subplex, a
// Nelder-Mead variant on low-dimensional subspaces, needs no derivatives,
// tolerates the jumps, and scales to a hundred variables better than plain
// Nelder-Mead. It is started from F = R, from F ∝ R^(1/(1+γ)) and from the
// uniform F; the best is kept, so the result never exceeds (28) at F = R.
FxOptimum optimise_fx(const Problem& problem, int max_evaluations = 20000);

// Improves a partition of the masses r (all > 0) into K cells, labels[a] in
// [0, K), by moving one symbol to another cell or swapping two symbols of
// different masses, while that lowers the total of the optimal cell costs
// (first improvement, each cell priced by the KKT solver). Stops after 100
// passes or 10^6 cell solves, whichever comes first. Returns the final total.
double local_search(const std::vector<double>& r, std::size_t K, double gamma,
                    std::vector<int>& labels);

// The best of the scheme (26) for F = R and for the optimised F, each
// improved by local_search: a valid code, an upper bound on d*.
Code heuristic_code(const Problem& problem);

}  // namespace focalrd
