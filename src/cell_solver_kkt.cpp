#include "detail/cell_solvers.hpp"
#include "detail/kkt.hpp"
#include "detail/negative_gamma.hpp"

namespace focalrd::detail {

CellSolution KktCellSolver::solve_positive(const double* r, std::size_t k, double gamma,
                                           double* p) const {
  CellSolution out;
  if (gamma < 0.0) {  // beyond the paper: the global optimum of a non-convex cell
    const NegativeCell cell = negative_gamma_cell(r, k, gamma, true, p);
    out.cost = cell.cost;
    out.evaluations = cell.evaluations;
    out.status = cell.converged ? SolveStatus::converged : SolveStatus::iteration_limit;
    return out;
  }
  const CellOptimum kkt = kkt_cell(r, k, gamma, p);
  out.cost = kkt.cost;
  out.evaluations = kkt.evaluations;
  out.status = kkt.converged ? SolveStatus::converged : SolveStatus::iteration_limit;
  return out;
}

}  // namespace focalrd::detail
