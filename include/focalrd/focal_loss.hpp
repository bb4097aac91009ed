// Focal-loss primitives of the paper (no I/O). All values are in nats.
//
// Notation: a reconstruction assigns mass p to the true symbol; q = 1 - p is
// passed alongside p wherever the caller can compute it without cancellation
// (for the most likely symbol of a cell, as the sum of the other masses).
#pragma once

#include <cstddef>
#include <vector>

namespace focalrd {

// eq. (8): d(x; P) = (1 - P(x))^γ ln(1/P(x)), with p = P(x), q = 1 - p.
// Returns +inf at p = 0 (the caller decides what a zero-probability symbol costs).
// For γ < 0 (beyond the paper, detail/negative_gamma.hpp) the value at p = 1 is
// the limit: 0 for -1 < γ < 0, 1 nat at γ = -1, +inf for γ < -1.
double focal_loss(double p, double q, double gamma) noexcept;
inline double focal_loss(double p, double gamma) noexcept { return focal_loss(p, 1.0 - p, gamma); }

// r · d(x; P) of eq. (8) for a symbol of mass r: 0 when r = 0, +inf when r > 0
// and p = 0. A product below the normal range (large γ or tiny masses) is
// computed as one exponential and rounded once, so that it underflows to 0
// only when that is its nearest double.
double weighted_loss(double r, double p, double q, double gamma) noexcept;

// φ(p) = -d/dp of eq. (8): a cell's optimal PMF satisfies r_a φ(p_a) = λ.
// φ is positive and strictly decreasing on (0, 1) for γ >= 0 (the loss is
// strictly convex, see cell_solver.hpp), with φ(0+) = +inf and φ(1) = [γ = 0].
double focal_phi(double p, double q, double gamma) noexcept;

// The stationarity condition in the logit variable s = ln(p / q):
// ℓ(s) = ln φ(p(s)) = γ ln q + log1p(γ p L / q) + L, with L = ln(1/p).
// ℓ is strictly decreasing, with slope -1 as s -> -inf and -γ as s -> +inf,
// which is what makes Newton's method in s well behaved at both ends.
struct LogitPoint {
  double p;      // e^s / (1 + e^s)
  double q;      // 1 / (1 + e^s), computed without cancellation
  double log_p;  // ln p, always finite for finite s
  double log_q;  // ln q
};
LogitPoint logit_point(double s) noexcept;

struct LogPhi {
  double value;  // ℓ(s)
  double slope;  // dℓ/ds < 0
};
LogPhi log_phi(const LogitPoint& x, double gamma) noexcept;
// The same, with d²ℓ/ds² (the KKT solver's corrected Newton steps).
LogPhi log_phi(const LogitPoint& x, double gamma, double& curvature) noexcept;

// An upper bound c >= 1 on how fast the optimal mass can fall as the
// multiplier grows: along r φ(p) = λ (γ >= 0), |d ln p / d ln λ| = q / |ℓ'(s)|
// <= c, so p(λ') >= p(λ) (λ / λ')^c for every λ' >= λ. q/|ℓ'| is 1 at γ = 0
// and tends to 1 at both ends; its maximum (1.05 at γ = 1, 1.18 at γ = 10,
// 1.56 at γ = 1000, near p = 0.2/γ) is found by a scan in s and a golden-
// section refinement, then raised by 1e-6 relative (γ > 0). +inf where no finite
// bound is found (γ < 0, or beyond the doubles' range).
double elasticity_bound(double gamma);

// Expected distortion of one cell: Σ_a r_a d(a; p), eq. (8) weighted by the
// source masses r of the cell's symbols. p is the cell's reconstruction PMF
// (restricted to the cell, same order as r). The complement 1 - p_a of the
// most likely symbol is computed as the sum of the other masses, so a cell
// with one dominant symbol is evaluated without cancellation (the PMF read
// as a full PMF on the cell: its largest entry is 1 minus the others). So
// for -1 <= γ < 0 too, where the loss decreases and mass left outside the
// cell never helps; there, near p = 1, it goes as (1-p)^(1-β) and the
// optimum's 1 - p can be 1e-14, which 1 - p in doubles would miss by 1e-2
// relative. For γ < -1, where the PMF may leave mass outside the cell (each
// p_a is then at most the loss's minimiser), as 1 - p_a. Symbols with
// r_a = 0 cost nothing (0 · ln(1/0) := 0); r_a > 0 with p_a = 0 gives +inf.
double cell_distortion(const double* r, const double* p, std::size_t k, double gamma) noexcept;

// Shannon entropy H(R) = Σ R ln(1/R) (0 ln 0 := 0).
double entropy(const std::vector<double>& r) noexcept;

// eq. (11): H_γ(P) = ln Σ_x P(x)^((1 - P(x))^γ).
double focal_entropy(const std::vector<double>& p, double gamma) noexcept;

// The objective of eq. (15) for one d, before the logarithm:
// (1 - q)^(q^γ) + d (q/d)^((1 - q/d)^γ), q in [0, 1].
double h_gamma_objective(double q, double d, double gamma) noexcept;
// The same minus 1, to full relative precision even for tiny γ (h_γ = ln(1 + it)).
double h_gamma_excess(double q, double d, double gamma) noexcept;

// eq. (15): h_γ(n) = max over d in [1, n-1] and q in [0, 1] of
// ln((1 - q)^(q^γ) + d (q/d)^((1 - q/d)^γ)), the largest H_γ of eq. (11) over
// PMFs on n symbols (Proposition 2). n >= 1 (h_γ(1) = 0). The inner problem in
// q is not always unimodal: each d is bracketed on a 400-point grid and every
// local maximum refined by golden-section search, so the value is stable to
// about 1e-15. Work grows linearly in n; threads as in OpenMP (0: all).
double h_gamma(std::size_t n, double gamma, int threads = 0);

// eq. (16): the n-free bound h_γ(n) <= ln(1 + e^(max(1, γ)/e)).
double h_gamma_bound(double gamma) noexcept;

}  // namespace focalrd
