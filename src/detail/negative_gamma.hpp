// Cells for γ < 0, the paper's last open direction ("the focal term prevents
// soft values from approaching one"). With β = -γ > 0 the loss of a symbol
// decoded with probability p is g(p) = (1-p)^(-β) ln(1/p) (nats), and:
//   - β > 1: g is strictly convex, infinite at both ends, least at the p*
//     with β ln(1/p*) = (1-p*)/p*;
//   - β = 1: g = ln(1/p)/(1-p) is convex and falls to 1 as p -> 1;
//   - 0 < β < 1: g falls to 0 at p = 1, convex on (0, p_i] and concave on
//     [p_i, 1), with one inflection p_i > 1/2 (0.74 to 0.96; a test checks
//     the sign of g'' on a grid).
// (g'' = q^(-β-2) [(β+1)(β L - q/p) + q (1 - β p)/p²], q = 1-p, L = ln(1/p).)
// The decoder's PMF for a message may put mass on symbols outside its cell,
// where it costs nothing, so a cell S solves
//     min Σ_{a∈S} r_a g(p_a)  over p >= 0 with Σ_{a∈S} p_a <= 1,
// with equality only when S is the whole alphabet (`slack` false). This is
// separable with one budget but not convex for β < 1. Its global optimum:
//   - β >= 1: a convex problem, solved by its KKT conditions
//     r_a g'(p_a) = -λ (p_a = p* each, λ = 0, where k p* <= 1 and slack);
//   - β < 1: g decreases, so Σ p = 1. At most one coordinate lies in the
//     concave part (p > p_i > 1/2), and if one does it is a heaviest symbol
//     b (exchanging the p of two symbols lowers the cost unless the heavier
//     has the larger p). So the optimum is the better of (A) the convex
//     problem with every p_a <= p_i, when its solution has no p_a at p_i
//     (otherwise (B) covers it), and (B) min over q = 1 - p_b in (0, 1 - p_i]
//     of F(q) = r_b g(1-q) + V(q), V(q) the convex problem of the others with
//     budget q (each of them <= q < 1/2 < p_i). F is concave plus convex: on
//     [q1, q2] the concave part lies above its chord and V above its tangent
//     at q2 (V' = -λ(q2)), so F >= min of that line at the two ends, a lower
//     bound within O((q2-q1)²). A branch-and-bound over q with it closes to
//     the relative gap 1e-14: the cost is the global optimum to that.
#pragma once

#include <cstddef>

namespace focalrd::detail {

struct NegativeCell {
  double cost = 0.0;      // nats
  bool converged = true;  // false: an iteration limit was hit (cost is an upper bound)
  int evaluations = 0;    // evaluations of g' over all symbols
  // β >= 1 or k = 1: the budget's multiplier λ (the cell is convex, so it
  // is the dual optimum and strong duality holds); NaN otherwise.
  double lambda = 0.0;
};

// k >= 1 positive masses r, -10 <= γ < 0, p (may be null) receives the PMF on
// the cell. With `slack` false the cell is the whole alphabet (Σ p = 1);
// then k = 1 with γ < -1 has no finite cost (+inf). `lambda_hint` > 0 is a
// multiplier near the optimum's (β >= 1: a warm start, e.g. the cell's before
// a symbol joined; the optimum is the same to the iteration's tolerance).
NegativeCell negative_gamma_cell(const double* r, std::size_t k, double gamma, bool slack,
                                 double* p, double lambda_hint = 0.0);

// The Lagrangian converse at γ < 0 (bounds.hpp) for k positive masses r and
// M messages, in nats. A code's cell PMFs satisfy Σ_{a in cell} p_a <= 1
// (mass outside the cell is allowed and costs nothing), so Σ_a p_a <= M, and
// by weak duality d* >= L(λ) = Σ_a min_{p in [0,1]} [r_a g(p) + λ p] - λ M for
// every λ >= 0, provided each inner minimum is global. It is: for β >= 1 g is
// convex (one stationary point, or p = 1 at β = 1); for β < 1 the inner
// function is convex on [0, p_i] and concave on [p_i, 1], so its minimum is
// the convex part's (capped at p_i) or the value λ at p = 1 (g(1) = 0). L is
// concave; its maximum is where the supergradient Σ_a p_a(λ) - M changes
// sign, found by bisection (both ends of the last bracket are valid bounds;
// the larger is returned). Any M; at M >= k it is Σ_a r_a min g, exact.
double negative_gamma_lagrangian(const double* r, std::size_t k, double gamma, double M);

// The Lagrangian's maximum as above and a λ where it is attained. With M = 1
// and the cell's masses it is the cell's dual optimum, at most its cost
// (branch-and-bound's bound of an open cell, bnb/instance.hpp).
struct NegativeDual {
  double value = 0.0;   // max(0, L(λ)), nats
  double lambda = 0.0;  // its λ >= 0
};
NegativeDual negative_gamma_dual(const double* r, std::size_t k, double gamma, double M);

// One symbol's inner minimum: min over p in (0, 1] of r g(p) + λ p (global,
// as above) at λ >= 0, its minimiser p (and q = 1 - p) and dp/d ln λ (0 where
// p is at the cap or at 1). `cap` is negative_gamma_cap(β); `s` holds a
// starting logit (not finite: none) and receives p's.
struct NegativeInner {
  double loss = 0.0;  // r g(p)
  double p = 1.0, q = 0.0, dp_dx = 0.0;
};
NegativeInner negative_gamma_inner(double r, double beta, double cap, double lambda, double& s);

// The logit of the inflection p_i (β < 1), where the convex part ends; +inf for β >= 1.
double negative_gamma_cap(double beta);

// g(p) for β = -γ > 0 from p's logit s (accurate for p near 0 and near 1).
double negative_gamma_loss(double s, double beta);

// The minimiser p* of g (β > 1) and the inflection p_i (0 < β < 1).
double negative_gamma_minimiser(double beta);
double negative_gamma_inflection(double beta);

}  // namespace focalrd::detail
