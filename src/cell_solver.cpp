#include "focalrd/cell_solver.hpp"

#include <limits>
#include <stdexcept>

#include "detail/cell_solvers.hpp"
#include "detail/names.hpp"
#include "detail/small_buffer.hpp"
#include "focalrd/errors.hpp"

namespace focalrd {

const std::vector<CellSolverType>& all_cell_solver_types() {
  static const std::vector<CellSolverType> all{CellSolverType::kkt, CellSolverType::nlopt};
  return all;
}

std::string to_string(CellSolverType type) {
  switch (type) {
    case CellSolverType::kkt:
      return "kkt";
    case CellSolverType::nlopt:
      return "nlopt";
  }
  return "?";
}

CellSolverType cell_solver_type_from_string(const std::string& name) {
  return detail::from_name(name, all_cell_solver_types(), "cell solver");
}

std::string to_string(SolveStatus status) {
  switch (status) {
    case SolveStatus::converged:
      return "converged";
    case SolveStatus::iteration_limit:
      return "iteration limit";
    case SolveStatus::failed:
      return "failed";
  }
  return "?";
}

std::unique_ptr<CellSolver> CellSolver::create(CellSolverType type) {
  switch (type) {
    case CellSolverType::kkt:
      return std::make_unique<detail::KktCellSolver>();
    case CellSolverType::nlopt:
      return std::make_unique<detail::NloptCellSolver>();
  }
  throw internal_error("unknown cell solver type");
}

CellSolution CellSolver::solve(const double* r, std::size_t k, double gamma,
                               double* pmf_out) const {
  // Reduce to the symbols of positive mass: the others get p = 0 and cost 0.
  detail::SmallBuffer<double> pos_r(k), pos_p(k);
  detail::SmallBuffer<std::size_t> index(k);
  std::size_t m = 0;
  for (std::size_t a = 0; a < k; ++a) {
    if (pmf_out) pmf_out[a] = 0.0;
    if (r[a] > 0.0) {
      pos_r[m] = r[a];
      index[m++] = a;
    }
  }
  if (m == 0 || (m == 1 && gamma >= 0.0)) {
    if (m == 1 && pmf_out) pmf_out[index[0]] = 1.0;
    return CellSolution{};  // a single symbol is reconstructed exactly: cost 0
  }
  // (For γ < 0 a single symbol costs its loss's least value: solve_positive.)
  const CellSolution out = solve_positive(pos_r.data(), m, gamma, pmf_out ? pos_p.data() : nullptr);
  if (pmf_out)
    for (std::size_t i = 0; i < m; ++i) pmf_out[index[i]] = pos_p[i];
  return out;
}

CellSolution CellSolver::solve(const std::vector<double>& r, double gamma,
                               std::vector<double>* pmf) const {
  if (pmf) pmf->assign(r.size(), 0.0);
  return solve(r.data(), r.size(), gamma, pmf ? pmf->data() : nullptr);
}

}  // namespace focalrd
