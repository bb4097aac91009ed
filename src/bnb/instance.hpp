// Branch-and-bound, part 1: the instance as the search sees it, and its cells.
//
// Symbols of positive mass are taken in decreasing mass (ties in index order);
// a node assigns the first t of them to cells, labelled in order of opening.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "focalrd/problem.hpp"

namespace focalrd::bnb {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Instance {
  std::size_t n = 0;  // positive symbols
  std::size_t K = 0;  // cells: min(M, n)
  double gamma = 0.0;
  double log1p_gamma = 0.0;  // ln(1 + γ), for start guesses (γ > -1)
  double elasticity = HUGE_VAL;  // elasticity_bound(γ) (γ >= 0), for child bounds
  std::vector<double> r, log_r;
  std::vector<std::size_t> symbol;  // original index of each sorted position
  std::vector<char> tied;           // r[t] == r[t-1]
  // The tail: symbols from `tail` on are so light that the bound takes them
  // in closed form (tail_bound) and a node reaching it may be completed
  // greedily. mass[t] = Σ_{u>=t} r_u, entropy[t] = -Σ_{u>=t} r_u ln r_u.
  std::size_t tail = 0;
  std::vector<double> mass, entropy;
  // γ < 0 (beyond the paper, detail/negative_gamma.hpp): a symbol alone
  // costs r_u min g > 0 at γ <= -1, and singles[t] = Σ_{u>=t} of those (0 for
  // γ >= 0); `cap` is negative_gamma_cap(-γ); `whole` says the positive
  // symbols are the whole alphabet, so a cell of all of them must spend its
  // budget exactly.
  std::vector<double> singles;
  double cap = 0.0;
  bool whole = false;
};

Instance make_instance(const Problem& problem);

// The tail starts where dropping it from the exact bound costs at most a
// thousandth of the gap asked for (relative to `upper`); no gap, no tail.
void set_tail(Instance& in, double rel_gap, double upper);
// Fixes the tail at position `tail` (from a checkpoint).
void set_tail_at(Instance& in, std::size_t tail);

// A lower bound on Σ_{u>=t} h_u(θ), x = ln θ, in closed form (instance.cpp).
double tail_bound(const Instance& in, std::size_t t, double x);

// The cost and multiplier of a cell of sorted symbols.
struct CellValue {
  double cost = 0.0;
  double mu = -kInf;  // ln λ*; -inf for one symbol (cost 0 for any λ <= r)
  // The cell's dual optimum, Σ_a h_a(λ*) - λ*, which the node bound uses:
  // the cost where strong duality holds (γ >= 0 and γ <= -1), below it for
  // -1 < γ < 0 (a non-convex cell).
  double dual = 0.0;
};

// The optimal cell of `members` (sorted positions); `mu_hint` and `logits`
// (one per member) warm-start the KKT solver, `logits` returns the solution's
// (γ >= 0; at γ < 0 the global solver of detail/negative_gamma.hpp, cold).
CellValue solve_cell(const Instance& in, const std::vector<int>& members, const double* mu_hint,
                     std::uint64_t& solves, double* logits = nullptr);

// The original alphabet's code for sorted-position labels (cells in order of
// opening); zero-mass symbols join cell 0.
std::vector<std::vector<std::size_t>> blocks_of(const Instance& in, const Problem& problem,
                                                const std::vector<int>& labels);

// Labels renumbered in order of first appearance (the search's convention).
std::vector<int> canonical(std::vector<int> labels);

}  // namespace focalrd::bnb
