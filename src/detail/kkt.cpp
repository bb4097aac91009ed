#include "detail/kkt.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "detail/small_buffer.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd::detail {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// The next Newton iterate, kept strictly inside the bracket (lo, hi): bisect
// when Newton leaves it and both ends are known.
double safeguarded(double x, double newton, double lo, double hi) {
  if (newton > lo && newton < hi) return newton;
  if (std::isfinite(lo) && std::isfinite(hi)) return 0.5 * (lo + hi);
  // One side is still open: Newton left through the known side only if the
  // slope estimate was useless; step towards the open side instead.
  const double width = std::max(1.0, std::fabs(x));
  return std::isfinite(lo) ? lo + width : hi - width;
}

bool small_step(double step, double x) {
  return std::fabs(step) <= tol::kNewtonStepRel * std::max(1.0, std::fabs(x));
}

// γ = 0: p_a = min(1, r_a / λ) with Σ p_a = B, by water-filling.
BudgetSolution budget_log_loss(const double* r, std::size_t k, double budget, double* p,
                               double* q) {
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return r[a] > r[b]; });
  double rest = 0.0;
  for (std::size_t a = 0; a < k; ++a) rest += r[a];
  BudgetSolution out;
  // With the c largest masses capped at p = 1, λ = (mass of the others)/(B - c).
  for (std::size_t c = 0; c < k; ++c) {
    const double lambda = rest / (budget - static_cast<double>(c));
    if (r[order[c]] <= lambda) {
      out.lambda = lambda;
      break;
    }
    rest -= r[order[c]];
  }
  for (std::size_t a = 0; a < k; ++a) {
    if (r[a] >= out.lambda) {
      p[a] = 1.0;
      q[a] = 0.0;
    } else {
      p[a] = r[a] / out.lambda;
      q[a] = 1.0 - p[a];
    }
  }
  out.mu = std::log(out.lambda);
  return out;
}

// A starting point for γ > 0 from the log-loss solution p0_a = B r_a / R:
// each symbol would need the multiplier μ_a = ln r_a + ℓ(s0_a) to keep p0_a;
// start from their p0-weighted mean μ0 (or the hint), and move each logit to
// first order, s_a = s0_a + (μ0 - μ_a) / ℓ'(s0_a). Fills s, slope and ln r;
// returns μ0.
double warm_start(const double* r, std::size_t k, double gamma, double budget, double* s,
                  double* slope, double* log_r, const double* mu_hint) {
  std::size_t top = 0;
  double total = 0.0;
  for (std::size_t a = 0; a < k; ++a) {
    total += r[a];
    if (r[a] > r[top]) top = a;
  }
  double others = 0.0;  // R - r_top without cancellation
  for (std::size_t a = 0; a < k; ++a)
    if (a != top) others += r[a];
  SmallBuffer<double> mu_a(k);
  double weighted = 0.0, weight = 0.0;
  for (std::size_t a = 0; a < k; ++a) {
    log_r[a] = std::log(r[a]);
    const double mass = budget * r[a];
    const double rest = a == top ? others - (budget - 1.0) * r[a] : total - mass;
    // logit of p0 = mass / R, capped where the budget would give p0 >= 1
    s[a] = rest > 0.0 ? std::log(mass) - std::log(rest) : 40.0;
    const LogPhi l = log_phi(logit_point(s[a]), gamma);
    mu_a[a] = log_r[a] + l.value;
    slope[a] = l.slope;
    const double p0 = std::min(1.0, mass / total);
    weighted += p0 * mu_a[a];
    weight += p0;
  }
  const double mu0 = mu_hint ? *mu_hint : weighted / weight;
  for (std::size_t a = 0; a < k; ++a) s[a] += (mu0 - mu_a[a]) / slope[a];
  return mu0;
}

// Newton's method on the whole KKT system at once, ℓ(s_a) + ln r_a - μ = 0
// and Σ_a p(s_a) = B: one evaluation of ℓ per symbol per iteration, and the
// linear system solved in closed form,
//   δs_a = (δμ - e_a) / ℓ'_a,   δμ = (Σ w_a e_a - C) / Σ w_a,   w_a = p_a q_a / ℓ'_a,
// with e_a the residuals and C = Σ p_a - B. Steps are damped to at most 2 in
// any logit. Converges quadratically from a good start (a neighbouring
// solution, or the log-loss start); returns false when it does not within
// 40 iterations, and the caller falls back to the nested iteration.
bool joint_newton(const double* log_r, std::size_t k, double gamma, double budget, double* s,
                  double& mu, double* p, double* q, double* slope, int& evaluations) {
  SmallBuffer<double> e(k), w(k);
  for (int it = 0; it < 40; ++it) {
    double excess_low = 0.0, excess_high = 0.0, sum_w = 0.0, sum_we = 0.0;
    std::size_t high = 0;
    for (std::size_t a = 0; a < k; ++a) {
      const LogitPoint x = logit_point(s[a]);
      const LogPhi l = log_phi(x, gamma);
      ++evaluations;
      p[a] = x.p;
      q[a] = x.q;
      slope[a] = l.slope;
      e[a] = l.value + log_r[a] - mu;
      w[a] = x.p * x.q / l.slope;
      sum_w += w[a];
      sum_we += w[a] * e[a];
      if (x.p > 0.5) {
        ++high;
        excess_high += x.q;
      } else {
        excess_low += x.p;
      }
    }
    const double excess = (static_cast<double>(high) - budget) + (excess_low - excess_high);
    if (!std::isfinite(sum_w) || !(sum_w < 0.0) || !std::isfinite(excess)) return false;
    const double dmu = (sum_we - excess) / sum_w;
    double largest = std::fabs(dmu);
    for (std::size_t a = 0; a < k; ++a)
      largest = std::max(largest, std::fabs((dmu - e[a]) / slope[a]));
    if (!std::isfinite(largest)) return false;
    // Converged: the last evaluation is the solution (the step is below rounding).
    if (largest <= tol::kNewtonStepRel * 16.0 * std::max(1.0, std::fabs(mu))) return true;
    const double damp = largest > 2.0 ? 2.0 / largest : 1.0;
    for (std::size_t a = 0; a < k; ++a) s[a] += damp * (dmu - e[a]) / slope[a];
    mu += damp * dmu;
  }
  return false;
}

}  // namespace

double log_phi_inverse_guess(double tau, double gamma) {
  const double small_p = -tau;                               // ℓ ≈ -s
  const double large_p = (std::log1p(gamma) - tau) / gamma;  // ℓ ≈ ln(1+γ) - γ s
  return gamma >= 1.0 ? std::min(small_p, large_p) : std::max(small_p, large_p);
}

int invert_log_phi(double tau, double gamma, double& s, double* p, double* q, double* slope,
                   LogitPoint* point, double tolerance) {
  double lo = -kInf, hi = kInf;
  double previous_step = kInf;
  for (int it = 1;; ++it) {
    const LogitPoint x = logit_point(s);
    const LogPhi l = log_phi(x, gamma);
    *p = x.p;
    *q = x.q;
    *slope = l.slope;
    if (point) *point = x;
    const double f = l.value - tau;  // ℓ is decreasing: f > 0 means the root is above s
    if (f == 0.0) return it;
    if (f > 0.0)
      lo = s;
    else
      hi = s;
    const double newton_step = -f / l.slope;
    if (small_step(newton_step, s) || std::fabs(newton_step) < tolerance ||
        it >= tol::kNewtonMaxIterations)
      return it;
    const double next = safeguarded(s, s + newton_step, lo, hi);
    const double step = next - s;
    // Stop when rounding noise keeps the steps from shrinking although they
    // are already tiny.
    if (std::fabs(step) >= previous_step && std::fabs(step) < 1e-10 * std::max(1.0, std::fabs(s)))
      return it;
    previous_step = std::fabs(step);
    s = next;
  }
}

BudgetSolution solve_budget(const double* r, std::size_t k, double gamma, double budget, double* p,
                            double* q, const double* mu_hint, double* logits) {
  BudgetSolution out;
  if (budget >= static_cast<double>(k)) {
    for (std::size_t a = 0; a < k; ++a) {
      p[a] = 1.0;
      q[a] = 0.0;
    }
    return out;  // λ = 0: every symbol keeps its loss at zero
  }
  if (gamma == 0.0) return budget_log_loss(r, k, budget, p, q);

  SmallBuffer<double> s(k), slope(k), log_r(k);
  // The symbol with the largest mass has the largest p, at least B/k, and the
  // one with the smallest mass the smallest p, at most B/k; as φ decreases,
  // μ = ln λ = ln r_a + ln φ(p_a) lies in [ln r_min, ln r_max] + ln φ(B/k).
  double r_min = r[0], r_max = r[0];
  for (std::size_t a = 1; a < k; ++a) {
    r_min = std::min(r_min, r[a]);
    r_max = std::max(r_max, r[a]);
  }
  const double share = budget / static_cast<double>(k);
  const double log_phi_share = std::log(focal_phi(share, 1.0 - share, gamma));
  double lo = std::log(r_min) + log_phi_share, hi = std::log(r_max) + log_phi_share;
  double mu;
  if (mu_hint && logits) {
    mu = std::min(std::max(*mu_hint, lo), hi);
    for (std::size_t a = 0; a < k; ++a) {
      log_r[a] = std::log(r[a]);
      s[a] = std::isfinite(logits[a]) ? logits[a] : log_phi_inverse_guess(mu - log_r[a], gamma);
    }
  } else {
    mu = warm_start(r, k, gamma, budget, s.data(), slope.data(), log_r.data(), mu_hint);
    out.evaluations += static_cast<int>(k);
    if (!(mu > lo && mu < hi)) {
      const double clamped = std::min(std::max(mu, lo), hi);
      for (std::size_t a = 0; a < k; ++a) s[a] += (clamped - mu) / slope[a];
      mu = clamped;
    }
  }
  // The joint Newton iteration first; if it does not converge, the nested one
  // (each symbol's logit solved for every μ), which always does.
  {
    SmallBuffer<double> s0(k);
    for (std::size_t a = 0; a < k; ++a) s0[a] = s[a];
    double mu_joint = mu;
    if (joint_newton(log_r.data(), k, gamma, budget, s.data(), mu_joint, p, q, slope.data(),
                     out.evaluations)) {
      out.lambda = std::exp(mu_joint);
      out.mu = mu_joint;
      if (logits)
        for (std::size_t a = 0; a < k; ++a) logits[a] = s[a];
      return out;
    }
    for (std::size_t a = 0; a < k; ++a) s[a] = s0[a];
  }
  // G(μ) = ln(Σ_a p_a(μ) / B) is strictly decreasing in μ, and close to linear
  // where the masses are small, which suits Newton's method.
  double previous_step = kInf;
  for (int it = 1;; ++it) {
    // The excess Σ p_a - B, summed without cancellation: a symbol with
    // p_a > 1/2 contributes 1 - q_a, whose 1 goes into an exact count. (With
    // p_top = 1 - 1e-12 the plain sum would fix q_top only to about 1e-4.)
    double excess_low = 0.0, excess_high = 0.0, dsum = 0.0;
    std::size_t high = 0;
    for (std::size_t a = 0; a < k; ++a) {
      out.evaluations += invert_log_phi(mu - log_r[a], gamma, s[a], &p[a], &q[a], &slope[a]);
      if (p[a] > 0.5) {
        ++high;
        excess_high += q[a];
      } else {
        excess_low += p[a];
      }
      dsum += p[a] * q[a] / slope[a];  // dp_a/dμ = (dp/ds)(ds/dμ) = p q / ℓ'
    }
    const double excess = (static_cast<double>(high) - budget) + (excess_low - excess_high);
    const double sum = budget + excess;
    const double g = std::log1p(excess / budget);
    if (g == 0.0) break;
    if (g > 0.0)
      lo = mu;
    else
      hi = mu;
    const double newton_step = -g * sum / dsum;
    if (small_step(newton_step, mu)) break;
    const double next = safeguarded(mu, mu + newton_step, lo, hi);
    const double step = next - mu;
    if (it >= tol::kNewtonMaxIterations) {
      out.converged = false;
      break;
    }
    if (std::fabs(step) >= previous_step && std::fabs(step) < 1e-10 * std::max(1.0, std::fabs(mu)))
      break;
    previous_step = std::fabs(step);
    // Warm start: to first order each root moves by dμ / ℓ'.
    for (std::size_t a = 0; a < k; ++a) s[a] += step / slope[a];
    mu = next;
  }
  out.lambda = std::exp(mu);
  out.mu = mu;
  if (logits)
    for (std::size_t a = 0; a < k; ++a) logits[a] = s[a];
  return out;
}

CellOptimum kkt_cell(const double* r, std::size_t k, double gamma, double* p, const double* mu_hint,
                     double* logits) {
  SmallBuffer<double> q(k);
  const BudgetSolution kkt = solve_budget(r, k, gamma, 1.0, p, q.data(), mu_hint, logits);
  // Renormalise the last rounding errors away so that the PMF is feasible;
  // the objective is stationary here, so this moves it by O(ε²).
  double sum = 0.0;
  for (std::size_t a = 0; a < k; ++a) sum += p[a];
  for (std::size_t a = 0; a < k; ++a) p[a] /= sum;
  CellOptimum out;
  out.cost = cell_distortion(r, p, k, gamma);
  out.mu = kkt.mu;
  out.evaluations = kkt.evaluations;
  out.converged = kkt.converged;
  return out;
}

SymbolDual symbol_dual(double r, double log_r, double gamma, double x, double& s) {
  SymbolDual out;
  const double theta = std::exp(x);
  if (gamma == 0.0) {  // p = min(1, r/θ): h = r ln(θ/r) + r, or θ at p = 1
    if (r >= theta) {
      out.h = theta;
      out.p = 1.0;
      return out;
    }
    out.p = r / theta;
    out.h = r * (x - log_r) + r;
    out.dp_dx = -out.p;
    return out;
  }
  double p, q, slope;
  LogitPoint at{};
  invert_log_phi(x - log_r, gamma, s, &p, &q, &slope, &at);
  out.p = p;
  // r (1-p)^γ ln(1/p) from the logit's own logarithms (as accurate as
  // focal_loss, and cheaper).
  out.h = r * std::exp(gamma * at.log_q) * -at.log_p + theta * p;
  out.dp_dx = p * q / slope;
  return out;
}

}  // namespace focalrd::detail
