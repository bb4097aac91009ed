// Per-cell optimisation: the best reconstruction PMF for one message.
//
// A cell S (the symbols sent to one message) costs
//     c(S) = min over PMFs p on S of  Σ_{a∈S} r_a (1 - p_a)^γ ln(1/p_a),
// eq. (8) averaged over the cell. The PMF is taken supported on S: for γ >= 0
// the loss (1 - p)^γ ln(1/p) is non-increasing in p, so mass placed outside the
// cell could only be moved onto the cell's symbols without raising any term.
// The objective is strictly convex on the simplex (the loss has
// g''(p) = q^(γ-2) [γ(γ-1) p^2 L + 2γ p q + q^2] / p^2 > 0 for γ >= 0, using
// p L <= q when γ < 1), and g'(0+) = -inf keeps the optimum interior: every
// symbol with r_a > 0 gets p_a > 0, and r_a φ(p_a) = λ for one multiplier λ.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace focalrd {

enum class CellSolverType {
  kkt,    // exact: solves the stationarity conditions r_a φ(p_a) = λ (default)
  nlopt,  // NLopt L-BFGS on a softmax parametrisation of the simplex
};

std::string to_string(CellSolverType type);
// Throws std::invalid_argument listing the known names.
CellSolverType cell_solver_type_from_string(const std::string& name);
const std::vector<CellSolverType>& all_cell_solver_types();

enum class SolveStatus {
  converged,        // the solver's stopping test passed
  iteration_limit,  // stopped at its iteration or evaluation limit; best point returned
  failed,           // no usable point (the cost is then +inf)
};
std::string to_string(SolveStatus status);

struct CellSolution {
  double cost = 0.0;  // c(S), in nats
  SolveStatus status = SolveStatus::converged;
  int evaluations = 0;  // objective or stationarity-function evaluations
};

class CellSolver {
 public:
  virtual ~CellSolver() = default;

  // r: the masses R_X(a) of the cell's k symbols (>= 0, not normalised).
  // pmf_out (may be null): receives the optimal PMF on the cell, same order.
  // Handles the trivial cells itself (no positive mass, or one: p = 1 on it,
  // cost 0) and passes the others, reduced to their positive masses, to
  // solve_positive. Symbols with r_a = 0 get p_a = 0.
  CellSolution solve(const double* r, std::size_t k, double gamma, double* pmf_out) const;
  CellSolution solve(const std::vector<double>& r, double gamma, std::vector<double>* pmf) const;

  virtual CellSolverType type() const = 0;

  // Ceres-style factory: one line per solver.
  static std::unique_ptr<CellSolver> create(CellSolverType type);

 protected:
  // k >= 2 strictly positive masses, γ >= 0; pmf_out has room for k entries,
  // or is null where only the cost is wanted.
  virtual CellSolution solve_positive(const double* r, std::size_t k, double gamma,
                                      double* pmf_out) const = 0;
};

}  // namespace focalrd
