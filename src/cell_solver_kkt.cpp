#include <cmath>

#include "detail/cell_solvers.hpp"
#include "detail/kkt.hpp"
#include "detail/small_buffer.hpp"
#include "focalrd/focal_loss.hpp"

namespace focalrd::detail {

CellSolution KktCellSolver::solve_positive(const double* r, std::size_t k, double gamma,
                                           double* p) const {
  SmallBuffer<double> q(k);
  const BudgetSolution kkt = solve_budget(r, k, gamma, 1.0, p, q.data());
  // Renormalise the last rounding errors away so that the reported PMF is
  // feasible; the objective is stationary here, so this moves it by O(ε²).
  double sum = 0.0;
  for (std::size_t a = 0; a < k; ++a) sum += p[a];
  for (std::size_t a = 0; a < k; ++a) p[a] /= sum;
  CellSolution out;
  out.cost = cell_distortion(r, p, k, gamma);
  out.evaluations = kkt.evaluations;
  out.status = kkt.converged ? SolveStatus::converged : SolveStatus::iteration_limit;
  return out;
}

}  // namespace focalrd::detail
