#include "focalrd/focal_loss.hpp"

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <limits>

#include "detail/h_gamma.hpp"
#include "detail/threads.hpp"

namespace focalrd {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// ln(1/p), taking whichever of p and q = 1 - p carries full precision.
double log_inverse(double p, double q) noexcept { return p > 0.5 ? -std::log1p(-q) : -std::log(p); }

// At p = 1 (q = 0) the loss is its limit: 0 for γ > -1 (γ != 0: q^γ ln(1/p)
// ~ q^(1+γ)), 1 nat at γ = -1, +inf below.
double loss_at_one(double gamma) noexcept { return gamma > -1.0 ? 0.0 : (gamma == -1.0 ? 1.0 : kInf); }

// Golden-section search for a maximum of f in [a, b], narrowed until
// `iterations` steps or width `width`; the larger of its last two values.
template <typename F>
double golden_section_max(const F& f, double a, double b, int iterations, double width) {
  constexpr double kInvPhi = 0.6180339887498949;  // 1/golden ratio
  double c = b - kInvPhi * (b - a), e = a + kInvPhi * (b - a);
  double fc = f(c), fe = f(e);
  for (int it = 0; it < iterations && b - a > width; ++it) {
    if (fc >= fe) {
      b = e;
      e = c;
      fe = fc;
      c = b - kInvPhi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = e;
      fc = fe;
      e = a + kInvPhi * (b - a);
      fe = f(e);
    }
  }
  return std::max(fc, fe);
}
}  // namespace

double focal_loss(double p, double q, double gamma) noexcept {
  if (!(p > 0.0)) return kInf;
  const double log_loss = log_inverse(p, q);
  if (gamma == 0.0) return log_loss;
  if (!(q > 0.0)) return loss_at_one(gamma);
  return std::pow(q, gamma) * log_loss;
}

double weighted_loss(double r, double p, double q, double gamma) noexcept {
  if (r == 0.0) return 0.0;  // 0 · ln(1/0) := 0
  if (!(p > 0.0)) return kInf;
  const double log_loss = log_inverse(p, q);
  if (gamma != 0.0 && !(q > 0.0)) return r * loss_at_one(gamma);
  const double weight = gamma == 0.0 ? 1.0 : std::pow(q, gamma);
  if (weight >= DBL_MIN) {
    const double t = r * (weight * log_loss);  // r · focal_loss(p, q, γ)
    if (t >= DBL_MIN || t == 0.0) return t;
  }
  // Below the normal range: r q^γ ln(1/p) as one exponential of a sum of
  // logarithms, rounded once (a subnormal q^γ times r and ln(1/p) would round
  // twice and lose more bits). q > 0 and ln(1/p) > 0 here.
  if (!(log_loss > 0.0)) return 0.0;
  return std::exp(std::log(r) + (gamma == 0.0 ? 0.0 : gamma * std::log(q)) + std::log(log_loss));
}

double focal_phi(double p, double q, double gamma) noexcept {
  if (!(p > 0.0)) return kInf;
  if (gamma == 0.0) return 1.0 / p;
  if (!(q > 0.0)) return 0.0;
  // φ = q^(γ-1) (γ L + q/p) = q^γ (1/p + γ L/q); L/q -> 1 as q -> 0, so the
  // second form stays finite for γ < 1.
  const double l_over_q = log_inverse(p, q) / q;
  return std::pow(q, gamma) * (1.0 / p + gamma * l_over_q);
}

LogitPoint logit_point(double s) noexcept {
  // e <= 1 always, so log1p(e) is accurate and nothing overflows; for large
  // |s| the smaller of p and q underflows gracefully while its log stays exact.
  LogitPoint x{};
  if (s >= 0.0) {
    const double e = std::exp(-s);
    const double l = std::log1p(e);
    x.p = 1.0 / (1.0 + e);
    x.q = e / (1.0 + e);
    x.log_p = -l;
    x.log_q = -s - l;
  } else {
    const double e = std::exp(s);
    const double l = std::log1p(e);
    x.p = e / (1.0 + e);
    x.q = 1.0 / (1.0 + e);
    x.log_p = s - l;
    x.log_q = -l;
  }
  return x;
}

namespace {
LogPhi log_phi_at(const LogitPoint& x, double gamma, double* curvature) noexcept {
  const double L = -x.log_p;  // ln(1/p) >= 0
  // L/q -> 1 as q -> 0 (p -> 1), so p L / q stays bounded by max(1, ...).
  const double l_over_q = x.q > 0.0 ? L / x.q : 1.0;
  LogPhi out{};
  const double u = gamma * x.p * l_over_q;
  out.value = gamma * x.log_q + std::log1p(u) + L;
  // dℓ/ds = -q - γ p + γ p d / (1 + u), with d = L/q - 1 >= 0 and u = γ p L/q
  // (from dq/ds = -p q and dL/ds = -q). In this form nothing cancels: for
  // p -> 1, d -> q/2 and the slope tends to -(q + γ), which the textbook
  // form (1 - γ) p - (1 + γ p)/(1 + u) loses entirely when γ is tiny.
  double d;
  if (x.q > 1e-4) {
    d = (L - x.q) / x.q;
  } else {  // L = -ln(1 - q) = q + q^2/2 + q^3/3 + ..., so d = q/2 + q^2/3 + ...
    const double q = x.q;
    d = q * (0.5 + q * (1.0 / 3.0 + q * (0.25 + q * 0.2)));
  }
  out.slope = -x.q - gamma * x.p + gamma * x.p * d / (1.0 + u);
  // From du/ds = γ p d and dd/ds = p d - q (as L/q = d + 1):
  //   ℓ'' = p q (1 - γ) + γ p (d - q - γ p d² / (1 + u)) / (1 + u).
  if (curvature) {
    const double gp = gamma * x.p, inv_1u = 1.0 / (1.0 + u);
    *curvature = x.p * x.q * (1.0 - gamma) + gp * inv_1u * (d - x.q - gp * d * d * inv_1u);
  }
  return out;
}
}  // namespace

LogPhi log_phi(const LogitPoint& x, double gamma) noexcept { return log_phi_at(x, gamma, nullptr); }

LogPhi log_phi(const LogitPoint& x, double gamma, double& curvature) noexcept {
  return log_phi_at(x, gamma, &curvature);
}

double elasticity_bound(double gamma) {
  if (!(gamma >= 0.0) || !std::isfinite(gamma)) return HUGE_VAL;
  if (gamma == 0.0) return 1.0;  // q/|ℓ'| = 1 exactly: ℓ'(s) = -q
  auto ratio = [gamma](double s) {
    const LogitPoint x = logit_point(s);
    return x.q / -log_phi(x, gamma).slope;
  };
  // The maximum lies near p = 0.2/γ for large γ, s = -2.5 for small: a scan
  // over s in [-ln(1 + γ) - 40, 10] in steps of 1/64, then golden sections
  // around the best grid point.
  const double step = 1.0 / 64.0, lo = -std::log1p(gamma) - 40.0;
  double best_s = lo, best = 0.0;
  for (double s = lo; s <= 10.0; s += step) {
    const double v = ratio(s);
    if (v > best) {
      best = v;
      best_s = s;
    }
  }
  best = std::max({best, golden_section_max(ratio, best_s - step, best_s + step, 60, 0.0), 1.0});
  return std::isfinite(best) ? best * (1.0 + 1e-6) : HUGE_VAL;
}

double cell_distortion(const double* r, const double* p, std::size_t k, double gamma) noexcept {
  if (k == 0) return 0.0;
  if (gamma < -1.0) {  // the PMF may leave mass outside the cell: q = 1 - p each
    double total = 0.0;
    for (std::size_t a = 0; a < k; ++a) total += weighted_loss(r[a], p[a], 1.0 - p[a], gamma);
    return total;
  }
  std::size_t top = 0;
  for (std::size_t a = 1; a < k; ++a)
    if (p[a] > p[top]) top = a;
  double others = 0.0;  // 1 - p[top], as the sum of the other masses
  for (std::size_t a = 0; a < k; ++a)
    if (a != top) others += p[a];
  double total = 0.0;
  for (std::size_t a = 0; a < k; ++a) {
    const double q = a == top ? others : 1.0 - p[a];
    total += weighted_loss(r[a], p[a], q, gamma);
  }
  return total;
}

double entropy(const std::vector<double>& r) noexcept {
  double h = 0.0;
  for (double x : r)
    if (x > 0.0) h -= x * std::log(x);
  return h;
}

double focal_entropy(const std::vector<double>& p, double gamma) noexcept {
  double sum = 0.0;
  for (double x : p)
    if (x > 0.0) sum += std::exp(std::pow(1.0 - x, gamma) * std::log(x));
  return std::log(sum);
}

double h_gamma_objective(double q, double d, double gamma) noexcept {
  return 1.0 + h_gamma_excess(q, d, gamma);
}

double h_gamma_excess(double q, double d, double gamma) noexcept {
  // At γ = 0 the objective is (1 - q) + q = 1: its excess over 1 is
  //   (1-q) [e^((q^γ - 1) ln(1-q)) - 1] + q [e^(((1-x)^γ - 1) ln x) - 1],  x = q/d,
  // each factor through expm1, so the excess keeps its relative precision
  // however small γ is (the objective itself would round it to 0 or 1 ulp).
  if (q <= 0.0) return 0.0;  // the objective is 1
  const double x = q / d;
  const double a = q >= 1.0 ? -1.0  // (1-q)^(q^γ) = 0 at q = 1: the first term is -(1-q)... = -0
                            : std::expm1(std::expm1(gamma * std::log(q)) * std::log1p(-q));
  const double first = q >= 1.0 ? 0.0 : (1.0 - q) * a;
  const double b = std::expm1(std::expm1(gamma * std::log1p(-x)) * std::log(x));
  return first + q * b;
}

namespace {

// max over q in [0, 1] of h_gamma_excess(q, d, γ) (the objective minus 1).
double maximise_over_q(double d, double gamma) {
  return detail::maximise_over_unit_interval(
      [&](double q) { return h_gamma_excess(q, d, gamma); });
}

}  // namespace

namespace detail {

double maximise_over_unit_interval(const std::function<double(double)>& f) {
  constexpr int kGrid = 400;
  double values[kGrid + 1];
  for (int i = 0; i <= kGrid; ++i) values[i] = f(static_cast<double>(i) / kGrid);
  double best = std::max(values[0], values[kGrid]);
  for (int i = 1; i < kGrid; ++i) {
    if (!(values[i] >= values[i - 1] && values[i] >= values[i + 1])) continue;
    // A local maximum of the grid: golden-section search on its two cells.
    const double a = static_cast<double>(i - 1) / kGrid, b = static_cast<double>(i + 1) / kGrid;
    best = std::max({best, values[i], golden_section_max(f, a, b, 80, 1e-15)});
  }
  return best;
}

std::optional<double> h_gamma(std::size_t n, double gamma, int threads, const Control& control) {
  if (n < 2 || gamma == 0.0) return 0.0;  // H_0 = 0 for every PMF, eq. (12); ln 1 for n = 1
  const auto d_max = static_cast<std::int64_t>(n - 1);
  double best = 0.0;  // q = 0: the objective is 1 for every d, its excess 0
  std::atomic<bool> stopped{false};
  // The maximum is taken over exact values, so its result is the same for
  // any thread count and schedule.
#pragma omp parallel num_threads(resolve_threads(threads)) reduction(max : best) if (d_max > 64)
  {
    Poll poll(control, 16);
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t d = 1; d <= d_max; ++d) {
      if (stopped.load(std::memory_order_relaxed)) continue;
      if (poll.stop()) {
        stopped = true;
        continue;
      }
      best = std::max(best, maximise_over_q(static_cast<double>(d), gamma));
    }
  }
  if (stopped) return std::nullopt;
  return std::log1p(best);
}

std::optional<double> h_gamma_upper(double log_N, double gamma, const Control& control) {
  if (!(log_N > 0.0) || gamma == 0.0) return 0.0;  // one symbol, or H_0 = 0 (eq. (12))
  if (log_N <= std::log(static_cast<double>(kExactUpTo)) + 1e-9)
    return h_gamma(static_cast<std::size_t>(std::llround(std::exp(log_N))), gamma, 1, control);
  const std::optional<double> head = h_gamma(kExactUpTo, gamma, 1, control);  // d < D0
  if (!head) return std::nullopt;
  const double D0 = static_cast<double>(kExactUpTo);
  const double K = std::exp(std::max(1.0, gamma) * std::log(D0) / D0);
  const double tail = maximise_over_unit_interval([&](double q) {
    const double kept = q >= 1.0 ? 0.0 : std::pow(1.0 - q, std::pow(q, gamma));
    return kept + K * q - 1.0;  // (1-q)^(q^γ) + K q, minus 1
  });
  return std::min(h_gamma_bound(gamma), std::max(*head, std::log1p(tail)));
}

}  // namespace detail

double h_gamma(std::size_t n, double gamma, int threads) {
  const detail::Control control(Limits{});
  return *detail::h_gamma(n, gamma, threads, control);
}

double h_gamma_bound(double gamma) noexcept {
  // ln(1 + e^x) = x + ln(1 + e^-x): finite for every finite γ.
  const double x = std::max(1.0, gamma) / std::exp(1.0);
  return x + std::log1p(std::exp(-x));
}

}  // namespace focalrd
