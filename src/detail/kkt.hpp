// The stationarity conditions of the focal loss, solved exactly. Shared by the
// KKT cell solver (budget 1) and the Lagrangian converse (budget M).
#pragma once

#include <cmath>
#include <cstddef>

#include "focalrd/focal_loss.hpp"

namespace focalrd::detail {

// Solves ℓ(s) = tau for the logit s of p (focal_loss.hpp), i.e. φ(p) = e^tau,
// for γ > 0, by Newton's method safeguarded with a bracket. On entry `s` is a
// starting guess (any finite value); on exit the root. p, q and the slope
// dℓ/ds at the root are returned through the pointers. Returns the number of
// evaluations of ℓ. With `tolerance` > 0 it stops once the Newton step is
// below it (an inexact solve, for the early iterations of an outer Newton
// iteration); with 0, at full precision.
int invert_log_phi(double tau, double gamma, double& s, double* p, double* q, double* slope,
                   LogitPoint* point = nullptr, double tolerance = 0.0);

// A starting guess for invert_log_phi from the two asymptotes of ℓ
// (ℓ ≈ -s for p -> 0 and ℓ ≈ ln(1 + γ) - γ s for p -> 1); the second form
// takes ln(1 + γ) from a caller that guesses often at one γ.
double log_phi_inverse_guess(double tau, double gamma);
double log_phi_inverse_guess(double tau, double gamma, double log1p_gamma);

struct BudgetSolution {
  double lambda = 0.0;    // the multiplier λ >= 0 (NaN with cost_only: only μ is kept)
  double mu = -HUGE_VAL;  // ln λ
  int evaluations = 0;    // evaluations of ℓ
  bool converged = true;
  std::size_t top = 0;  // for budget 1 (γ > 0, k >= 2): T, the first largest mass
};

// For k positive masses r and a budget B > 0, finds λ >= 0 and
//     p_a = argmin_{p ∈ (0, 1]} r_a (1-p)^γ ln(1/p) + λ p
// (so r_a φ(p_a) = λ, or p_a = 1 where r_a φ(1) >= λ) with Σ_a p_a = B;
// λ = 0 and every p_a = 1 when B >= k. Writes p and q = 1 - p (accurate for
// p near 1). Budget 1 gives the optimal PMF of a cell; budget M gives the
// Lagrangian dual bound on d*(M; γ). Warm starts, both optional: `mu_hint`, a
// guess of ln λ (e.g. from a neighbouring problem); with it, `logits` holds
// a starting logit per symbol on entry, and the solution's on exit. `log_r`,
// optional, holds ln r[a] where the caller has it already; `log_p` and
// `log_q`, optional, receive ln p and ln q of the solution. With `cost_only`
// the solution is exact to about 1e-12 in the logits, enough for the cost
// (stationary there) but not for p to the last bit.
BudgetSolution solve_budget(const double* r, std::size_t k, double gamma, double budget, double* p,
                            double* q, const double* mu_hint = nullptr, double* logits = nullptr,
                            const double* log_r = nullptr, double* log_p = nullptr,
                            double* log_q = nullptr, bool cost_only = false);

// The optimal PMF p of a cell of k >= 2 positive masses (budget 1; closed
// form at γ = 0), renormalised to sum 1, and its cost, eq. (8). With p null
// only the cost is wanted, and the solve stops earlier (solve_budget's
// cost_only): the cost is as exact, one Newton pass is saved.
struct CellOptimum {
  double cost = 0.0;
  double mu = 0.0;  // ln λ of the cell's stationarity condition
  int evaluations = 0;
  bool converged = true;
};
CellOptimum kkt_cell(const double* r, std::size_t k, double gamma, double* p,
                     const double* mu_hint = nullptr, double* logits = nullptr,
                     const double* log_r = nullptr);

// kkt_cell of two cells at once, the cost only (p null), with the same
// values as two calls: for γ > 0 and cells of two to four symbols with
// ln r given, the Newton iterations of both run in the two halves of one
// vector where the CPU has AVX-512 (a pass on one vector is bound by its
// chain of dependent operations, not by its width); otherwise, or for a
// cell that leaves that iteration, one call each.
struct CellRequest {
  const double* r;
  std::size_t k;
  const double* mu_hint;
  double* logits;
  const double* log_r;
};
void kkt_cell_pair(const CellRequest* cells, double gamma, CellOptimum* out);

// One symbol's term of the Lagrangian dual at multiplier θ = e^x:
// h = min over p in (0, 1] of r (1-p)^γ ln(1/p) + θ p, its minimiser p, and
// dp/dx. `s` carries the logit of p between calls as a warm start.
struct SymbolDual {
  double h = 0.0;
  double p = 0.0;
  double dp_dx = 0.0;
};
SymbolDual symbol_dual(double r, double log_r, double gamma, double x, double& s);

// symbol_dual for the m symbols idx[0..m) of the arrays r and log_r at once
// (γ > 0): Newton's method on ℓ(s_a) = x - ln r_a in every lane together, on
// the vector path of evaluate_logits; a lane still moving after a few
// iterations is finished by invert_log_phi. `s` (indexed by symbol) carries
// the logits between calls.
void symbol_duals(const double* r, const double* log_r, const int* idx, std::size_t m, double gamma,
                  double x, double* s, SymbolDual* out);

}  // namespace focalrd::detail
