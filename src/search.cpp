#include "focalrd/search.hpp"

#include <stdexcept>

#include "detail/cell_table.hpp"
#include "detail/format.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"

namespace focalrd {

const std::vector<SearchMethod>& all_search_methods() {
  static const std::vector<SearchMethod> all{SearchMethod::enumerate};
  return all;
}

std::string to_string(SearchMethod method) {
  switch (method) {
    case SearchMethod::enumerate:
      return "enumerate";
  }
  return "?";
}

SearchMethod search_method_from_string(const std::string& name) {
  std::string known;
  for (SearchMethod m : all_search_methods()) {
    if (to_string(m) == name) return m;
    known += (known.empty() ? "" : ", ") + to_string(m);
  }
  throw std::invalid_argument("search method '" + name + "' is not known; use one of " + known);
}

void ExactOptions::validate() const {
  if (threads < 0)
    throw std::invalid_argument("threads is " + std::to_string(threads) +
                                "; violated constraint: threads >= 0 (0 means all)");
  if (!(max_partitions >= 1.0))
    throw std::invalid_argument("max partitions is " + detail::fmt(max_partitions) +
                                "; violated constraint: max partitions >= 1");
  if (!(memory_budget_bytes > 0.0))
    throw std::invalid_argument("memory budget is " + detail::fmt(memory_budget_bytes) +
                                " bytes; violated constraint: memory budget > 0");
}

std::unique_ptr<SearchStrategy> SearchStrategy::create(SearchMethod method) {
  switch (method) {
    case SearchMethod::enumerate:
      return std::make_unique<detail::EnumerateSearch>();
  }
  throw std::invalid_argument("unknown search method");
}

namespace detail {

Code make_code(const Problem& problem, const std::vector<std::uint64_t>& blocks,
               const CellSolver& solver, SolveStatus* worst) {
  const std::vector<double>& r = problem.pmf();
  Code code;
  for (std::uint64_t mask : blocks) {
    Cell cell;
    std::vector<double> masses;
    for (std::size_t a = 0; a < r.size(); ++a)
      if (mask >> a & 1) {
        cell.symbols.push_back(a);
        masses.push_back(r[a]);
      }
    const CellSolution s = solver.solve(masses, problem.gamma(), &cell.pmf);
    cell.distortion = s.cost;
    if (worst) *worst = detail::worse(*worst, s.status);
    code.cells.push_back(std::move(cell));
  }
  return code;
}

}  // namespace detail

ExactResult solve_exact(const Problem& problem, const ExactOptions& options) {
  options.validate();
  const detail::Stopwatch clock;
  const std::size_t n = problem.size();
  ExactResult result;
  if (problem.messages() >= n) {
    // Theorem 2: each symbol its own message and a point mass, distortion 0.
    for (std::size_t a = 0; a < n; ++a) result.code.cells.push_back(Cell{{a}, {1.0}, 0.0});
    result.method = "closed form (M >= n)";
    result.stats.partitions = 1;
  } else {
    const auto strategy = SearchStrategy::create(options.method);
    strategy->check_feasible(problem, options);
    const auto solver = CellSolver::create(options.cell_solver);
    result = strategy->search(problem, *solver, options);
  }
  result.n = n;
  result.M = problem.messages();
  result.gamma = problem.gamma();
  result.cell_solver = options.cell_solver;
  result.stats.wall_seconds = clock.seconds();
  return result;
}

}  // namespace focalrd
