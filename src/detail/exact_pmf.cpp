#include "detail/exact_pmf.hpp"

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cfloat>
#include <cmath>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"

namespace focalrd::detail {

namespace {

namespace bmp = boost::multiprecision;
using Real = bmp::number<bmp::cpp_bin_float<160, bmp::digit_base_2>, bmp::et_off>;

// The parameter as written: a decimal, or a fraction a/b of two decimals,
// each converted to 160 bits (Boost parses decimal text to the nearest value).
Real exact(const std::string& text) {
  std::string t;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '+') t += c;
  const auto slash = t.find('/');
  if (slash == std::string::npos) return Real(t);
  return Real(t.substr(0, slash)) / Real(t.substr(slash + 1));
}

// Rounds x > 0 (known to a relative error below `error`) to the nearest
// double: the conversion, then a check against both neighbours.
double nearest(const Real& x, double error, const std::string& spec) {
  double d = x.convert_to<double>();
  for (int i = 0; i < 4; ++i) {
    const double up = std::nextafter(d, HUGE_VAL), down = std::nextafter(d, 0.0);
    const Real here = bmp::abs(x - Real(d));
    if (bmp::abs(x - Real(up)) < here)
      d = up;
    else if (bmp::abs(x - Real(down)) < here)
      d = down;
    else
      break;
  }
  // The nearest double is certain unless x lies within its error of the
  // midpoint to a neighbour (about 2^-100 relative: never seen).
  const double neighbour = x > Real(d) ? std::nextafter(d, HUGE_VAL) : std::nextafter(d, 0.0);
  const Real midpoint = (Real(d) + Real(neighbour)) / 2;
  if (bmp::abs(x - midpoint) <= x * Real(error))
    throw internal_error("the correct rounding of a probability of " + spec + " is undecided");
  return d;
}

// The PMF from its 160-bit values; refuses any that a double cannot hold.
std::vector<double> round_all(const std::vector<Real>& values, double error,
                              const std::string& spec, const std::string& advice) {
  std::vector<double> out(values.size(), 0.0);
  std::size_t tiny = 0;
  Real smallest = 0;
  const Real normal = DBL_MIN;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0) continue;  // a true zero
    if (values[i] < normal) {
      smallest = tiny++ && smallest < values[i] ? smallest : values[i];
      continue;
    }
    out[i] = nearest(values[i], error, spec);
  }
  if (tiny)
    throw invalid_input(
        quoted(spec) + " has " + std::to_string(tiny) + " symbols with probability below " +
        fmt(DBL_MIN) + " (the smallest is about 10^" +
        fmt_short(static_cast<double>(bmp::log10(smallest))) +
        "), which a double cannot hold; focalrd does not drop symbols, so use " + advice);
  return out;
}

// Relative error of 160-bit values after `steps` roundings of each kind.
double error_after(double steps) { return (3.0 * steps + 16.0) * std::ldexp(1.0, -159); }

}  // namespace

std::vector<double> binomial_pmf(long long K, const std::string& p_text, const std::string& spec) {
  const Real P = exact(p_text), Q = 1 - P;
  std::vector<Real> pmf(static_cast<std::size_t>(K) + 1, Real(0));
  if (P == 0) {
    pmf[0] = 1;
  } else if (Q == 0) {
    pmf[K] = 1;
  } else {
    // pmf(k+1) = pmf(k) (K - k) / (k + 1) · P/Q, from pmf(0) = Q^K. With P = Q
    // (P = 1/2) the second half mirrors the first, so symmetry is exact.
    const Real ratio = P / Q;
    const bool symmetric = P == Q;
    pmf[0] = bmp::pow(Q, static_cast<int>(K));
    for (long long k = 0; k < K; ++k) {
      if (symmetric && k + 1 > K / 2) {
        pmf[k + 1] = pmf[K - k - 1];
        continue;
      }
      pmf[k + 1] = pmf[k] * (K - k) / (k + 1) * ratio;
    }
  }
  return round_all(pmf, error_after(static_cast<double>(K) + 64.0), spec, "a smaller K");
}

std::vector<double> geometric_pmf(const std::string& p_text, long long N, const std::string& spec) {
  const Real P = exact(p_text), Q = 1 - P;
  std::vector<Real> pmf(static_cast<std::size_t>(N), Real(0));
  if (Q == 0) {
    pmf[0] = 1;
  } else {
    pmf[0] = P / (1 - bmp::pow(Q, static_cast<int>(N)));
    for (long long k = 1; k < N; ++k) pmf[k] = pmf[k - 1] * Q;
  }
  return round_all(pmf, error_after(static_cast<double>(N) + 64.0), spec,
                   "a smaller N or a larger P");
}

}  // namespace focalrd::detail
