#include "focalrd/excess.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cfloat>
#include <cmath>
#include <functional>
#include <string>

#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/sum.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/nletter.hpp"
#include "focalrd/problem.hpp"

namespace focalrd {

namespace {

double log_in(double x, Units units) { return units == Units::bits ? std::log2(x) : std::log(x); }

// The focal loss of mass t in `units`: (1 - t)^γ log(1/t).
double loss_at(double t, double gamma, Units units) {
  const double log_loss = units == Units::bits ? -std::log2(t) : -std::log(t);
  return gamma == 0.0 ? log_loss : std::pow(1.0 - t, gamma) * log_loss;
}

void check_count(double M) {
  if (!(M >= 1.0 && M <= DBL_MAX && M == std::floor(M)))
    throw invalid_input("M is " + detail::fmt(M) +
                        "; the number of messages M must be an integer at least 1");
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

namespace {
std::vector<MassRun> single_runs(const Source& source) {
  std::vector<MassRun> runs;
  for (double r : source.pmf())
    if (r > 0.0) runs.push_back({r, 1.0});
  return runs;
}
constexpr double kMaxPerMessage = 4611686018427387904.0;  // 2^62
}  // namespace

ExcessDistortion::ExcessDistortion(const Source& source) : ExcessDistortion(single_runs(source)) {}

ExcessDistortion::ExcessDistortion(std::vector<MassRun> runs) {
  runs.erase(std::remove_if(runs.begin(), runs.end(),
                            [](const MassRun& r) { return !(r.mass > 0.0 && r.count > 0.0); }),
             runs.end());
  std::stable_sort(runs.begin(), runs.end(),
                   [](const MassRun& a, const MassRun& b) { return a.mass > b.mass; });
  runs_ = std::move(runs);
  before_.assign(runs_.size() + 1, 0.0);
  for (std::size_t i = 0; i < runs_.size(); ++i) before_[i + 1] = before_[i] + runs_[i].count;
  n_ = before_.back();
  // Suffix sums from the smallest mass up, with Neumaier's compensation.
  tail_.assign(runs_.size() + 1, 0.0);
  detail::CompensatedSum sum;
  for (std::size_t i = runs_.size(); i-- > 0;) {
    sum.add(runs_[i].count * runs_[i].mass);
    tail_[i] = sum.value();
  }
}

double ExcessDistortion::tail(double served) const {
  if (served >= n_) return 0.0;
  // The run holding the first unserved symbol: the last i with before_[i] <= served.
  const std::size_t i =
      static_cast<std::size_t>(std::upper_bound(before_.begin(), before_.end(), served) -
                               before_.begin()) - 1;
  if (before_[i] == served) return tail_[i];
  return (before_[i + 1] - served) * runs_[i].mass + tail_[i + 1];
}

std::size_t ExcessDistortion::per_message(double D, double gamma, Units units) const {
  const auto cap = static_cast<std::size_t>(std::min(n_, kMaxPerMessage));
  const std::size_t above =
      least(1, cap + 1, [&](std::size_t c) { return c > cap || !served_within(c, gamma, D, units); });
  if (above > cap && n_ > kMaxPerMessage)
    throw too_large("D = " + detail::fmt(D) + " lets one message serve more than 2^62 of the " +
                    detail::fmt_short(n_) + " symbols; use a smaller D");
  return above - 1;
}

ExcessResult ExcessDistortion::at(double M, double D, double gamma, Units units) const {
  check_count(M);
  check_gamma(gamma);
  check_distortion(D, units);
  ExcessResult out;
  // L: the largest c in [1, n] with g(c) <= D (g increasing, g(1) = 0).
  out.per_message = per_message(D, gamma, units);
  out.served = std::min(n_, M * static_cast<double>(out.per_message));
  out.epsilon = std::min(1.0, tail(out.served));
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

double ExcessDistortion::least_distortion(double M, double epsilon, double gamma,
                                          Units units) const {
  check_count(M);
  check_gamma(gamma);
  if (!(epsilon >= 0.0 && epsilon <= 1.0))
    throw invalid_input("epsilon is " + detail::fmt(epsilon) + "; it must lie in [0, 1]");
  // The least c whose M c most probable symbols leave at most epsilon (c = n
  // serves everything; c at most 2^62).
  const auto cap = static_cast<std::size_t>(std::max(1.0, std::min(n_, kMaxPerMessage)));
  const std::size_t c = least(1, cap, [&](std::size_t c) {
    return c == cap || tail(M * static_cast<double>(c)) <= epsilon;
  });
  if (tail(M * static_cast<double>(c)) > epsilon)
    throw too_large("epsilon = " + detail::fmt(epsilon) + " needs one message to serve more than " +
                    "2^62 of the " + detail::fmt_short(n_) + " symbols; use a larger epsilon");
  // The least double D with g(c) <= D: from g(c) rounded, one ulp at a time.
  if (c <= 1) return 0.0;
  double D = std::exp(log_share_loss(c, gamma, units));
  while (!served_within(c, gamma, D, units)) D = std::nextafter(D, HUGE_VAL);
  while (D > 0.0 && served_within(c, gamma, std::nextafter(D, 0.0), units))
    D = std::nextafter(D, 0.0);
  return D;
}

MessageGrid messages_given(const std::vector<long long>& Ms) {
  MessageGrid grid;
  for (long long M : Ms) {
    check_messages(M);
    grid.counts.push_back(static_cast<double>(M));
    grid.exact.emplace_back(M);
    grid.rates.emplace_back();
  }
  return grid;
}

MessageGrid messages_for_rates(const std::vector<double>& rates, std::size_t block_length) {
  MessageGrid grid;
  for (double R : rates) {
    (void)log_messages_at_rate(block_length, R);  // checks R
    const auto M = messages_at_rate(block_length, R);
    grid.counts.push_back(M ? static_cast<double>(*M)
                            : std::min(DBL_MAX, std::exp2(R * static_cast<double>(block_length))));
    grid.exact.push_back(M);
    grid.rates.emplace_back(R);
  }
  return grid;
}

std::vector<ExcessRow> excess_table(const ExcessDistortion& solver, const MessageGrid& Ms,
                                    const std::vector<double>& gammas,
                                    const std::vector<double>& levels, bool inverse, Units units,
                                    const Limits& limits) {
  for (double M : Ms.counts) check_count(M);
  for (double g : gammas) check_gamma(g);
  for (double x : levels) {
    if (!inverse) check_distortion(x, units);
    else if (!(x >= 0.0 && x <= 1.0))
      throw invalid_input("epsilon is " + detail::fmt(x) + "; it must lie in [0, 1]");
  }
  const detail::Control control(limits);
  detail::Poll poll(control, 64);
  std::vector<ExcessRow> rows;
  for (std::size_t i = 0; i < Ms.counts.size(); ++i)
    for (double gamma : gammas)
      for (double level : levels) {
        if (poll.stop()) return rows;
        ExcessRow row;
        row.M = Ms.counts[i];
        row.exact_M = Ms.exact[i];
        row.rate = Ms.rates[i];
        row.gamma = gamma;
        if (inverse) {
          row.target = level;
          row.D = solver.least_distortion(row.M, level, gamma, units);
        } else {
          row.D = level;
        }
        row.result = solver.at(row.M, row.D, gamma, units);
        rows.push_back(row);
      }
  return rows;
}

}  // namespace focalrd
