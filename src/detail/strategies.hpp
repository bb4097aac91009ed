// The search strategies behind SearchStrategy::create, and what they share.
#pragma once

#include <optional>
#include <string>
#include <cmath>
#include <cstdint>
#include <vector>

#include "detail/control.hpp"
#include "focalrd/bounds.hpp"
#include "focalrd/search.hpp"

namespace focalrd::detail {

// Plain exhaustive enumeration: the simple reference the others are tested against.
class EnumerateSearch final : public SearchStrategy {
 public:
  SearchMethod method() const override { return SearchMethod::enumerate; }
  void check_feasible(const Problem& problem, const ExactOptions& options) const override;
  ExactResult search(const Problem& problem, const CellSolver& solver, const ExactOptions& options,
                     Control& control) const override;
};

// The cost of one cell solve per symbol, in subset-DP transitions (about
// 150 ns against 0.3 ns): auto's cost models weigh the tables with it.
constexpr double kCellSolvePerSymbol = 500.0;

// Subset dynamic programming over the cost c(S) of every subset S:
// D_c(T) = min over S ⊆ T with S ∋ min(T) of c(S) + D_{c-1}(T \ S).
class DpSearch final : public SearchStrategy {
 public:
  static constexpr std::size_t kMaxSymbols = 30;
  // Bytes of the cell table and the value tables of the levels for n symbols, k cells.
  static double table_bytes(std::size_t n, std::size_t k);
  // (state, cell) pairs the recursion evaluates.
  static double transitions(std::size_t n, std::size_t k);
  // The whole run in transitions: the recursion and the table's cells of at
  // most n - k + 1 symbols, each at kCellSolvePerSymbol per symbol.
  static double cost(std::size_t n, std::size_t k);

  SearchMethod method() const override { return SearchMethod::dp; }
  void check_feasible(const Problem& problem, const ExactOptions& options) const override;
  ExactResult search(const Problem& problem, const CellSolver& solver, const ExactOptions& options,
                     Control& control) const override;
};

// Dynamic programming over count vectors of the classes of equal mass
// (search_counts.cpp): the subset DP with interchangeable symbols merged, for
// sources with large tie classes such as i.i.d. blocks.
class CountsSearch final : public SearchStrategy {
 public:
  static constexpr double kMaxStates = 1e8, kMaxTransitions = 1e12;
  static constexpr std::size_t kMaxClasses = 26;  // 2^27 count vectors would exceed kMaxStates
  // What the search would cost for r's classes of equal mass and k cells:
  // count vectors Π (s_j + 1), an upper bound on the transitions (the cell
  // table's states included), the bytes of the cell table and the k - 2
  // levels, and the time in units of subset-DP transitions. Only `classes`
  // is set (kMaxClasses + 1) when there are more classes than kMaxClasses.
  struct Estimate {
    std::size_t classes = 0;
    double states = HUGE_VAL, transitions = HUGE_VAL, bytes = HUGE_VAL, cost = HUGE_VAL;
  };
  static Estimate estimate(const std::vector<double>& r, std::size_t k);

  SearchMethod method() const override { return SearchMethod::counts; }
  void check_feasible(const Problem& problem, const ExactOptions& options) const override;
  ExactResult search(const Problem& problem, const CellSolver& solver, const ExactOptions& options,
                     Control& control) const override;
};

// solve_exact and evaluate_bounds with the control of an enclosing call (a
// bounds evaluation, a sweep).
ExactResult solve_exact(const Problem& problem, const ExactOptions& options, Control& control);
BoundsResult evaluate_bounds(const Problem& problem, const BoundsOptions& options,
                             Control& control);

// The result of a search stopped before it has certified anything of its
// own: the better of `blocks` (its best partition so far; may be empty) and
// the heuristic code, with the Lagrangian converse as the certified lower
// bound, and the control's reason as the status.
ExactResult stopped_result(const Problem& problem, const CellSolver& solver, const Control& control,
                           const std::vector<std::uint64_t>& blocks);

// -1 < γ < 0: why some cell's optimum lies beyond doubles (its heaviest
// symbol's 1 - p below 1e-250), or nothing. Then no γ < 0 cell is certified.
std::optional<std::string> negative_gamma_unrepresentable(const Problem& problem);

// The code whose cells are the given blocks (symbol lists, or bit masks over
// the alphabet), each with its optimal PMF from `solver`; records the worst
// solver status.
Code make_code(const Problem& problem, const std::vector<std::vector<std::size_t>>& blocks,
               const CellSolver& solver, SolveStatus* worst);
Code make_code(const Problem& problem, const std::vector<std::uint64_t>& blocks,
               const CellSolver& solver, SolveStatus* worst);

// Branch-and-bound over the assignment of symbols (by decreasing mass) to
// cells, with Lagrangian bounds, a heuristic incumbent and a certified gap.
class BnbSearch final : public SearchStrategy {
 public:
  SearchMethod method() const override { return SearchMethod::bnb; }
  void check_feasible(const Problem& problem, const ExactOptions& options) const override;
  ExactResult search(const Problem& problem, const CellSolver& solver, const ExactOptions& options,
                     Control& control) const override;
};

}  // namespace focalrd::detail
