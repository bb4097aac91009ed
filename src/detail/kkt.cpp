#include "detail/kkt.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "detail/logit_batch.hpp"
#include "detail/small_buffer.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd::detail {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

// The starting point for γ > 0: the logits of the log-loss solution
// p0_a = x_a = B r_a / R (γ = 0), capped where the budget would give p0 >= 1:
// s_a = ln x_a - ln(1 - x_a). Where x_a <= 1/2, -ln(1 - x_a) = 2 atanh(z),
// z = x_a / (2 - x_a) <= 1/3, is taken from its series to z⁹ (within 1.2e-6),
// so that only the few symbols above 1/2 (at most 2B - 1) need a logarithm:
// ln(R - B r_a), the rest for the largest mass summed without it. (From the
// series of -ln(1 - x) to x⁴, within 0.01, a few cells at γ >= 50 with
// near-tied largest masses left the joint iteration for the nested one;
// found in review.) The joint Newton iteration needs nothing else: its first
// step solves for the multiplier too.
void log_loss_logits(const double* r, const double* log_r, std::size_t k, double budget, double* s) {
  const double total = sum_except(r, k, k);
  const double log_budget = budget == 1.0 ? 0.0 : std::log(budget);
  const double shift = log_budget - std::log(total), scale = budget / total;
  if (!log_loss_series(r, log_r, k, shift, scale, s)) return;  // no x_a > 1/2
  const std::size_t top = first_largest(r, k);
  const double others = sum_except(r, k, top);  // R - r_top without cancellation
  for (std::size_t a = 0; a < k; ++a) {
    if (!(scale * r[a] > 0.5)) continue;
    const double rest = a == top ? others - (budget - 1.0) * r[a] : total - budget * r[a];
    s[a] = rest > 0.0 ? log_r[a] + log_budget - std::log(rest) : 40.0;
  }
}

// A multiplier for the logits s, for the nested iteration: each symbol would
// need μ_a = ln r_a + ℓ(s_a) to keep its p_a; their p-weighted mean.
double mean_multiplier(const double* log_r, std::size_t k, double gamma, const double* s,
                       int& evaluations) {
  SmallBuffer<double> mu_a(k), p(k), q(k), log_p(k), log_q(k), slope(k);
  evaluate_logits(s, k, gamma, {p.data(), q.data(), log_p.data(), log_q.data(), mu_a.data(), slope.data()});
  evaluations += static_cast<int>(k);
  double weighted = 0.0, weight = 0.0;
  for (std::size_t a = 0; a < k; ++a) {
    weighted += p[a] * (mu_a[a] + log_r[a]);
    weight += p[a];
  }
  return weighted / weight;
}

// The budget constraint in log form. With T the B largest masses (|T| = B),
// Σ_a p_a = B is Σ_{a∉T} p_a = Σ_{a∈T} q_a, and
//   c = ln P - ln Q,  P = Σ_{a∉T} p_a,  Q = Σ_{a∈T} q_a,
// is strictly increasing in every logit and close to linear in them at both
// ends: when a symbol of T dominates (q tiny) both sides are tiny, and their
// difference, which the plain sum Σ p_a - B would lose, stays exact. P and Q
// are summed from ln p_a and ln q_a, so neither underflows.
struct LogConstraint {
  double c = 0.0;
  double log_P = 0.0, log_Q = 0.0;
};

// ln Σ e^x_a over the selected terms (x: ln p or ln q of each symbol).
double log_sum(const double* x, const double* select, bool in, std::size_t k) {
  double top = -HUGE_VAL;
  for (std::size_t a = 0; a < k; ++a)
    if ((select[a] != 0) == in) top = std::max(top, x[a]);
  double sum = 0.0;
  for (std::size_t a = 0; a < k; ++a)
    if ((select[a] != 0) == in) sum += std::exp(x[a] - top);
  return top + std::log(sum);
}

LogConstraint log_constraint(const double* log_p, const double* log_q, const double* in_top,
                             std::size_t k) {
  LogConstraint out;
  out.log_P = log_sum(log_p, in_top, false, k);
  out.log_Q = log_sum(log_q, in_top, true, k);
  out.c = out.log_P - out.log_Q;
  return out;
}

// dc/ds_a = p_a q_a / P (a ∉ T) or p_a q_a / Q (a ∈ T), from the logs.
double constraint_gradient(double log_p, double log_q, bool top, const LogConstraint& lc) {
  return std::exp(log_p + log_q - (top ? lc.log_Q : lc.log_P));
}

// Newton's method on the whole KKT system at once, ℓ(s_a) + ln r_a - μ = 0
// and c = 0: one evaluation of ℓ per symbol per iteration, and the linear
// system solved in closed form,
//   δs_a = (δμ - e_a) / ℓ'_a,   δμ = (Σ w_a e_a - c) / Σ w_a,   w_a = (dc/ds_a) / ℓ'_a,
// with e_a the residuals. In the log form the steps have the right size even
// far from the solution (ℓ is linear in s at both ends, c nearly so), so they
// are not damped, only kept from jumping beyond twice the largest logit.
// Once the step is at most kCorrectedUpTo, it is corrected (Chebyshev's
// method): the same system solved again with e_a and c moved by their
// second-order terms along the Newton step (ℓ''_a δs_a² / 2, and c's Hessian
// from those of ln P and ln Q), so that the error after it is of the order of
// the step's cube, not its square; the extra cost is a few products per
// symbol, no transcendental. Returns false when it does not converge within
// 50 iterations, and the caller falls back to the nested iteration.
//
// The largest logit step of joint_newton that is taken without evaluating
// after it leaves an error of the order of its cube (corrected), or of its
// square (a plain Newton step, where P or Q nears underflow), below the
// rounding of the sums. Where only a cell's cost is wanted, a larger one: the
// step leaves an error of up to about 3e-8 in the logits, and the cost,
// stationary at the optimum, moves by the square of that (the PMF,
// renormalised, stays feasible); the logarithms it is summed from move by
// the step's Taylor series to fifth order, within δs⁶ / 720 = 2e-17.
// (Measured on random cells, k = 3..30, γ = 1..34, against a solve to
// convergence: logits within 2.5e-8 with the corrected 5e-3 (3e-9 with
// Newton's 1e-4 before), costs within rounding; 1e-2 moved costs by 2.5e-13
// at γ = 34. One evaluation fewer for most cells.)
// The cost's curvature in the logits grows like γ², so the logits' error
// moves it by about (γ δs)² relative: beyond γ = 10 the corrected step for a
// cost shrinks like γ^(-1/3) (its error is cubic in it), by 0.46 per decade
// of γ (1e-3 at γ = 1000, where 5e-3 left errors of 3e-12: found in review,
// on cells of two to seven symbols at γ = 300..1000).
constexpr double kLastStep = 1e-8;
constexpr double kLastStepForCost = 1e-4;
constexpr double kLastCorrected = 1e-6;

double last_corrected_for_cost(double gamma) {
  double last = 5e-3;
  for (double g = gamma; g > 10.0 && last > 1e-4; g *= 0.1) last *= 0.46;
  return last;
}

NewtonTolerances newton_tolerances(bool cost_only, double gamma) {
  return cost_only ? NewtonTolerances{tol::kNewtonStepRel * 16.0, kLastStepForCost,
                                      last_corrected_for_cost(gamma)}
                   : NewtonTolerances{tol::kNewtonStepRel * 16.0, kLastStep, kLastCorrected};
}

// `point` receives p, q and their logs at the solution (its value and slope are unused).
bool joint_newton(const double* log_r, const double* in_top, std::size_t k, double gamma, double* s,
                  double& mu, const LogitBatch& point, int& evaluations,
                  const NewtonTolerances& tol) {
  double *p = point.p, *q = point.q, *log_p = point.log_p, *log_q = point.log_q;
  SmallBuffer<double> e(k), inv_slope(k), curvature(k), ds(k), ds2(k);
  const NewtonPoint at{p, q, log_p, log_q, e.data(), inv_slope.data(), curvature.data()};
  double previous = HUGE_VAL;  // the largest logit step of the previous iteration
  for (int it = 0; it < 50; ++it) {
    const NewtonSums sums = newton_pass(s, log_r, in_top, mu, k, gamma, at);
    evaluations += static_cast<int>(k);
    const double s_scale = sums.s_scale;
    // P and Q summed directly while they are far from underflow (the common
    // case: no exponentials), from their logarithms otherwise; then
    // w_a = (dc/ds_a) / ℓ'_a = p_a q_a / (P or Q) / ℓ'_a.
    const bool direct = sums.positive && sums.P >= 1e-290 && sums.Q >= 1e-290;
    double c, sum_w, sum_we, dmu;
    DirectStep step1{};
    if (direct) {
      step1 = direct_step(sums.P, sums.Q, sums.a_out, sums.a_in, sums.b_out, sums.b_in);
      c = step1.c;
      sum_w = step1.sum_w;
      sum_we = step1.sum_we;
      dmu = step1.dmu;
    } else {
      const LogConstraint lc = log_constraint(log_p, log_q, in_top, k);
      c = lc.c;
      sum_w = sum_we = 0.0;
      for (std::size_t a = 0; a < k; ++a) {
        const double w = constraint_gradient(log_p[a], log_q[a], in_top[a] != 0.0, lc) * inv_slope[a];
        sum_w += w;
        sum_we += w * e[a];
      }
      dmu = (sum_we - c) / sum_w;
    }
    if (!std::isfinite(sum_w) || !(sum_w < 0.0) || !std::isfinite(c)) return false;
    const StepSize step = newton_step(e.data(), inv_slope.data(), s, dmu, tol.step, k, ds.data());
    const double largest = step.largest;
    if (!std::isfinite(largest)) return false;
    const bool small = std::fabs(dmu) <= tol.step * std::max(1.0, std::fabs(mu)) && step.within;
    // Converged: the last evaluation is the solution (the step is below
    // rounding), or the steps are tiny and stopped shrinking: the sums over
    // k symbols carry rounding noise of order k ε, which large cells of
    // equal masses never get below.
    if (small || (largest >= previous && largest < 1e-10 * s_scale)) return true;
    // The corrected step (in the direct form of the sums only, as the
    // register iteration, which leaves the others to this one).
    bool corrected = direct && largest <= kCorrectedUpTo && std::fabs(dmu) <= kCorrectedUpTo;
    double step_mu = dmu, taken = largest;
    double* d = ds.data();
    if (corrected) {
      const CurvatureSums bend = curvature_sums(at, ds.data(), in_top, k);  // e moves too
      const double dmu2 = corrected_dmu(step1, bend);
      const StepSize step2 =
          newton_step(e.data(), inv_slope.data(), s, dmu2, tol.step, k, ds2.data());
      corrected = std::isfinite(step2.largest);
      if (corrected) {
        step_mu = dmu2;
        taken = step2.largest;
        d = ds2.data();
      }
    }
    // Steps this small leave an error below rounding: take the last one
    // without another evaluation.
    const double last = corrected ? tol.last_corrected : tol.last_step;
    if (largest <= last && std::fabs(dmu) <= last) {
      taylor_step(k, d, s, p, q, log_p, log_q);
      mu += step_mu;
      return true;
    }
    previous = largest;
    const double damp = taken > 2.0 * s_scale + 8.0 ? (2.0 * s_scale + 8.0) / taken : 1.0;
    for (std::size_t a = 0; a < k; ++a) s[a] += damp * d[a];
    mu += damp * step_mu;
  }
  return false;
}

// The Newton iteration's first logits: the caller's where it gives them
// (`logits`, with μ's hint; a missing one from the asymptotes at the hint),
// else the log-loss solution's.
void start_logits(const double* r, const double* log_r, std::size_t k, double gamma, double budget,
                  const double* mu_hint, const double* logits, double* s) {
  if (mu_hint && logits) {
    double log1p_gamma = kNaN;  // ln(1 + γ) once, where a logit is missing
    for (std::size_t a = 0; a < k; ++a) {
      if (std::isfinite(logits[a])) {
        s[a] = logits[a];
        continue;
      }
      if (std::isnan(log1p_gamma)) log1p_gamma = std::log1p(gamma);
      s[a] = log_phi_inverse_guess(*mu_hint - log_r[a], gamma, log1p_gamma);
    }
  } else {
    log_loss_logits(r, log_r, k, budget, s);
  }
}

}  // namespace

double log_phi_inverse_guess(double tau, double gamma) {
  return log_phi_inverse_guess(tau, gamma, std::log1p(gamma));
}

double log_phi_inverse_guess(double tau, double gamma, double log1p_gamma) {
  const double small_p = -tau;                         // ℓ ≈ -s
  const double large_p = (log1p_gamma - tau) / gamma;  // ℓ ≈ ln(1+γ) - γ s
  const double guess = gamma >= 1.0 ? std::min(small_p, large_p) : std::max(small_p, large_p);
  return std::max(-1e300, std::min(1e300, guess));  // finite for every γ >= DBL_MIN
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
                            double* q, const double* mu_hint, double* logits,
                            const double* log_r_in, double* log_p_out, double* log_q_out,
                            bool cost_only) {
  BudgetSolution out;
  if (budget >= static_cast<double>(k)) {
    for (std::size_t a = 0; a < k; ++a) {
      p[a] = 1.0;
      q[a] = 0.0;
    }
    return out;  // λ = 0: every symbol keeps its loss at zero
  }
  if (gamma == 0.0) return budget_log_loss(r, k, budget, p, q);

  // T: the B largest masses (ties to the lower index), B a whole number in [1, k).
  const auto B = static_cast<std::size_t>(budget);
  SmallBuffer<double> in_top(k);  // 1 in T, 0 outside
  for (std::size_t a = 0; a < k; ++a) in_top[a] = 0.0;
  if (B == 1) {
    out.top = first_largest(r, k);
    in_top[out.top] = 1.0;
  } else {
    SmallBuffer<std::size_t> order(k);
    for (std::size_t a = 0; a < k; ++a) order[a] = a;
    std::nth_element(
        order.data(), order.data() + (B - 1), order.data() + k,
        [&](std::size_t a, std::size_t b) { return r[a] > r[b] || (r[a] == r[b] && a < b); });
    for (std::size_t i = 0; i < B; ++i) in_top[order[i]] = 1.0;
  }
  SmallBuffer<double> s(k), slope(k), log_r(k), log_p(k), log_q(k);
  // The logarithms of the solution, where the caller wants them.
  auto finish = [&](double mu) {
    out.lambda = cost_only ? kNaN : std::exp(mu);
    out.mu = mu;
    if (logits)
      for (std::size_t a = 0; a < k; ++a) logits[a] = s[a];
    for (std::size_t a = 0; a < k; ++a) {
      if (log_p_out) log_p_out[a] = log_p[a];
      if (log_q_out) log_q_out[a] = log_q[a];
    }
    return out;
  };
  // The symbol with the largest mass has the largest p, at least B/k, and the
  // one with the smallest mass the smallest p, at most B/k; as φ decreases,
  // μ = ln λ = ln r_a + ln φ(p_a) lies in [ln r_min, ln r_max] + ln φ(B/k).
  // Only the nested fallback needs this bracket.
  double lo = -kInf, hi = kInf;
  auto bracket = [&] {
    double r_min = r[0], r_max = r[0];
    for (std::size_t a = 1; a < k; ++a) {
      r_min = std::min(r_min, r[a]);
      r_max = std::max(r_max, r[a]);
    }
    // ln φ(B/k) in the log domain: φ itself underflows for γ beyond about 1000.
    const double share = budget / static_cast<double>(k);
    const double log_phi_share =
        log_phi(logit_point(std::log(share) - std::log1p(-share)), gamma).value;
    lo = std::log(r_min) + log_phi_share;
    hi = std::log(r_max) + log_phi_share;
  };
  if (log_r_in)
    for (std::size_t a = 0; a < k; ++a) log_r[a] = log_r_in[a];
  else
    log_batch(r, k, log_r.data());
  start_logits(r, log_r.data(), k, gamma, budget, mu_hint, logits, s.data());
  // The joint Newton iteration first (its iterates do not depend on the
  // starting μ); if it does not converge, the nested one (each symbol's logit
  // solved for every μ), which always does.
  SmallBuffer<double> s0(k);
  for (std::size_t a = 0; a < k; ++a) s0[a] = s[a];
  {
    double mu_joint = mu_hint ? *mu_hint : 0.0;
    const LogitBatch point{p, q, log_p.data(), log_q.data(), nullptr, nullptr};  // the solution
    const NewtonTolerances tolerances = newton_tolerances(cost_only, gamma);
    // A cell that fits four vectors in registers, else (or where that leaves
    // it) the same iteration over arrays.
    const SmallCell small = joint_newton_small(log_r.data(), in_top.data(), k, gamma, s.data(),
                                               mu_joint, point, out.evaluations, tolerances);
    if (small == SmallCell::converged) return finish(mu_joint);
    if (small == SmallCell::left && joint_newton(log_r.data(), in_top.data(), k, gamma, s.data(),
                                                 mu_joint, point, out.evaluations, tolerances))
      return finish(mu_joint);
  }
  for (std::size_t a = 0; a < k; ++a) s[a] = s0[a];
  double mu = mu_hint ? *mu_hint : mean_multiplier(log_r.data(), k, gamma, s.data(), out.evaluations);
  bracket();
  mu = std::min(std::max(mu, lo), hi);
  // Safeguarded Newton in μ on H(μ) = c(s(μ)), strictly decreasing and close
  // to linear, inside the bracket [lo, hi]: it converges from anywhere in it,
  // and bisection bounds the iterations by the bracket's width in ulps.
  for (int it = 1;; ++it) {
    for (std::size_t a = 0; a < k; ++a) {
      LogitPoint x{};
      out.evaluations += invert_log_phi(mu - log_r[a], gamma, s[a], &p[a], &q[a], &slope[a], &x);
      log_p[a] = x.log_p;
      log_q[a] = x.log_q;
    }
    const LogConstraint lc = log_constraint(log_p.data(), log_q.data(), in_top.data(), k);
    if (lc.c == 0.0) break;
    if (lc.c > 0.0)
      lo = mu;
    else
      hi = mu;
    double derivative = 0.0;  // dH/dμ = Σ_a (dc/ds_a) / ℓ'_a < 0
    for (std::size_t a = 0; a < k; ++a)
      derivative += constraint_gradient(log_p[a], log_q[a], in_top[a] != 0.0, lc) / slope[a];
    const double newton_step = -lc.c / derivative;
    if (small_step(newton_step, mu) ||
        !(hi - lo > tol::kNewtonStepRel * std::max(1.0, std::fabs(mu))))
      break;
    if (it >= tol::kNewtonMaxIterations) {
      out.converged = false;
      break;
    }
    const double next = safeguarded(mu, mu + newton_step, lo, hi);
    // Warm start: to first order each root moves by dμ / ℓ'.
    for (std::size_t a = 0; a < k; ++a) s[a] += (next - mu) / slope[a];
    mu = next;
  }
  return finish(mu);
}

namespace {

// A cell's cost, eq. (8), from the solution of its KKT system (budget 1,
// γ > 0): the last rounding errors renormalised away so that the PMF is
// feasible; the objective is stationary here, so this moves it by O(ε²).
// With t = `top`, the largest mass (the largest p), Σ p = 1 + δ with
// δ = Σ_{a≠t} p_a - q_t, exactly as the solver's constraint; p_a / (1 + δ) has
//   ln p'_a = ln p_a - ln(1 + δ),  ln q'_a = ln q_a + ln(1 + δ/q_a) - ln(1 + δ),
// where q_a >= 1/2 but for t. The cost then follows from the logs without
// pow or log per symbol. p is renormalised too where `pmf` asks for it.
double renormalised_cost(const double* r, std::size_t k, double gamma, std::size_t top, double* p,
                         const double* q, double* log_p, double* log_q, bool pmf) {
  const double delta = sum_except(p, k, top) - q[top];
  // ln(1 + δ): |δ| is about 1e-12 or less once converged, where the series
  // to δ³ is exact to rounding (its next term is δ⁴/4).
  const double log_sum =
      std::fabs(delta) <= 1e-6 ? delta - 0.5 * delta * delta + delta * delta * delta / 3.0
                               : std::log1p(delta);
  if (pmf)
    for (std::size_t a = 0; a < k; ++a) p[a] /= 1.0 + delta;
  // ln(1 + x) to x² for |x| <= 3e-6, within 1e-17; every q_a but the top's is
  // at least (1 - δ)/2, so |δ| <= 1e-6 keeps them there (renormalised_losses,
  // with no call per symbol).
  auto log1p_x = [&](double x) { return std::fabs(x) <= 3e-6 ? x - 0.5 * x * x : std::log1p(x); };
  const double top_log_q = log_q[top] + (log1p_x(q[top] > 0.0 ? delta / q[top] : 0.0) - log_sum);
  if (std::fabs(delta) <= 1e-6)
    return renormalised_losses(r, log_p, log_q, q, k, gamma, {delta, log_sum, top, top_log_q});
  for (std::size_t a = 0; a < k; ++a) {
    log_p[a] -= log_sum;
    if (a != top) log_q[a] += log1p_x(delta / q[a]) - log_sum;
  }
  log_q[top] = top_log_q;
  return weighted_losses(r, log_p, log_q, k, gamma);
}

}  // namespace

CellOptimum kkt_cell(const double* r, std::size_t k, double gamma, double* p_out,
                     const double* mu_hint, double* logits, const double* log_r) {
  SmallBuffer<double> own_p(p_out ? 0 : k), q(k), log_p(k), log_q(k);
  double* p = p_out ? p_out : own_p.data();
  const BudgetSolution kkt = solve_budget(r, k, gamma, 1.0, p, q.data(), mu_hint, logits, log_r,
                                          log_p.data(), log_q.data(), p_out == nullptr);
  CellOptimum out;
  out.mu = kkt.mu;
  out.evaluations = kkt.evaluations;
  out.converged = kkt.converged;
  if (gamma == 0.0) {
    double sum = 0.0;
    for (std::size_t a = 0; a < k; ++a) sum += p[a];
    for (std::size_t a = 0; a < k; ++a) p[a] /= sum;
    out.cost = cell_distortion(r, p, k, gamma);
    return out;
  }
  out.cost = renormalised_cost(r, k, gamma, kkt.top, p, q.data(), log_p.data(), log_q.data(),
                               p_out != nullptr);
  return out;
}

void kkt_cell_pair(const CellRequest* cells, double gamma, CellOptimum* out) {
  auto alone = [&](int c) {
    const CellRequest& cell = cells[c];
    out[c] = kkt_cell(cell.r, cell.k, gamma, nullptr, cell.mu_hint, cell.logits, cell.log_r);
  };
  struct Cell {  // solve_budget's state for one cell (budget 1, cost only)
    double top[4], s[4], p[4], q[4], log_p[4], log_q[4], mu;
    int evaluations = 0;
    std::size_t largest = 0;
  } st[2];
  SmallCellJob jobs[2];
  for (int c = 0; c < 2; ++c) {
    const CellRequest& cell = cells[c];
    if (!(gamma > 0.0) || cell.k < 2 || cell.k > 4 || !cell.log_r) {
      alone(0);
      alone(1);
      return;
    }
    std::fill(st[c].top, st[c].top + cell.k, 0.0);
    st[c].largest = first_largest(cell.r, cell.k);
    st[c].top[st[c].largest] = 1.0;
    start_logits(cell.r, cell.log_r, cell.k, gamma, 1.0, cell.mu_hint, cell.logits, st[c].s);
    st[c].mu = cell.mu_hint ? *cell.mu_hint : 0.0;
    jobs[c] = SmallCellJob{cell.log_r, st[c].top, cell.k, st[c].s, &st[c].mu,
                           LogitBatch{st[c].p, st[c].q, st[c].log_p, st[c].log_q, nullptr, nullptr},
                           &st[c].evaluations};
  }
  if (!joint_newton_pair(jobs, gamma, newton_tolerances(true, gamma))) {
    alone(0);
    alone(1);
    return;
  }
  for (int c = 0; c < 2; ++c) {
    const CellRequest& cell = cells[c];
    if (jobs[c].status != SmallCell::converged) {  // as alone, from the start
      alone(c);
      continue;
    }
    if (cell.logits) std::copy(st[c].s, st[c].s + cell.k, cell.logits);
    out[c].mu = st[c].mu;
    out[c].evaluations = st[c].evaluations;
    out[c].converged = true;
    out[c].cost = renormalised_cost(cell.r, cell.k, gamma, st[c].largest, st[c].p, st[c].q,
                                    st[c].log_p, st[c].log_q, false);
  }
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

void symbol_duals(const double* r, const double* log_r, const int* idx, std::size_t m, double gamma,
                  double x, double* s_of, SymbolDual* out) {
  SmallBuffer<double, 128> s(m), p(m), q(m), log_p(m), log_q(m), value(m), slope(m);
  for (std::size_t i = 0; i < m; ++i) s[i] = s_of[idx[i]];
  const LogitBatch at{p.data(), q.data(), log_p.data(), log_q.data(), value.data(), slope.data()};
  // As invert_log_phi: the point of the last evaluation, once its Newton
  // step is below rounding; ℓ is close to linear in s at both ends, so a few
  // steps suffice from the warm starts, and the rest go to invert_log_phi.
  constexpr int kBatchIterations = 6;
  bool done = false;
  for (int it = 0; it < kBatchIterations && !done; ++it) {
    evaluate_logits(s.data(), m, gamma, at);
    done = true;
    for (std::size_t i = 0; i < m; ++i) {
      const double step = -(value[i] - (x - log_r[idx[i]])) / slope[i];
      if (small_step(step, s[i])) continue;
      done = false;
      if (it + 1 < kBatchIterations && std::fabs(step) < 1e300) s[i] += step;
    }
  }
  const double theta = std::exp(x);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t a = static_cast<std::size_t>(idx[i]);
    if (!done) {  // finish each lane in the scalar iteration (a settled one returns at once)
      LogitPoint pt{};
      double slope_a;
      invert_log_phi(x - log_r[a], gamma, s[i], &p[i], &q[i], &slope_a, &pt);
      log_p[i] = pt.log_p;
      log_q[i] = pt.log_q;
      slope[i] = slope_a;
    }
    s_of[a] = s[i];
    out[i].p = p[i];
    out[i].h = r[a] * std::exp(gamma * log_q[i]) * -log_p[i] + theta * p[i];
    out[i].dp_dx = p[i] * q[i] / slope[i];
  }
}

}  // namespace focalrd::detail
