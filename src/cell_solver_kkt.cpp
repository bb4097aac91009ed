#include "detail/cell_solvers.hpp"
#include "detail/kkt.hpp"

namespace focalrd::detail {

CellSolution KktCellSolver::solve_positive(const double* r, std::size_t k, double gamma,
                                           double* p) const {
  const CellOptimum kkt = kkt_cell(r, k, gamma, p);
  CellSolution out;
  out.cost = kkt.cost;
  out.evaluations = kkt.evaluations;
  out.status = kkt.converged ? SolveStatus::converged : SolveStatus::iteration_limit;
  return out;
}

}  // namespace focalrd::detail
