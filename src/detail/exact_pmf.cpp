#include "detail/exact_pmf.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <cfloat>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd::detail {

namespace {

namespace bmp = boost::multiprecision;
using Real = bmp::number<bmp::cpp_bin_float<160, bmp::digit_base_2>, bmp::et_off>;
using Integer = bmp::cpp_int;

// The parameter as written: a decimal, or a fraction a/b of two decimals,
// each converted to 160 bits (Boost parses decimal text to the nearest value).
std::string strip(const std::string& text) {
  std::string t;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '+') t += c;
  return t;
}

// One decimal, its exponent bounded before Boost reads it: Boost's parser
// overflows a long on exponents of 19 digits. The exponent's leading zeros
// go first; a mantissa of zeros is 0 with any exponent; another mantissa
// with an exponent beyond 6 digits is not a probability a double holds
// (parse_number read it as 0 or infinity).
Real decimal(const std::string& t, const std::string& text) {
  const auto e = t.find_first_of("eE");
  if (e == std::string::npos) return Real(t);
  const std::string mantissa = t.substr(0, e);
  std::string exponent = t.substr(e + 1);
  const std::string sign = !exponent.empty() && exponent[0] == '-' ? "-" : "";
  if (!sign.empty()) exponent.erase(0, 1);
  exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size()));
  if (exponent.size() > 6) {
    if (!mantissa.empty() && mantissa.find_first_not_of("0.-") == std::string::npos &&
        mantissa.find('0') != std::string::npos)
      return Real(0);
    throw invalid_input("P is " + quoted(text) + ", whose exponent is beyond any double");
  }
  return Real(mantissa + "e" + sign + (exponent.empty() ? "0" : exponent));
}

Real exact(const std::string& text) {
  const std::string t = strip(text);
  try {
    const auto slash = t.find('/');
    if (slash == std::string::npos) return decimal(t, text);
    return decimal(t.substr(0, slash), text) / decimal(t.substr(slash + 1), text);
  } catch (const invalid_input&) {
    throw;
  } catch (const std::exception&) {  // parse_number took it, Boost does not
    throw invalid_input("P is " + quoted(text) + ", which focalrd cannot read as an exact decimal");
  }
}

// Rounds x > 0 (known to a relative error below `error`) to the nearest
// double: the conversion, then a check against both neighbours. Nothing when
// x lies within its error of the midpoint to a neighbour: the exact value
// decides then (a dyadic probability may lie exactly on a midpoint).
std::optional<double> nearest(const Real& x, double error) {
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
  const double neighbour = x > Real(d) ? std::nextafter(d, HUGE_VAL) : std::nextafter(d, 0.0);
  const Real midpoint = (Real(d) + Real(neighbour)) / 2;
  if (bmp::abs(x - midpoint) <= x * Real(error)) return std::nullopt;
  return d;
}

// num 2^-shift exactly, rounded to the nearest double (ties to even).
double round_dyadic(Integer num, long long shift) {
  const long long bits = static_cast<long long>(bmp::msb(num)) + 1;
  if (bits > 53) {
    const long long drop = bits - 53;
    const Integer rest = num & ((Integer(1) << drop) - 1), half = Integer(1) << (drop - 1);
    num >>= drop;
    if (rest > half || (rest == half && (num & 1) != 0)) ++num;
    shift -= drop;
  }
  return std::ldexp(num.convert_to<double>(), static_cast<int>(-shift));
}

// A decimal or a fraction a/b as written, as an exact fraction num/den.
bool exact_fraction(const std::string& text, Integer& num, Integer& den) {
  const auto slash = text.find('/');
  if (slash != std::string::npos) {
    Integer n1, d1, n2, d2;
    if (!exact_fraction(text.substr(0, slash), n1, d1) ||
        !exact_fraction(text.substr(slash + 1), n2, d2) || n2 == 0)
      return false;
    num = n1 * d2;
    den = d1 * n2;
  } else {
    std::string digits;
    long long exponent = 0;
    bool dot = false;
    std::size_t i = 0;
    for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
      if (text[i] == '.') {
        dot = true;
      } else if (text[i] >= '0' && text[i] <= '9') {
        digits += text[i];
        exponent -= dot;
      } else {
        return false;
      }
    }
    if (i < text.size()) {
      const std::string e = text.substr(i + 1);
      if (e.empty() || e.size() > 6 || e.find_first_not_of("+-0123456789") != std::string::npos)
        return false;
      exponent += std::stoll(e);
    }
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));  // not octal
    if (digits.empty() || digits.size() > 400 || exponent < -400 || exponent > 400) return false;
    num = Integer(digits);
    den = 1;
    const Integer ten_power = bmp::pow(Integer(10), static_cast<unsigned>(std::llabs(exponent)));
    (exponent >= 0 ? num : den) *= ten_power;
  }
  const Integer g = bmp::gcd(num, den);
  num /= g;
  den /= g;
  return true;
}

// The PMF from its 160-bit values; refuses any that a double cannot hold.
// `exact(i)` gives the nearest double of a value too close to a midpoint to
// decide from 160 bits, when it can.
std::vector<double> round_all(const std::vector<Real>& values, double error,
                              const std::string& spec, const std::string& advice,
                              const std::function<std::optional<double>(std::size_t)>& exact) {
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
    std::optional<double> d = nearest(values[i], error);
    if (!d && exact) d = exact(i);
    if (!d)
      throw internal_error("the correct rounding of a probability of " + quoted(spec) +
                           " is undecided");
    out[i] = *d;
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
  // Only a dyadic P (1/2, 1/4, 3/8, ...) can put a probability exactly on a
  // midpoint between doubles: then, for the few values that 160 bits leave
  // undecided, C(K, k) a^k (2^e - a)^(K-k) 2^(-eK) in integers (small K only:
  // for large K such a tie has probability about 2^-K).
  Integer a, b;
  const bool dyadic = exact_fraction(strip(p_text), a, b) && b > 0 && (b & (b - 1)) == 0 && a > 0 &&
                      a < b && K <= 4096;
  const auto exact_value = [&](std::size_t k) -> std::optional<double> {
    if (!dyadic) return std::nullopt;
    Integer choose = 1;
    for (long long i = 1; i <= static_cast<long long>(k); ++i) choose = choose * (K - k + i) / i;
    const long long e = static_cast<long long>(bmp::msb(b));
    const Integer num = choose * bmp::pow(a, static_cast<unsigned>(k)) *
                        bmp::pow(b - a, static_cast<unsigned>(K - static_cast<long long>(k)));
    return round_dyadic(num, e * K);
  };
  return round_all(pmf, error_after(static_cast<double>(K) + 64.0), spec, "a smaller K",
                   exact_value);
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
                   "a smaller N or a larger P", nullptr);
}

std::vector<double> iid_pmf(long long N, const std::vector<std::string>& p_text,
                            const std::string& spec) {
  const std::size_t k = p_text.size();
  std::vector<Real> P(k);
  Real sum = 0;
  for (std::size_t j = 0; j < k; ++j) {
    P[j] = exact(p_text[j]);
    sum += P[j];
  }
  if (bmp::abs(sum - 1) > Real(tol::kPmfSum))
    throw invalid_input("the letter probabilities of " + quoted(spec) + " sum to " +
                        fmt(sum.convert_to<double>()) + "; they must sum to 1 within " +
                        fmt(tol::kPmfSum));
  // Exactly dyadic letters summing to exactly 1 give dyadic masses, which may
  // lie on a midpoint between doubles: those are decided in integers.
  std::vector<Integer> num(k), den(k);
  bool dyadic = N <= 4096;
  for (std::size_t j = 0; j < k && dyadic; ++j)
    dyadic = exact_fraction(strip(p_text[j]), num[j], den[j]) && (den[j] & (den[j] - 1)) == 0;
  if (sum != 1) {
    dyadic = false;
    for (Real& x : P) x /= sum;
  }
  // One value per type, so that sequences of one type get one mass: a type
  // is keyed by the sorted letters of its sequences (N of them, short since
  // k^N is bounded), symbols visited in lexicographic order like an odometer.
  std::size_t n = 1;
  for (long long i = 0; i < N && k > 1; ++i) n *= k;
  std::map<std::vector<int>, std::size_t> type_of;
  std::vector<std::vector<int>> types;  // sorted letters of each type
  std::vector<Real> value_of_type;
  std::vector<std::size_t> symbol_type(n);
  std::vector<int> letters(k > 1 ? static_cast<std::size_t>(N) : 0, 0), key;
  for (std::size_t i = 0; i < n; ++i) {
    key = letters;
    std::sort(key.begin(), key.end());
    const auto [it, added] = type_of.emplace(key, types.size());
    if (added) {
      Real v = k > 1 ? Real(1) : bmp::pow(P[0], static_cast<int>(N));
      for (std::size_t a = 0; a < key.size();) {  // runs of one letter
        std::size_t b = a;
        while (b < key.size() && key[b] == key[a]) ++b;
        v *= bmp::pow(P[static_cast<std::size_t>(key[a])], static_cast<int>(b - a));
        a = b;
      }
      types.push_back(key);
      value_of_type.push_back(v);
    }
    symbol_type[i] = it->second;
    for (std::size_t pos = letters.size(); pos-- > 0;) {  // the next sequence
      int& x = letters[pos];
      x = x + 1 == static_cast<int>(k) ? 0 : x + 1;
      if (x != 0) break;
    }
  }
  {  // masses a double cannot hold, counted by symbol (round_all counts types)
    std::size_t tiny = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Real& v = value_of_type[symbol_type[i]];
      tiny += v != 0 && v < Real(DBL_MIN);
    }
    if (tiny)
      throw invalid_input(quoted(spec) + " has " + std::to_string(tiny) +
                          " sequences with probability below " + fmt(DBL_MIN) +
                          ", which a double cannot hold; focalrd does not drop symbols, so use "
                          "a smaller N");
  }
  const auto exact_value = [&](std::size_t t) -> std::optional<double> {
    if (!dyadic) return std::nullopt;
    Integer product = 1;
    long long shift = 0;
    if (k == 1) return 1.0;  // P_1 = 1: one sequence of mass 1
    for (int x : types[t]) {
      const auto j = static_cast<std::size_t>(x);
      product *= num[j];
      shift += static_cast<long long>(bmp::msb(den[j]));
    }
    if (product == 0) return 0.0;
    return round_dyadic(product, shift);
  };
  const std::vector<double> rounded =
      round_all(value_of_type, error_after(static_cast<double>(N + static_cast<long long>(k)) + 64.0),
                spec, "a smaller N", exact_value);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = rounded[symbol_type[i]];
  return out;
}

}  // namespace focalrd::detail
