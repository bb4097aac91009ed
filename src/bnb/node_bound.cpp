#include "bnb/node_bound.hpp"

#include <algorithm>
#include <cmath>

#include "detail/kkt.hpp"
#include "detail/negative_gamma.hpp"

namespace focalrd::bnb {

double raised_join_gain(double S, double c, double theta) {
  if (!(S > 1.0) || !(c < 1e6)) return 0.0;
  // With y = ln ρ = ln S / c the gain is θ [c (e^y - 1) - (e^(cy) - 1)] / (1 - c)
  //   = θ Σ_{n>=2} c (1 + c + ... + c^(n-2)) y^n / n!,
  // summed as the series (positive terms, no cancellation) while cy <= 2,
  // else as S y (e^((1-c) y) - 1) / ((1-c) y) - (e^y - 1).
  const double y = std::log(S) / c;
  if (c * y > 2.0) {
    const double z = (1.0 - c) * y;
    const double ratio = z == 0.0 ? 1.0 : std::expm1(z) / z;
    return std::max(0.0, theta * (S * y * ratio - std::expm1(y)));
  }
  double power = 0.5 * y * y, geometric = 1.0, sum = c * power;
  for (int n = 3; n < 60; ++n) {
    power *= y / n;
    geometric = geometric * c + 1.0;
    const double term = c * power * geometric;
    sum += term;
    if (term <= 1e-17 * sum) break;
  }
  return theta * sum;
}

double raised_join_gain_below(double S, double c, double theta) {
  if (!(S > 1.0) || !(c < 1e6)) return 0.0;
  const double eps = S - 1.0;
  return theta * eps * eps / (2.0 * c * S);
}

double raised_join_gain_above(double S, double theta) {
  const double eps = S - 1.0;
  return S > 1.0 ? 0.5 * theta * eps * eps : 0.0;
}

NodeBound::NodeBound(const Instance& in, const Partial& node, const detail::Control& control)
    : in_(in), node_(node), control_(control) {
  reset(0.0);
}

void NodeBound::reset(double x0) {
  cell_h.assign(in_.K, 0.0);
  cell_p.assign(in_.K, 0.0);
  cell_dp.assign(in_.K, 0.0);
  s_cache_.resize(in_.n);
  // A start for each logit (γ < 0: none, negative_gamma_inner chooses).
  for (std::size_t t = 0; t < in_.n; ++t) s_cache_[t] = in_.gamma < 0.0 ? kInf : -in_.log_r[t];
  memo_x_.assign(in_.n, kNaN);
  memo_.resize(in_.n);
  x_ = x0;
}

NodeBound::Point NodeBound::evaluate(std::size_t t, double x) {
  const double K = static_cast<double>(in_.K), m = static_cast<double>(node_.open);
  const double theta = std::exp(x);
  Point pt;
  pt.x = x;
  pt.theta = theta;
  pt.value = -(K - m) * theta;
  pt.g = -(K - m);
  // The symbols whose terms are evaluated exactly, in the order they are
  // summed: the members of each raised cell (λ*_j < θ), then the unassigned
  // symbols before the tail; all at once (symbol_duals).
  const std::size_t exact_end = std::max(t, in_.tail);
  batch_.clear();
  for (std::size_t j = 0; j < node_.open; ++j) {
    const OpenCell& cell = node_.cells[j];
    if (cell.value.mu < x) batch_.insert(batch_.end(), cell.members.begin(), cell.members.end());
  }
  for (std::size_t u = t; u < exact_end; ++u) batch_.push_back(static_cast<int>(u));
  duals_.resize(batch_.size());
  if (in_.gamma > 0.0) {
    detail::symbol_duals(in_.r.data(), in_.log_r.data(), batch_.data(), batch_.size(), in_.gamma, x,
                         s_cache_.data(), duals_.data());
  } else {
    for (std::size_t i = 0; i < batch_.size(); ++i)
      duals_[i] = dual_of(static_cast<std::size_t>(batch_[i]), x);
  }
  for (std::size_t i = 0; i < batch_.size(); ++i)
    remember(static_cast<std::size_t>(batch_[i]), x, duals_[i]);
  std::size_t next = 0;  // the next entry of duals_
  for (std::size_t j = 0; j < node_.open; ++j) {
    const OpenCell& cell = node_.cells[j];
    if (cell.value.mu >= x) {
      pt.value += cell.value.dual;
      continue;
    }
    double h = 0.0, p = 0.0, dp = 0.0;
    for (std::size_t i = 0; i < cell.members.size(); ++i) {
      const detail::SymbolDual& d = duals_[next++];
      h += d.h;
      p += d.p;
      dp += d.dp_dx;
    }
    cell_h[j] = h;
    cell_p[j] = p;
    cell_dp[j] = dp;
    pt.value += h - theta;
    pt.g += p - 1.0;
    pt.dg += dp;
  }
  for (std::size_t u = t; u < exact_end; ++u) {
    const detail::SymbolDual& d = duals_[next++];
    pt.value += d.h;
    pt.g += d.p;
    pt.dg += d.dp_dx;
    if (u == t) {
      pt.h_t = d.h;
      pt.p_t = d.p;
      pt.dp_t = d.dp_dx;
      pt.exact_next = true;
    }
  }
  if (exact_end < in_.n) {  // the tail in closed form, p_u ≈ r_u / θ
    pt.value += tail_bound(in_, exact_end, x);
    pt.g += in_.mass[exact_end] / theta;
    pt.dg -= in_.mass[exact_end] / theta;
    if (!pt.exact_next && t < in_.n) pt.h_t = dual_of(t, x).h;
  }
  return pt;
}

std::optional<NodeBound::Point> NodeBound::child_point(const Point& pt, std::size_t j, bool opened,
                                                       const CellValue& before,
                                                       const CellValue& joined) {
  const double theta = pt.theta;
  Point c = pt;
  c.value -= pt.h_t;
  c.g -= pt.p_t;
  c.dg -= pt.dp_t;
  c.exact_next = false;
  if (opened) {
    // A new cell: one empty cell fewer (+θ), a raised singleton (h_t - θ).
    c.value += pt.h_t;
    c.g += pt.p_t;
    c.dg += pt.dp_t;
    cell_h[j] = pt.h_t;
    cell_p[j] = pt.p_t;
    cell_dp[j] = pt.dp_t;
    return c;
  }
  const bool was_raised = before.mu < pt.x, raised = joined.mu < pt.x;
  if (raised && !was_raised) return std::nullopt;
  if (was_raised) {
    c.value -= cell_h[j] - theta;
    c.g -= cell_p[j] - 1.0;
    c.dg -= cell_dp[j];
  } else {
    c.value -= before.dual;
  }
  if (raised) {
    cell_h[j] += pt.h_t;
    cell_p[j] += pt.p_t;
    cell_dp[j] += pt.dp_t;
    c.value += cell_h[j] - theta;
    c.g += cell_p[j] - 1.0;
    c.dg += cell_dp[j];
  } else {
    c.value += joined.dual;
  }
  return c;
}

double NodeBound::maximise(std::size_t t, double floor, double enough, double negligible_rel,
                           const Point* start) {
  double lo = -kInf, hi = kInf, best = floor;
  Point pt = start ? *start : evaluate(t, x_);
  for (int it = 0; it < 60; ++it) {
    if (it > 0) {
      if (control_.stop()) break;  // any θ certifies: keep the best so far
      pt = evaluate(t, pt.x);
    }
    point_ = pt;
    x_ = pt.x;
    if (std::isfinite(pt.value)) best = std::max(best, pt.value);
    if (best >= enough) break;
    // Newton's quadratic model of f(x) = Ψ(e^x): f' = θ g, f'' = θ (g + dg),
    // so the promised gain is f'^2 / (2 |f''|).
    const double curvature = pt.g + pt.dg;
    if (curvature < 0.0 &&
        pt.theta * pt.g * pt.g / (-2.0 * curvature) < negligible_rel * std::fabs(best))
      break;
    if (pt.g > 0.0)
      lo = pt.x;
    else
      hi = pt.x;
    double step = pt.dg < 0.0 ? -pt.g / pt.dg : (pt.g > 0.0 ? 1.0 : -1.0);
    if (std::fabs(step) < 1e-10 || pt.g == 0.0) break;
    step = std::max(-8.0, std::min(8.0, step));
    double next = pt.x + step;
    if (!(next > lo && next < hi))
      next = std::isfinite(lo) && std::isfinite(hi) ? 0.5 * (lo + hi) : next;
    if (std::isfinite(lo) && std::isfinite(hi) && hi - lo < 1e-12) break;
    pt.x = next;
  }
  return best;
}

void NodeBound::complete_next(std::size_t t, Point& pt) {
  if (pt.exact_next || t >= in_.tail) return;
  const detail::SymbolDual d = dual_of(t, pt.x);
  pt.h_t = d.h;
  pt.p_t = d.p;
  pt.dp_t = d.dp_dx;
  pt.exact_next = true;
}

double NodeBound::h_at(std::size_t t, double mu) {
  double s = s_cache_[t];
  return dual_at(t, mu, s).h;
}

detail::SymbolDual NodeBound::dual_of(std::size_t a, double x) {
  if (memo_x_[a] == x) return memo_[a];
  const detail::SymbolDual d = dual_at(a, x, s_cache_[a]);
  remember(a, x, d);
  return d;
}

detail::SymbolDual NodeBound::dual_at(std::size_t a, double x, double& s) const {
  if (in_.gamma >= 0.0) return detail::symbol_dual(in_.r[a], in_.log_r[a], in_.gamma, x, s);
  // γ < 0: the inner minimum is global (detail/negative_gamma.hpp), which
  // weak duality needs.
  const double lambda = std::exp(x);
  const detail::NegativeInner in =
      detail::negative_gamma_inner(in_.r[a], -in_.gamma, in_.cap, lambda, s);
  return detail::SymbolDual{in.loss + lambda * in.p, in.p, in.dp_dx};
}

}  // namespace focalrd::bnb
