// Cells for γ < 0: the global optimum of a separable problem with one budget,
// convex for β = -γ >= 1 and convex-concave for β < 1 (detail/negative_gamma.hpp
// has the argument). Everything in a symbol's logit s (p = e^s/(1+e^s)), so
// that p and q = 1 - p both keep their precision.
#include "detail/negative_gamma.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <vector>

#include "detail/sum.hpp"
#include "focalrd/focal_loss.hpp"

namespace focalrd::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxIterations = 300;

// ln L, L = ln(1/p), from the logit: L -> q as p -> 1 (q + q²/2 + ...).
double log_L(const LogitPoint& x, double s) {
  return s > 30.0 ? x.log_q + 0.5 * x.q : std::log(-x.log_p);
}

// g'(p) and its derivative in the logit, g'' p q, with g = q^(-β) L:
//   g' = q^(-β-1) A,        A = β L - q/p,
//   g'' p q = q^(-β-1) B p,  B = (β+1) A + q (1 - β p)/p²,
// where q is small by their series A = Σ_j (β/j - 1) q^j and
// B = Σ_j (β-j+1)(β-j)/j q^j (at β = 1 the leading terms cancel: A -> -q²/2,
// B -> 2q³/3, which the closed forms lose to rounding), else B p as
// (β+1) A p + q (1 - β p)/p (no p² to underflow for small p); the powers of
// q through logarithms.
struct Slope {
  double first, per_logit;  // g', dg'/ds = g'' p q
};
Slope derivatives(const LogitPoint& x, double s, double beta) {
  double A, Bp;
  if (x.q < 1e-3) {
    A = 0.0;
    double B = 0.0, qj = x.q;
    for (int j = 1; j <= 12; ++j, qj *= x.q) {
      A += (beta / j - 1.0) * qj;
      B += (beta - j + 1.0) * (beta - j) / j * qj;
    }
    Bp = B * x.p;
  } else {
    const double q_over_p = std::exp(-s);
    A = beta * -x.log_p - q_over_p;
    Bp = (beta + 1.0) * (beta * -x.log_p * x.p - x.q) + (1.0 - beta * x.p) * q_over_p;
  }
  auto scaled = [&](double v, double power) {  // v q^power without overflow
    if (v == 0.0) return 0.0;
    return std::copysign(std::exp(power * x.log_q + std::log(std::fabs(v))), v);
  };
  return {scaled(A, -beta - 1.0), scaled(Bp, -beta - 1.0)};
}

// The logit s in (-inf, cap] with g'(p(s)) = t, g' increasing there; cap
// where g'(cap) <= t. `s` holds a start on entry.
double invert_slope(double t, double beta, double cap, double s, int& evaluations) {
  if (!std::isfinite(cap) && beta == 1.0 && t >= -0.5) return kInf;  // g' < -1/2: p = 1
  if (std::isfinite(cap)) {
    const LogitPoint x = logit_point(cap);
    ++evaluations;
    if (derivatives(x, cap, beta).first <= t) return cap;
  }
  double lo = -kInf, hi = cap;
  if (!std::isfinite(s)) s = t < -2.0 ? std::log(-1.0 / t) : 0.0;  // p ≈ -1/t for large |t|
  s = std::min(s, std::isfinite(cap) ? cap - 1e-3 : s);
  for (int it = 0; it < kMaxIterations; ++it) {
    const LogitPoint x = logit_point(s);
    const Slope d = derivatives(x, s, beta);
    ++evaluations;
    const double f = d.first - t;
    if (f == 0.0) return s;
    (f > 0.0 ? hi : lo) = s;
    // Newton, a step at most max(1, |s|) where the bracket is open on that
    // side (near an inflection g'' -> 0 and the step would be huge), and
    // bisection where it leaves a closed bracket. Far from the root g' is
    // exponential in s (≈ -1/p as p -> 0, ∝ q^(-β) as p -> 1), where Newton
    // on g' crawls by about one unit of s per step (hundreds from a start
    // like p = 1e-150): there Newton on ln(g'/t), or on ln|g'| towards ±1
    // while g' has the other sign, takes whole steps.
    double step = -f / d.per_logit;
    if (d.first != 0.0) {
      const double target = t != 0.0 && (t > 0.0) == (d.first > 0.0) ? t : std::copysign(1.0, d.first);
      const double ratio = d.first / target;  // > 0
      if (ratio > 4.0 || ratio < 0.25) step = -std::log(ratio) * d.first / d.per_logit;
    }
    const double limit = std::max(1.0, std::fabs(s));
    double next = s + std::max(-limit, std::min(limit, step));
    if (!(next > lo && next < hi) || !std::isfinite(next)) {
      if (std::isfinite(lo) && std::isfinite(hi))
        next = 0.5 * (lo + hi);
      else
        next = std::isfinite(lo) ? lo + std::max(1.0, std::fabs(lo)) : hi - std::max(1.0, std::fabs(hi));
    }
    if (std::fabs(next - s) <= 1e-15 * std::max(1.0, std::fabs(s))) return next;
    s = next;
  }
  return s;
}

// The convex problem: min Σ r_a g(p_a) with Σ p_a = budget (or <= budget with
// slack, β > 1), each logit at most cap, by its KKT conditions
// r_a g'(p_a) = -λ; λ by a safeguarded Newton iteration on the constraint
// (at budget 1 as Σ_{a≠t} p_a - q_t, t the largest mass: no cancellation
// where t dominates). `s` holds starting logits and receives the solution;
// `hint`, if positive, is a multiplier near the solution's (a warm start:
// the bracket is grown from it by factors of 2, and Newton starts there).
struct Budget {
  double lambda = 0.0;
  bool capped = false;  // some p_a sits at the cap
  bool converged = true;
};
Budget convex_budget(const double* r, std::size_t k, double beta, double budget, double cap,
                     bool slack, double* s, int& evaluations, double hint = 0.0) {
  Budget out;
  const std::size_t top = std::max_element(r, r + k) - r;
  if (slack && beta > 1.0) {  // every p_a = p* if that fits
    const double star = negative_gamma_minimiser(beta);
    if (static_cast<double>(k) * star <= budget) {
      const double s_star = std::log(star) - std::log1p(-star);
      for (std::size_t a = 0; a < k; ++a) s[a] = s_star;
      return out;
    }
  }
  auto residual = [&](double lambda, double* derivative) {
    double others = 0.0, p_top = 0.0, q_top = 0.0, d = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      s[a] = invert_slope(-lambda / r[a], beta, cap, s[a], evaluations);
      const LogitPoint x = logit_point(s[a]);
      if (a == top) {
        p_top = x.p;
        q_top = x.q;
      } else {
        others += x.p;
      }
      if (!(s[a] >= cap)) d -= x.p * x.q / (r[a] * derivatives(x, s[a], beta).per_logit);
    }
    if (derivative) *derivative = d;
    // Σ_a p_a - budget: through q_top at budget 1 (a dominant symbol), and
    // plainly below (B's budgets q can be 1e-20, which 1 - q would lose).
    return budget < 1.0 ? others + p_top - budget : others - q_top + (1.0 - budget);
  };
  // A bracket [lo, hi] of λ with residual(lo) >= 0 >= residual(hi). λ > 0
  // where g decreases on the domain (β <= 1) or the budget binds with slack;
  // without slack, β > 1, the sign of residual(0) says.
  double lo = 0.0, hi = 0.0, lambda = kInf;
  if (hint > 0.0 && hint < 1e300 && (beta <= 1.0 || slack)) {
    // λ >= 0 here; Σ_a p_a(λ) decreases in λ.
    if (residual(hint, nullptr) > 0.0) {
      lo = hint;
      hi = 2.0 * hint;
      for (int i = 0; i < 1100 && residual(hi, nullptr) > 0.0; ++i) {
        lo = hi;
        hi *= 2.0;
      }
    } else {
      hi = hint;
      lo = 0.5 * hint;
      for (int i = 0; i < 1100 && lo > 0.0 && residual(lo, nullptr) <= 0.0; ++i) {
        hi = lo;
        lo *= 0.5;
      }
    }
    lambda = lo == hint || hi == hint ? hint : kInf;
  } else {
    // λ = σ m, m > 0: σ = +1 where g decreases on the domain (β <= 1) or
    // the budget binds with slack, else by the sign of residual(0) (k p* < 1:
    // some p_a above p*, λ < 0). `below(m)`: m is below the root's |λ|. From
    // m = 1 out by factors of 4, or in towards 0 by squaring (1/4, 1/16,
    // 1/256, ... 0 in ten steps): with masses near 1e-300 beside a heavy
    // one, |λ| can be as small as r_min |g'| (bisection from 1 would not
    // reach it).
    const double sigma = beta <= 1.0 || slack || residual(0.0, nullptr) >= 0.0 ? 1.0 : -1.0;
    auto below = [&](double m) {
      const double f = residual(sigma * m, nullptr);
      return sigma > 0.0 ? f > 0.0 : f < 0.0;
    };
    double m_lo = 0.0, m_hi = 1.0;
    if (below(m_hi)) {
      int i = 0;
      do {
        m_lo = m_hi;
        m_hi *= 4.0;
      } while (++i < 400 && below(m_hi));
    } else {
      double m = 0.25;
      while (m > 0.0 && !below(m)) {
        m_hi = m;
        m *= m;
      }
      m_lo = m;  // below, or 0 (underflow)
    }
    lo = sigma > 0.0 ? m_lo : -m_hi;
    hi = sigma > 0.0 ? m_hi : -m_lo;
  }
  // The bracket's geometric mean where it has one sign (λ spans hundreds of
  // orders of magnitude), else its midpoint.
  auto middle = [&] {
    if ((lo > 0.0 && hi > 0.0) || (lo < 0.0 && hi < 0.0))
      return std::copysign(std::sqrt(std::fabs(lo)) * std::sqrt(std::fabs(hi)), lo);
    return 0.5 * (lo + hi);
  };
  if (!(lambda >= lo && lambda <= hi)) lambda = middle();
  for (int it = 0;; ++it) {
    double derivative = 0.0;
    const double f = residual(lambda, &derivative);
    if (f == 0.0) break;
    (f > 0.0 ? lo : hi) = lambda;
    double next = lambda - f / derivative;
    if (!(next > lo && next < hi) || !std::isfinite(next)) next = middle();
    if (std::fabs(next - lambda) <= 1e-15 * std::fabs(lambda) || hi - lo <= 1e-15 * std::fabs(hi)) {
      lambda = next;
      residual(lambda, nullptr);
      break;
    }
    if (it >= kMaxIterations) {
      out.converged = false;
      break;
    }
    lambda = next;
  }
  out.lambda = lambda;
  for (std::size_t a = 0; a < k; ++a) out.capped = out.capped || s[a] >= cap;
  return out;
}

double cost_of(const double* r, const double* s, std::size_t k, double beta) {
  double total = 0.0;
  for (std::size_t a = 0; a < k; ++a) total += r[a] * negative_gamma_loss(s[a], beta);
  return total;
}

// The logit of p = 1 - q, for q in (0, 1).
double logit_of_complement(double q) { return std::log1p(-q) - std::log(q); }

}  // namespace

double negative_gamma_loss(double s, double beta) {
  if (s == kInf) return beta < 1.0 ? 0.0 : (beta == 1.0 ? 1.0 : kInf);  // p = 1: the limit
  const LogitPoint x = logit_point(s);
  return std::exp(log_L(x, s) - beta * x.log_q);
}

double negative_gamma_minimiser(double beta) {
  // β ln(1/p) = (1-p)/p, by bisection on p in (0, 1): the left side minus the
  // right changes sign once (g' < 0 below p*, > 0 above). The last β's is kept.
  thread_local double last_beta = 0.0, last = 0.0;
  if (beta == last_beta) return last;
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (beta * -std::log(mid) - (1.0 - mid) / mid < 0.0)
      lo = mid;
    else
      hi = mid;
  }
  last_beta = beta;
  last = 0.5 * (lo + hi);
  return last;
}

double negative_gamma_inflection(double beta) {
  // The sign change of g'' on (1/2, 1) (g'' > 0 below p_i, < 0 above).
  auto second = [&](double p) {
    const double q = 1.0 - p, L = -std::log(p);
    return (beta + 1.0) * (beta * L - q / p) + q * (1.0 - beta * p) / (p * p);
  };
  double lo = 0.5, hi = 1.0 - 1e-12;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (second(mid) > 0.0 ? lo : hi) = mid;
  }
  return lo;
}

NegativeCell negative_gamma_cell(const double* r, std::size_t k, double gamma, bool slack,
                                 double* p, double lambda_hint) {
  const double beta = -gamma;
  NegativeCell out;
  std::vector<double> s(k);
  auto finish = [&](double cost) {
    out.cost = cost;
    if (p) {
      // The budget is met to rounding; scale the last ulps above 1 away (the
      // cost moves by λ times that, below rounding).
      double sum = 0.0;
      for (std::size_t a = 0; a < k; ++a) sum += p[a] = logit_point(s[a]).p;
      if (sum > 1.0)
        for (std::size_t a = 0; a < k; ++a) p[a] /= sum;
    }
    return out;
  };
  // Starting logits: the log-loss PMF.
  double total = 0.0;
  for (std::size_t a = 0; a < k; ++a) total += r[a];
  for (std::size_t a = 0; a < k; ++a) s[a] = std::log(r[a]) - std::log(std::max(total - r[a], 1e-300));
  if (k == 1) {
    if (beta > 1.0) {
      if (!slack) return finish(kInf);
      const double star = negative_gamma_minimiser(beta);
      s[0] = std::log(star) - std::log1p(-star);
      return finish(r[0] * negative_gamma_loss(s[0], beta));
    }
    s[0] = kInf;  // p = 1: the loss there is 0 (β < 1) or 1 (β = 1)
    return finish(beta == 1.0 ? r[0] : 0.0);
  }
  if (beta >= 1.0) {
    const Budget b =
        convex_budget(r, k, beta, 1.0, kInf, slack, s.data(), out.evaluations, lambda_hint);
    out.converged = b.converged;
    out.lambda = b.lambda;
    return finish(cost_of(r, s.data(), k, beta));
  }
  // β < 1: (A) everything in the convex part.
  out.lambda = std::numeric_limits<double>::quiet_NaN();
  const double p_i = negative_gamma_inflection(beta);
  const double cap = std::log(p_i) - std::log1p(-p_i);
  double best = kInf;
  std::vector<double> best_s(k);
  {
    std::vector<double> sa = s;
    const Budget a = convex_budget(r, k, beta, 1.0, cap, false, sa.data(), out.evaluations);
    out.converged = a.converged;
    if (!a.capped) {
      best = cost_of(r, sa.data(), k, beta);
      best_s = sa;
    }
  }
  // (B) the heaviest symbol b in the concave part, q = 1 - p_b in (0, 1 - p_i].
  const std::size_t b = std::max_element(r, r + k) - r;
  std::vector<double> rest, rest_s;
  for (std::size_t a = 0; a < k; ++a)
    if (a != b) {
      rest.push_back(r[a]);
      rest_s.push_back(s[a]);
    }
  struct Point {
    double q, concave, V, slope;  // r_b g(1-q), V(q), V'(q) = -λ(q)
  };
  auto concave_part = [&](double q) { return q > 0.0 ? r[b] * negative_gamma_loss(logit_of_complement(q), beta) : 0.0; };
  std::vector<double> point_s = rest_s;
  auto evaluate = [&](double q) {
    const Budget v = convex_budget(rest.data(), rest.size(), beta, q, cap, false, point_s.data(),
                                   out.evaluations);
    out.converged = out.converged && v.converged;
    const Point pt{q, concave_part(q), cost_of(rest.data(), point_s.data(), rest.size(), beta),
                   -v.lambda};
    const double F = pt.concave + pt.V;
    if (F < best) {
      best = F;
      for (std::size_t a = 0, i = 0; a < k; ++a)
        best_s[a] = a == b ? logit_of_complement(q) : point_s[i++];
    }
    return pt;
  };
  // On [q1, q2]: F >= chord of the concave part + tangent of V at q2, a line,
  // least at one of the ends.
  struct Interval {
    double bound, q1, concave1;
    Point right;
    bool operator<(const Interval& o) const { return bound > o.bound; }
  };
  auto bound = [&](double q1, double concave1, const Point& right) {
    const double at_q1 = concave1 + right.V + right.slope * (q1 - right.q);
    return std::min(at_q1, right.concave + right.V);
  };
  std::priority_queue<Interval> open;
  const Point top = evaluate(1.0 - p_i);
  open.push({bound(0.0, 0.0, top), 0.0, 0.0, top});
  for (int splits = 0; !open.empty(); ++splits) {
    const Interval iv = open.top();
    if (iv.bound >= best - 1e-14 * best) break;
    // Near -1 (β -> 1-) the optimal q goes as r_light^(1/(1-β)) and can fall
    // below any double (1e-400 at γ = -0.99 with a mass 1e-6): no PMF in
    // doubles attains the optimum there, so the cell is not certified.
    if (splits >= 4000 || iv.right.q < 1e-290) {
      out.converged = false;
      break;
    }
    open.pop();
    const double mid = 0.5 * (iv.q1 + iv.right.q);
    if (!(mid > iv.q1 && mid < iv.right.q)) continue;  // as fine as doubles go
    const Point m = evaluate(mid);
    open.push({bound(iv.q1, iv.concave1, m), iv.q1, iv.concave1, m});
    open.push({bound(mid, m.concave, iv.right), mid, m.concave, iv.right});
  }
  s = best_s;
  return finish(best);
}

double negative_gamma_cap(double beta) {
  if (beta >= 1.0) return kInf;
  const double p_i = negative_gamma_inflection(beta);
  return std::log(p_i) - std::log1p(-p_i);
}

NegativeInner negative_gamma_inner(double r, double beta, double cap, double lambda, double& s) {
  int evaluations = 0;
  s = invert_slope(-lambda / r, beta, cap, s, evaluations);
  NegativeInner out;
  if (s == kInf) {  // p = 1 (β = 1, g' >= -1/2 > -λ/r)
    out.loss = r * negative_gamma_loss(kInf, beta);
    return out;
  }
  const LogitPoint x = logit_point(s);
  out.loss = r * negative_gamma_loss(s, beta);
  if (beta < 1.0 &&
      lambda * x.q < out.loss) {  // p = 1 (g(1) = 0) is better: the concave part's end
    out.loss = 0.0;
    return out;
  }
  out.p = x.p;
  out.q = x.q;
  // On the convex part r g'(p) = -λ, so dp/dλ = -1/(r g'') = -p q/(r dg'/ds).
  if (s < cap) out.dp_dx = -lambda * x.p * x.q / (r * derivatives(x, s, beta).per_logit);
  return out;
}

NegativeDual negative_gamma_dual(const double* r, std::size_t k, double gamma, double M) {
  const double beta = -gamma, cap = negative_gamma_cap(beta);
  std::vector<double> s(k, kInf);  // warm starts across λ (kInf: none yet)
  struct Value {
    double L = 0.0;       // L(λ)
    double excess = 0.0;  // Σ_a p_a(λ) - M, the p_a near 1 through their q_a
  };
  // L(λ) = Σ_a r_a g(p_a) + λ (Σ_a p_a - M): the loss part and the budget's
  // excess apart, so that a tiny d* is not lost to Σ λ p_a - λ M.
  auto at = [&](double lambda) {
    CompensatedSum loss;
    double excess = 0.0, high = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      const NegativeInner in = negative_gamma_inner(r[a], beta, cap, lambda, s[a]);
      loss.add(in.loss);
      if (in.p > 0.5) {
        high += 1.0;
        excess -= in.q;
      } else {
        excess += in.p;
      }
    }
    Value v;
    v.excess = excess + (high - M);
    v.L = loss.value() + lambda * v.excess;
    return v;
  };
  const Value zero = at(0.0);
  if (zero.excess <= 0.0) return {std::max(0.0, zero.L), 0.0};  // λ = 0 is optimal
  // Σ_a p_a(λ) falls to 0 as λ grows (p_a ≈ r_a / λ), so the doubling ends.
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 1100 && at(hi).excess > 0.0; ++i) {
    lo = hi;
    hi *= 2.0;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = lo > 0.0 ? std::sqrt(lo * hi) : 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;
    (at(mid).excess > 0.0 ? lo : hi) = mid;
  }
  const double at_lo = at(lo).L, at_hi = at(hi).L;
  if (at_lo >= at_hi) return {std::max(0.0, at_lo), lo};
  return {std::max(0.0, at_hi), hi};
}

double negative_gamma_lagrangian(const double* r, std::size_t k, double gamma, double M) {
  return negative_gamma_dual(r, k, gamma, M).value;
}

}  // namespace focalrd::detail
