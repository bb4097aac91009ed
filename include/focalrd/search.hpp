// The exact single-shot optimum d*(M; γ) of eq. (5): a search over the
// partitions of the alphabet into min(M, n) cells, each cell priced by a
// CellSolver. Strategies share one interface and a factory.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "focalrd/cell_solver.hpp"
#include "focalrd/control.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/result.hpp"

namespace focalrd {

namespace detail {
struct WaveTasks;  // the searches of one branch-and-bound wave (src/bnb/wave.hpp)
class Control;
}

enum class SearchMethod {
  automatic,  // "auto": the fastest strategy that accepts the instance
  enumerate,  // every partition into exactly min(M, n) blocks, once each
  dp,         // subset dynamic programming over a table of all cell costs
  bnb,        // branch-and-bound with Lagrangian bounds and a certified gap
  counts,     // DP over count vectors of the classes of equal mass (i.i.d. blocks)
};

std::string to_string(SearchMethod method);
// Throws std::invalid_argument listing the known names.
SearchMethod search_method_from_string(const std::string& name);
const std::vector<SearchMethod>& all_search_methods();

struct ExactOptions {
  SearchMethod method = SearchMethod::automatic;
  CellSolverType cell_solver = CellSolverType::kkt;
  int threads = 0;  // OpenMP threads; 0 means all available
  // Enumeration refuses instances with more partitions than this (S(n, M)),
  // unless forced: about 20 s at the 1e8 partitions/s measured on 2 cores.
  double max_partitions = 2e9;
  bool force = false;
  // Memory allowed for tables of cell costs and DP values (bytes).
  double memory_budget_bytes = 2.0 * 1024 * 1024 * 1024;
  // Branch-and-bound stops when the certified interval [lower, upper] has
  // upper - lower <= rel_gap * upper. 1e-12: two certified runs then agree to
  // 1e-12 whatever the machine (with 1e-9 a search may stop at any code
  // within 1e-9 of the optimum, and one ulp of the input can pick another);
  // on the hardest instances it costs no more nodes than 1e-9.
  double rel_gap = 1e-12;
  // Time (the whole call, every phase and strategy), nodes (branch-and-bound),
  // the cancellation flag and progress. A search stopped by any of them
  // returns the best code found and a certified interval, with its status.
  Limits limits;
  // Branch-and-bound checkpoints (a versioned JSON file, written atomically
  // at the end of a wave at most every checkpoint_seconds, and when the
  // search stops): resume_path continues such a search where it stopped.
  std::string checkpoint_path;
  double checkpoint_seconds = 60.0;
  std::string resume_path;
  // Where branch-and-bound runs the searches of a wave (bnb/wave.hpp): on
  // this process's threads when empty; a run over MPI ranks (cli/mpi.hpp)
  // hands them to other ranks. A search's result depends on its task alone,
  // so the value, the code and the node count are the same either way.
  std::function<void(detail::WaveTasks&)> wave_runner;

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

  // The optimum over partitions into exactly problem.cells() < n blocks, or,
  // when `control` stops it, the best code found and a certified interval.
  virtual ExactResult search(const Problem& problem, const CellSolver& solver,
                             const ExactOptions& options, detail::Control& control) const = 0;

  static std::unique_ptr<SearchStrategy> create(SearchMethod method);
};

// The strategy "auto" picks for a problem: enumeration when it is cheap, the
// DP when its tables fit the memory budget and its O(3^n) work is moderate,
// branch-and-bound otherwise.
SearchMethod choose_method(const Problem& problem, const ExactOptions& options);

// Throws std::invalid_argument, as solve_exact would before any work, when the
// instance is beyond the chosen strategy (auto resolved by choose_method).
void check_exact_feasible(const Problem& problem, const ExactOptions& options);

// d*(M; γ) with its optimal code: validates the options, settles M >= n in
// closed form (each symbol its own message, distortion 0, Theorem 2), and
// otherwise runs the chosen strategy. Throws invalid_input for bad options,
// too_large for an instance beyond the strategy. Whatever stops it, the
// result holds a valid code and a certified interval [lower_bound, value].
ExactResult solve_exact(const Problem& problem, const ExactOptions& options = {});

}  // namespace focalrd
