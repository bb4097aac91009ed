#include "focalrd/excess.hpp"

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/sum.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/problem.hpp"

namespace focalrd {

namespace {

double log_in(double x, Units units) { return units == Units::bits ? std::log2(x) : std::log(x); }

// The focal loss of mass t in `units`: (1 - t)^γ log(1/t).
double loss_at(double t, double gamma, Units units) {
  const double log_loss = units == Units::bits ? -std::log2(t) : -std::log(t);
  return gamma == 0.0 ? log_loss : std::pow(1.0 - t, gamma) * log_loss;
}

void check_distortion(double D, Units units) {
  if (!std::isfinite(D) || D < 0.0)
    throw invalid_input("D is " + detail::fmt(D) + "; the distortion level must be finite and >= 0 (" +
                        to_string(units) + ")");
}

// The least c in [lo, hi] with `ok(c)`, for ok monotone (false, then true)
// and ok(hi) true.
std::size_t least(std::size_t lo, std::size_t hi, const std::function<bool(std::size_t)>& ok) {
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (ok(mid))
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// ln g(c), g(c) = (1 - 1/c)^γ log c, for c >= 2: finite however large γ is.
double log_share_loss(std::size_t c, double gamma, Units units) {
  const double x = static_cast<double>(c);
  return gamma * std::log1p(-1.0 / x) + std::log(log_in(x, units));
}

// Whether g(c) = (1 - 1/c)^γ log c <= D, decided exactly: by logarithms in
// doubles (no underflow at large γ) when g(c) is clearly on one side of D,
// else in 160-bit arithmetic (D is a double, so it is exact there).
bool served_within(std::size_t c, double gamma, double D, Units units) {
  if (c <= 1) return true;  // g(1) = 0 <= D
  if (D <= 0.0) return false;  // g(c) > 0 for c >= 2
  const double log_g = log_share_loss(c, gamma, units);
  const double log_D = std::log(D), slack = 1e-12 * std::max(1.0, std::fabs(log_D));
  if (log_g < log_D - slack) return true;
  if (log_g > log_D + slack) return false;
  namespace bmp = boost::multiprecision;
  using Real = bmp::number<bmp::cpp_bin_float<160, bmp::digit_base_2>, bmp::et_off>;
  const Real X(static_cast<double>(c));
  Real g = bmp::pow(1 - 1 / X, Real(gamma)) * bmp::log(X);
  if (units == Units::bits) g /= bmp::log(Real(2));
  return g <= Real(D);
}

}  // namespace

double uniform_share_loss(std::size_t c, double gamma, Units units) {
  if (c <= 1) return 0.0;
  const double x = static_cast<double>(c);
  const double loss = log_in(x, units);
  return gamma == 0.0 ? loss : std::pow(1.0 - 1.0 / x, gamma) * loss;
}

ExcessDistortion::ExcessDistortion(const Source& source) {
  std::vector<double> sorted;
  for (double r : source.pmf())
    if (r > 0.0) sorted.push_back(r);
  std::sort(sorted.begin(), sorted.end(), std::greater<double>());
  n_ = sorted.size();
  // Suffix sums from the smallest mass up, with Neumaier's compensation.
  tail_.assign(n_ + 1, 0.0);
  detail::CompensatedSum sum;
  for (std::size_t i = n_; i-- > 0;) {
    sum.add(sorted[i]);
    tail_[i] = sum.value();
  }
}

double ExcessDistortion::tail(std::size_t served) const { return tail_[std::min(served, n_)]; }

ExcessResult ExcessDistortion::at(long long M, double D, double gamma, Units units) const {
  check_messages(M);
  check_gamma(gamma);
  check_distortion(D, units);
  ExcessResult out;
  // L: the largest c in [1, n] with g(c) <= D (g increasing, g(1) = 0).
  const std::size_t above = least(1, n_ + 1, [&](std::size_t c) {
    return c > n_ || !served_within(c, gamma, D, units);
  });
  out.per_message = above - 1;
  const auto m = static_cast<std::size_t>(M);
  out.served = m >= n_ ? n_ : std::min(n_, m * out.per_message);
  out.epsilon = tail(out.served);
  // t_D by bisection on the decreasing loss: the midpoint until it repeats.
  if (D > 0.0) {
    double lo = 0.0, hi = 1.0;  // loss(lo) > D >= loss(hi)
    for (int it = 0; it < 2200; ++it) {
      const double mid = 0.5 * (lo + hi);
      if (mid == lo || mid == hi) break;
      (loss_at(mid, gamma, units) > D ? lo : hi) = mid;
    }
    out.threshold = hi;
  }
  return out;
}

double ExcessDistortion::least_distortion(long long M, double epsilon, double gamma,
                                          Units units) const {
  check_messages(M);
  check_gamma(gamma);
  if (!(epsilon >= 0.0 && epsilon <= 1.0))
    throw invalid_input("epsilon is " + detail::fmt(epsilon) + "; it must lie in [0, 1]");
  const auto m = static_cast<std::size_t>(M);
  const std::size_t c = least(1, std::max<std::size_t>(n_, 1), [&](std::size_t c) {
    return tail(m >= n_ ? n_ : m * c) <= epsilon;
  });
  // The least double D with g(c) <= D: from g(c) rounded, one ulp at a time.
  if (c <= 1) return 0.0;
  double D = std::exp(log_share_loss(c, gamma, units));
  while (!served_within(c, gamma, D, units)) D = std::nextafter(D, HUGE_VAL);
  while (D > 0.0 && served_within(c, gamma, std::nextafter(D, 0.0), units))
    D = std::nextafter(D, 0.0);
  return D;
}

std::vector<ExcessRow> excess_table(const Source& source, const std::vector<long long>& Ms,
                                    const std::vector<double>& gammas,
                                    const std::vector<double>& levels, bool inverse, Units units,
                                    const Limits& limits) {
  for (long long M : Ms) check_messages(M);
  for (double g : gammas) check_gamma(g);
  for (double x : levels) {
    if (!inverse) check_distortion(x, units);
    else if (!(x >= 0.0 && x <= 1.0))
      throw invalid_input("epsilon is " + detail::fmt(x) + "; it must lie in [0, 1]");
  }
  const ExcessDistortion solver(source);
  const detail::Control control(limits);
  detail::Poll poll(control, 64);
  std::vector<ExcessRow> rows;
  for (long long M : Ms)
    for (double gamma : gammas)
      for (double level : levels) {
        if (poll.stop()) return rows;
        ExcessRow row;
        row.M = M;
        row.gamma = gamma;
        if (inverse) {
          row.target = level;
          row.D = solver.least_distortion(M, level, gamma, units);
        } else {
          row.D = level;
        }
        row.result = solver.at(M, row.D, gamma, units);
        rows.push_back(row);
      }
  return rows;
}

}  // namespace focalrd
