// The stationarity conditions of the focal loss, solved exactly. Shared by the
// KKT cell solver (budget 1) and the Lagrangian converse (budget M).
#pragma once

#include <cstddef>

namespace focalrd::detail {

// Solves ℓ(s) = tau for the logit s of p (focal_loss.hpp), i.e. φ(p) = e^tau,
// for γ > 0, by Newton's method safeguarded with a bracket. On entry `s` is a
// starting guess (any finite value); on exit the root. p, q and the slope
// dℓ/ds at the root are returned through the pointers. Returns the number of
// evaluations of ℓ.
int invert_log_phi(double tau, double gamma, double& s, double* p, double* q, double* slope);

// A starting guess for invert_log_phi from the two asymptotes of ℓ
// (ℓ ≈ -s for p -> 0 and ℓ ≈ ln(1 + γ) - γ s for p -> 1).
double log_phi_inverse_guess(double tau, double gamma);

struct BudgetSolution {
  double lambda = 0.0;  // the multiplier λ >= 0
  int evaluations = 0;  // evaluations of ℓ
  bool converged = true;
};

// For k positive masses r and a budget B > 0, finds λ >= 0 and
//     p_a = argmin_{p ∈ (0, 1]} r_a (1-p)^γ ln(1/p) + λ p
// (so r_a φ(p_a) = λ, or p_a = 1 where r_a φ(1) >= λ) with Σ_a p_a = B;
// λ = 0 and every p_a = 1 when B >= k. Writes p and q = 1 - p (accurate for
// p near 1). Budget 1 gives the optimal PMF of a cell; budget M gives the
// Lagrangian dual bound on d*(M; γ).
BudgetSolution solve_budget(const double* r, std::size_t k, double gamma, double budget, double* p,
                            double* q);

}  // namespace focalrd::detail
