// The concrete per-cell solvers behind CellSolver::create.
#pragma once

#include "focalrd/cell_solver.hpp"

namespace focalrd::detail {

// Exact: the stationarity conditions r_a φ(p_a) = λ, Σ p_a = 1, solved by a
// safeguarded Newton iteration in the multiplier with nested Newton
// iterations in each symbol's logit (detail/kkt.hpp); closed form at γ = 0;
// for γ < 0 the global optimum of detail/negative_gamma.hpp (the cell's PMF
// may leave mass outside it).
class KktCellSolver final : public CellSolver {
 public:
  CellSolverType type() const override { return CellSolverType::kkt; }

 protected:
  CellSolution solve_positive(const double* r, std::size_t k, double gamma,
                              double* pmf_out) const override;
};

// NLopt: p = softmax(y) with the largest-mass symbol pinned at y = 0, which
// makes the problem unconstrained in k - 1 variables; L-BFGS with the exact
// gradient. Any stationary point in y is the global optimum, since softmax
// maps onto the open simplex where the objective is strictly convex. What
// makes it converge on extreme cells (masses from 1e-15 to 1, γ up to 50):
// a tempered start p ∝ r^(1/(1+γ)), a diagonal preconditioner from the exact
// Hessian diagonal, and restarts that rescale the objective to unit size
// (cell_solver_nlopt.cpp).
class NloptCellSolver final : public CellSolver {
 public:
  CellSolverType type() const override { return CellSolverType::nlopt; }

 protected:
  CellSolution solve_positive(const double* r, std::size_t k, double gamma,
                              double* pmf_out) const override;
};

}  // namespace focalrd::detail
