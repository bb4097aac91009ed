// The exact single-shot optimum d*(M; γ) of eq. (5): a search over the
// partitions of the alphabet into min(M, n) cells, each cell priced by a
// CellSolver. Strategies share one interface and a factory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "focalrd/cell_solver.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/result.hpp"

namespace focalrd {

enum class SearchMethod {
  enumerate,  // every partition into exactly min(M, n) blocks, once each
};

std::string to_string(SearchMethod method);
// Throws std::invalid_argument listing the known names.
SearchMethod search_method_from_string(const std::string& name);
const std::vector<SearchMethod>& all_search_methods();

struct ExactOptions {
  SearchMethod method = SearchMethod::enumerate;
  CellSolverType cell_solver = CellSolverType::kkt;
  int threads = 0;  // OpenMP threads; 0 means all available
  // Enumeration refuses instances with more partitions than this (S(n, M)),
  // unless forced: about 20 s at the 1e8 partitions/s measured on 2 cores.
  double max_partitions = 2e9;
  bool force = false;
  // Memory allowed for tables of cell costs (8 bytes per subset of the alphabet).
  double memory_budget_bytes = 2.0 * 1024 * 1024 * 1024;

  // Throws std::invalid_argument naming the violated constraint.
  void validate() const;
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  virtual SearchMethod method() const = 0;

  // Throws std::invalid_argument when the problem is beyond this strategy's
  // limits, saying how much work it would be and what to use instead.
  virtual void check_feasible(const Problem& problem, const ExactOptions& options) const = 0;

  // The optimum over partitions into exactly problem.cells() < n blocks.
  virtual ExactResult search(const Problem& problem, const CellSolver& solver,
                             const ExactOptions& options) const = 0;

  static std::unique_ptr<SearchStrategy> create(SearchMethod method);
};

// d*(M; γ) with its optimal code: validates the options, settles M >= n in
// closed form (each symbol its own message, distortion 0, Theorem 2), and
// otherwise runs the chosen strategy. Throws std::invalid_argument for bad
// options or an instance too large for the strategy.
ExactResult solve_exact(const Problem& problem, const ExactOptions& options = {});

}  // namespace focalrd
