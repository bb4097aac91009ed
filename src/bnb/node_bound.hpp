// Branch-and-bound, part 2: the Lagrangian bound of a node.
//
// Every code's cell PMFs satisfy Σ_{a in cell j} p_a <= 1. Relaxing those
// constraints with multipliers λ_j >= 0 gives, for any λ, the lower bound
//   L(λ) = Σ_j [Σ_{a in C_j} h_a(λ_j) - λ_j] + Σ_{u unassigned} min_j h_u(λ_j),
// with h_a(λ) = min_{p in (0,1]} r_a (1-p)^γ ln(1/p) + λ p, increasing in λ.
// So each unassigned symbol takes the smallest λ_j, and with λ_j = max(λ*_j, θ)
// (λ*_j maximises the cell's own term, whose value there, D(C_j), is the
// cell's cost where strong duality holds and below it otherwise, CellValue)
//   Ψ(θ) = Σ_{j: λ*_j >= θ} D(C_j) + Σ_{j: λ*_j < θ} [Σ_{a in C_j} h_a(θ) - θ]
//          - (K - m) θ + Σ_u h_u(θ)
// is a lower bound for every θ >= 0 (K cells, m open), concave in θ; it is
// maximised by a safeguarded Newton iteration on Ψ'(θ) in ln θ. At the root it
// is the Lagrangian converse. Every θ gives a valid bound, so an iteration
// cut short (the run's limits are polled at every step) still certifies what
// it returns. At γ < 0 (beyond the paper) h_a is the global inner minimum
// (detail/negative_gamma.hpp), so weak duality, and with it Ψ, still holds.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bnb/instance.hpp"
#include "detail/control.hpp"
#include "detail/kkt.hpp"

namespace focalrd::bnb {

// One cell of a node: its sorted members and optimal value.
struct OpenCell {
  std::vector<int> members;
  CellValue value;
  // The optimal logit of each member: with value.mu, the warm start of the
  // next solve when a symbol joins (a function of the cell's history only,
  // so the search stays deterministic).
  std::vector<double> logits;
};

// The assignment of a node: the first `labels` symbols placed in `open` cells.
struct Partial {
  std::vector<OpenCell> cells;  // K entries, the first `open` in use
  std::size_t open = 0;
  std::vector<int> labels;  // cell of each sorted symbol, -1 if unassigned
  double cost = 0.0;        // Σ of the open cells' costs (monotone: completions cost more)
};

// What a child's bound gains over its parent's Ψ(θ) when symbol t joins a
// raised cell C (λ* < θ), without solving C ∪ {t}: the joined cell may take
// any λ = ρθ >= θ instead of θ (every multiplier stays >= θ, and h_u is
// increasing, so each unassigned symbol's min_j h_u(λ_j) is still at least
// its h_u(θ) of Ψ, and every other term is unchanged). By
// elasticity_bound, p_a(ρθ) >= p_a(θ) ρ^-c, and h_a' = p_a, so
//   h_a(ρθ) >= h_a(θ) + θ p_a(θ) (ρ^(1-c) - 1) / (1 - c);
// with S = Σ_{a in C ∪ {t}} p_a(θ) the cell's term rises by at least
//   θ max_ρ [S (ρ^(1-c) - 1) / (1 - c) - (ρ - 1)], at ρ = S^(1/c),
// which is positive when S > 1 (C ∪ {t} overflows its budget at θ).
double raised_join_gain(double S, double c, double theta);
// A cheaper lower bound on it, θ ε² / (2 c S) with ε = S - 1, from
// v^-c >= 1 - c (v - 1), without transcendentals; and an upper bound,
// θ ε² / 2 (the gain at c = 1, S ln S - S + 1 <= ε² / 2): where the first
// reaches a threshold or the second does not, the exact one is not needed.
double raised_join_gain_below(double S, double c, double theta);
double raised_join_gain_above(double S, double theta);

class NodeBound {
 public:
  // Ψ, Ψ'(θ) = g and dg/dx at x = ln θ for a node at depth t, and the next
  // symbol's terms (what every child changes).
  struct Point {
    double x = 0.0, theta = 1.0, value = 0.0, g = 0.0, dg = 0.0;  // theta = e^x
    double h_t = 0.0, p_t = 0.0, dp_t = 0.0;
    bool exact_next = false;  // symbol t is evaluated exactly (not in the tail)
  };

  NodeBound(const Instance& in, const Partial& node, const detail::Control& control);

  // Forgets every warm start: each search starts from the same state, so
  // its result does not depend on what the same object searched before.
  void reset(double x0);

  Point evaluate(std::size_t t, double x);

  // The child's point at the same x after symbol t joined cell j (whose
  // values before and after are given; `opened` for a new cell), in O(1):
  // t leaves the unassigned sum, a raised cell gains its terms, a cell still
  // above θ changes only its cost. Needs t evaluated exactly at the parent;
  // nothing when rounding contradicts the growth of λ (the child then
  // evaluates afresh). Updates the cell sums.
  std::optional<Point> child_point(const Point& pt, std::size_t j, bool opened,
                                   const CellValue& before, const CellValue& joined);

  // Ψ maximised over θ from `start` (or a fresh point at the last x), at
  // least `floor` (a bound known already); stops early once the bound
  // reaches `enough`, or when Newton's model promises a gain below
  // `negligible_rel` times the bound. Leaves last() at the final point.
  double maximise(std::size_t t, double floor, double enough, double negligible_rel,
                  const Point* start);

  // The next symbol's exact terms at the current point, if not evaluated.
  void complete_next(std::size_t t, Point& pt);
  // h_t at another multiplier λ = e^mu (for the O(1) child bounds).
  double h_at(std::size_t t, double mu);

  const Point& last() const { return point_; }
  // Symbol t's logit at the last multiplier it was evaluated at.
  double logit(std::size_t t) const { return s_cache_[t]; }
  double x() const { return x_; }
  void set_x(double x) { x_ = x; }

  // The per-cell sums of raised cells (a child restores its parent's).
  std::vector<double> cell_h, cell_p, cell_dp;

 private:
  // Symbol a's h, p and dp/dx at x = ln θ: symbol_dual, or at γ < 0 the
  // global inner minimum; `s` is the logit carried between calls.
  detail::SymbolDual dual_of(std::size_t a, double x);
  detail::SymbolDual dual_at(std::size_t a, double x, double& s) const;

  const Instance& in_;
  const Partial& node_;
  const detail::Control& control_;
  double x_ = 0.0;
  std::vector<double> s_cache_;  // each symbol's last logit, a warm start
  // Each symbol's terms at the last x they were evaluated at: children
  // mostly keep their parent's θ, and find the next symbol's terms there.
  void remember(std::size_t a, double x, const detail::SymbolDual& d) {
    memo_x_[a] = x;
    memo_[a] = d;
  }
  std::vector<double> memo_x_;
  std::vector<detail::SymbolDual> memo_;
  Point point_;
  std::vector<int> batch_;  // evaluate's symbols, and their terms
  std::vector<detail::SymbolDual> duals_;
};

}  // namespace focalrd::bnb
