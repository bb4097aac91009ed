#include "focalrd/nletter.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cfloat>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string>

#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/h_gamma.hpp"
#include "detail/kkt.hpp"
#include "detail/scheme_by_runs.hpp"
#include "detail/sum.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/limits.hpp"
#include "focalrd/parse.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/search.hpp"
#include "focalrd/source.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd {

namespace {

// ln Σ e^x over xs (nothing: -inf).
double log_sum_exp(const std::vector<double>& xs) {
  double top = -HUGE_VAL;
  for (double x : xs) top = std::max(top, x);
  if (!std::isfinite(top)) return top;
  double sum = 0.0;
  for (double x : xs) sum += std::exp(x - top);
  return top + std::log(sum);
}

// One type's dual term per unit mass, H(u) = min_p (1-p)^γ ln(1/p) + e^u p
// with u = ln θ - ln r (so h(r, θ) = r H(u)), and the minimiser's ln p.
struct UnitDual {
  double value = 0.0, log_p = 0.0;
};
UnitDual unit_dual(double u, double gamma, double& s) {
  if (gamma == 0.0)  // p = min(1, e^-u)
    return u <= 0.0 ? UnitDual{std::exp(u), 0.0} : UnitDual{u + 1.0, -u};
  double p, q, slope;
  LogitPoint at{};
  detail::invert_log_phi(u, gamma, s, &p, &q, &slope, &at);
  return {std::exp(gamma * at.log_q) * -at.log_p + std::exp(u + at.log_p), at.log_p};
}

}  // namespace

std::vector<double> block_letters(const std::vector<double>& letters) {
  std::vector<double> p;
  double sum = 0.0;
  for (double x : letters) {
    if (!std::isfinite(x) || x < 0.0 || x > 1.0)
      throw invalid_input("a letter probability is " + detail::fmt(x) + "; each must be in [0, 1]");
    sum += x;
    if (x > 0.0) p.push_back(x);
  }
  if (std::fabs(sum - 1.0) > tol::kPmfSum)
    throw invalid_input("the letter probabilities sum to " + detail::fmt(sum) +
                        "; they must sum to 1 within " + detail::fmt(tol::kPmfSum));
  for (double& x : p) x /= sum;
  return p;
}

double type_count(std::size_t k, std::size_t n) {
  double types = 1.0;
  for (std::size_t j = 1; j < k && std::isfinite(types); ++j)
    types = types * static_cast<double>(n + j) / static_cast<double>(j);
  return types;
}

std::vector<TypeClass> type_classes(const std::vector<double>& letters, std::size_t n) {
  const std::vector<double> p = block_letters(letters);
  if (n < 1) throw invalid_input("the block length is 0; it must be >= 1");
  const std::size_t k = p.size();
  const double types = type_count(k, n);
  if (types > static_cast<double>(limits::kMaxSymbols))
    throw too_large("blocks of " + std::to_string(n) + " letters of " + std::to_string(k) +
                    " have " + detail::fmt_short(types) + " types; at most " +
                    std::to_string(limits::kMaxSymbols) + " are handled (use a smaller n)");
  std::vector<double> log_p(k);
  for (std::size_t j = 0; j < k; ++j) log_p[j] = std::log(p[j]);
  const double log_n_factorial = std::lgamma(static_cast<double>(n) + 1.0);
  std::vector<TypeClass> out;
  out.reserve(static_cast<std::size_t>(types));
  std::vector<int> counts(k, 0);
  counts[0] = static_cast<int>(n);
  for (;;) {  // every composition of n into k parts, in reverse lexicographic order
    TypeClass t;
    t.counts = counts;
    t.log_count = log_n_factorial;
    for (std::size_t j = 0; j < k; ++j) {
      t.log_mass += counts[j] * log_p[j];
      t.log_count -= std::lgamma(counts[j] + 1.0);
    }
    out.push_back(std::move(t));
    // The next composition: one unit from the last nonzero part before the
    // end moves right, and the tail gathers just after it.
    std::size_t j = k - 1;
    while (j > 0 && counts[j - 1] == 0) --j;
    if (k == 1 || j == 0) break;
    --counts[j - 1];
    const int tail = counts[k - 1] + 1;
    counts[k - 1] = 0;
    counts[j] = tail;
  }
  return out;
}

std::optional<long long> messages_at_rate(std::size_t n, double rate) {
  const double bits = rate * static_cast<double>(n);
  if (!(rate >= 0.0) || !(bits <= 62.0)) return std::nullopt;
  // R as written: the shortest decimal that reads back as the double R (0.51
  // is 51/100, not the binary double just above it, which makes 2^(100 R)
  // exceed 2^51 by 1.4). Then nR and 2^(nR) in 160-bit arithmetic, an
  // integer nR exactly: the floor is exact.
  char text[32];
  char* end = std::to_chars(text, text + sizeof text, rate).ptr;
  namespace bmp = boost::multiprecision;
  using Real = bmp::number<bmp::cpp_bin_float<160, bmp::digit_base_2>, bmp::et_off>;
  const Real exponent = Real(std::string(text, end)) * Real(static_cast<unsigned long long>(n));
  const Real whole = bmp::round(exponent);
  const Real y = bmp::abs(exponent - whole) <= Real(1e-40)
                     ? bmp::ldexp(Real(1), whole.convert_to<int>())
                     : bmp::exp2(exponent);
  return bmp::floor(y).convert_to<long long>();
}

double log_messages_at_rate(std::size_t n, double rate) {
  if (!(rate >= 0.0 && rate <= 1000.0))
    throw invalid_input("rate is " + detail::fmt(rate) +
                        " bits per letter; it must lie in [0, 1000]");
  if (const auto M = messages_at_rate(n, rate)) return std::log(static_cast<double>(*M));
  return rate * static_cast<double>(n) * std::log(2.0);
}

namespace {

// The Lagrangian converse over types under run control (nothing when stopped).
std::optional<double> lagrangian_by_types(const std::vector<TypeClass>& types, std::size_t k,
                                          std::size_t n, double log_M, double gamma,
                                          const detail::Control& control) {
  const double log_sequences = static_cast<double>(n) * std::log(static_cast<double>(k));
  if (log_M >= log_sequences * (1.0 - 1e-15)) return 0.0;  // a message per sequence
  std::vector<double> s(types.size()), terms(types.size());
  for (std::size_t t = 0; t < types.size(); ++t) s[t] = -types[t].log_mass;  // a starting logit
  // The type probabilities, normalised to sum 1 (their logarithms carry the
  // rounding of ln n!, which no longer shifts them all alike).
  std::vector<double> log_P(types.size());
  double size = 0.0;  // the largest |ln |t|| + |ln r_t|
  for (std::size_t t = 0; t < types.size(); ++t) {
    log_P[t] = types[t].log_count + types[t].log_mass;
    size = std::max(size, std::fabs(types[t].log_count) + std::fabs(types[t].log_mass));
  }
  const double log_total = log_sum_exp(log_P);
  for (double& x : log_P) x -= log_total;
  detail::Poll poll(control, 1);
  bool stopped = false;
  // ln Σ_t |t| p_t(θ) - ln M, decreasing in x = ln θ; and L(x) itself, split
  // into Σ_t P(t) H_t and M θ.
  auto excess = [&](double x) {
    stopped = stopped || poll.stop();
    for (std::size_t t = 0; t < types.size(); ++t)
      terms[t] = types[t].log_count + unit_dual(x - types[t].log_mass, gamma, s[t]).log_p;
    return log_sum_exp(terms) - log_M;
  };
  auto value = [&](double x) {
    double sum = 0.0;
    for (std::size_t t = 0; t < types.size(); ++t)
      sum += std::exp(log_P[t]) * unit_dual(x - types[t].log_mass, gamma, s[t]).value;
    const double margin = 16.0 * DBL_EPSILON * (1.0 + size) + 1e-13 * (1.0 + gamma);
    return sum * (1.0 - margin) - std::exp(x + log_M);
  };
  // A bracket: p -> 1 far below every ln r_t (excess > 0 as M < k^n), and
  // p_t ≈ r_t / θ far above (Σ |t| p_t ≈ e^-x, below M once x > -ln M).
  double top = -HUGE_VAL, bottom = HUGE_VAL;
  for (const TypeClass& t : types) {
    top = std::max(top, t.log_mass);
    bottom = std::min(bottom, t.log_mass);
  }
  double lo = bottom - 50.0 * (1.0 + gamma), hi = std::max(top, -log_M) + 50.0;
  for (int i = 0; i < 60 && !stopped && excess(lo) <= 0.0; ++i) lo -= 100.0 * (1.0 + gamma) * (i + 1);
  for (int i = 0; i < 60 && !stopped && excess(hi) >= 0.0; ++i) hi += 100.0 * (i + 1);
  for (int it = 0; it < 200 && !stopped; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (excess(mid) > 0.0 ? lo : hi) = mid;
  }
  if (stopped) return std::nullopt;
  // Every θ gives a lower bound: the larger of the two ends.
  return std::max({0.0, value(lo), value(hi)});
}

}  // namespace

std::optional<double> lagrangian_converse_by_types(const std::vector<double>& letters,
                                                   std::size_t n, double log_M, double gamma,
                                                   const Limits& limits) {
  check_gamma(gamma);
  const std::vector<TypeClass> types = type_classes(letters, n);
  const detail::Control control(limits);
  return lagrangian_by_types(types, block_letters(letters).size(), n, log_M, gamma, control);
}

namespace {

// The rounding margin of the achievability bounds over types (relative):
// 16 ε (1 + γ)(1 + max_t |ln |t|| + |ln r_t| + |ln M|).
double types_margin(const std::vector<TypeClass>& types, double log_M, double gamma) {
  double size = 0.0;
  for (const TypeClass& t : types)
    size = std::max(size, std::fabs(t.log_count) + std::fabs(t.log_mass) + std::fabs(log_M));
  return 16.0 * DBL_EPSILON * (1.0 + gamma) * (1.0 + size);
}

// Eq. (22) over types (nletter.hpp): each type's term from logarithms, so
// that neither M r_t nor |t| r_t overflows or underflows on the way.
double achievability_22_of_types(const std::vector<TypeClass>& types, std::size_t k,
                                 std::size_t n, double log_M, double gamma) {
  const double log_sequences = static_cast<double>(n) * std::log(static_cast<double>(k));
  if (log_M >= log_sequences * (1.0 - 1e-15)) return 0.0;  // a message per sequence
  detail::CompensatedSum total;
  const double margin = types_margin(types, log_M, gamma);
  for (const TypeClass& t : types) {
    const double log_mf = log_M + t.log_mass;  // ln(M r_t)
    if (log_mf >= margin) continue;            // M r_t >= 1: not in A
    const double mf = std::exp(log_mf);
    // ln(1 + 1/mf) = -ln mf + ln(1 + mf), and (1 + mf)^-γ = e^(-γ ln(1 + mf)).
    const double log1p_mf = std::log1p(mf);
    total.add(std::exp(t.log_count + t.log_mass - gamma * log1p_mf) * (log1p_mf - log_mf));
  }
  return total.value() * (1.0 + margin) + 1e-300;
}

// The converse (17) over types under run control (nothing when stopped):
// [n H(X) - ln M - h_γ(k^n)]^+ with the upper bound on h_γ of detail/h_gamma.hpp.
std::optional<double> converse_of_blocks(const std::vector<double>& p, std::size_t n,
                                         double log_M, double gamma,
                                         const detail::Control& control) {
  const std::optional<double> h = detail::h_gamma_upper(
      static_cast<double>(n) * std::log(static_cast<double>(p.size())), gamma, control);
  if (!h) return std::nullopt;
  return std::max(0.0, static_cast<double>(n) * entropy(p) - log_M - *h);
}

}  // namespace

double achievability_22_by_types(const std::vector<double>& letters, std::size_t n, double log_M,
                                 double gamma) {
  check_gamma(gamma);
  return achievability_22_of_types(type_classes(letters, n), block_letters(letters).size(), n,
                                   log_M, gamma);
}

double converse_by_types(const std::vector<double>& letters, std::size_t n, double log_M,
                         double gamma) {
  check_gamma(gamma);
  const detail::Control unlimited{Limits{}};
  return *converse_of_blocks(block_letters(letters), n, log_M, gamma, unlimited);
}

namespace {
double achievability_28_of_types(const std::vector<TypeClass>& types, double M, double gamma);
}  // namespace

double scheme_messages(const std::optional<long long>& M, double log_M) {
  if (M) {
    const double m = static_cast<double>(*M);
    return *M < (1LL << 53) ? m : std::nextafter(m, 0.0);
  }
  return std::exp(log_M) * (1.0 - 1e-14);  // below floor(2^(nR)), as 2^(nR) > 2^62 there
}

std::vector<NLetterRow> nletter_table(const std::vector<std::string>& letter_texts,
                                      const std::vector<long long>& ns,
                                      const std::vector<double>& gammas,
                                      const NLetterOptions& options) {
  std::vector<double> raw;
  std::string spec_tail, listed;
  for (const std::string& text : letter_texts) {
    const double x = parse_number(text, "a letter probability");
    raw.push_back(x);
    if (x > 0.0) spec_tail += "," + text;  // the exact search lists the positive letters
    listed += (listed.empty() ? "" : " ") + text;
  }
  const std::vector<double> letters = block_letters(raw);
  const std::size_t k = letters.size();
  for (double g : gammas) check_gamma(g);
  (void)log_messages_at_rate(1, options.rate);  // checks the rate
  for (long long n : ns) {  // counted, not listed: refused before any work
    if (n < 1 || n > 1000000)
      throw invalid_input("n is " + std::to_string(n) + "; it must be in [1, 10^6]");
    if (type_count(k, static_cast<std::size_t>(n)) > static_cast<double>(limits::kMaxSymbols))
      throw too_large("blocks of " + std::to_string(n) + " letters of " + std::to_string(k) +
                      " have " + detail::fmt_short(type_count(k, static_cast<std::size_t>(n))) +
                      " types; at most " + std::to_string(limits::kMaxSymbols) +
                      " are handled (use a smaller n)");
  }
  const double entropy_nats = entropy(letters);
  const std::size_t exact_symbols = std::min(options.exact_symbols, limits::kMaxSymbols);
  const detail::Control control(options.limits);
  std::vector<NLetterRow> rows;
  for (long long n_ll : ns) {
    if (control.stop()) return rows;
    const auto n = static_cast<std::size_t>(n_ll);
    const std::vector<TypeClass> types = type_classes(letters, n);  // once for every γ
    for (double gamma : gammas) {
      if (control.stop()) return rows;
      NLetterRow row;
      row.letters = listed;
      row.rate = options.rate;
      row.n = n;
      row.gamma = gamma;
      const double log_M = log_messages_at_rate(n, options.rate);
      row.log2_messages = log_M / std::log(2.0);
      row.messages = messages_at_rate(n, options.rate);
      row.entropy = entropy_nats;
      row.limit = std::max(0.0, entropy_nats - options.rate * std::log(2.0));
      const std::optional<double> lagrangian =
          lagrangian_by_types(types, k, n, log_M, gamma, control);
      const std::optional<double> converse =
          lagrangian ? converse_of_blocks(letters, n, log_M, gamma, control) : std::nullopt;
      if (!converse) return rows;
      row.lagrangian = *lagrangian / static_cast<double>(n);
      row.converse = *converse / static_cast<double>(n);
      row.achievability_22 =
          achievability_22_of_types(types, k, n, log_M, gamma) / static_cast<double>(n);
      row.achievability_28 =
          achievability_28_of_types(types, scheme_messages(row.messages, log_M), gamma) /
          static_cast<double>(n);
      const double sequences = std::pow(static_cast<double>(k), static_cast<double>(n));
      if (row.messages && sequences <= static_cast<double>(exact_symbols)) {
        ExactOptions exact;
        exact.threads = options.threads;
        exact.limits.cancel = options.limits.cancel;
        double seconds = options.exact_seconds;
        if (options.limits.time_limit_seconds > 0.0) {
          const double left = std::max(1e-3, options.limits.time_limit_seconds - control.seconds());
          seconds = seconds > 0.0 ? std::min(seconds, left) : left;
        }
        exact.limits.time_limit_seconds = seconds;
        const Problem problem(Source::family("iid:" + std::to_string(n) + spec_tail), *row.messages,
                              gamma);
        row.exact = solve_exact(problem, exact);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

namespace {
// One run per type: |t| sequences of mass r_t (counts integers below 2^53).
std::vector<MassRun> type_runs(const std::vector<TypeClass>& types) {
  std::vector<MassRun> runs;
  for (const TypeClass& t : types) {
    double count = std::exp(t.log_count);
    if (count < 0x1p53) count = std::round(count);
    runs.push_back({std::exp(t.log_mass), count});
  }
  return runs;
}

// (28) over types, margin included (achievability_28_by_types).
double achievability_28_of_types(const std::vector<TypeClass>& types, double M, double gamma) {
  const double margin = types_margin(types, std::log(std::max(M, 1.0)), gamma);
  // Types whose sequences weigh less than 1e-290 (0.11^1000 is 1e-959) do not
  // fit the greedy's doubles. With M = 1 everything is one cell, summed in
  // logarithms; otherwise they get one of the M messages to themselves, the
  // greedy the other M - 1, and their cell costs at most Σ |t| r_t ln(1/r_t)
  // (its loads are at most 1): an upper bound on (28)'s code's neighbour, equal
  // to (28) to far below rounding where these types carry 1e-60 of the mass.
  constexpr double kTiny = 1e-290;
  std::vector<TypeClass> kept;
  detail::CompensatedSum apart;
  for (const TypeClass& t : types) {
    if (M < 2.0) {  // one cell, L = 1: r (1 - r)^γ ln(1/r) for each sequence
      const double r = std::exp(t.log_mass);
      apart.add(std::exp(t.log_count + t.log_mass + gamma * std::log1p(-r)) * -t.log_mass);
    } else if (t.log_mass < std::log(kTiny)) {
      apart.add(std::exp(t.log_count + t.log_mass) * -t.log_mass);
    } else {
      kept.push_back(t);
    }
  }
  if (M < 2.0) return apart.value() * (1.0 + margin) + 1e-300;
  const bool split = kept.size() < types.size();
  std::vector<MassRun> runs = type_runs(kept);
  std::stable_sort(runs.begin(), runs.end(),
                   [](const MassRun& a, const MassRun& b) { return a.mass > b.mass; });
  std::vector<MassRun> merged;  // equal masses are one run: the greedy cannot tell them apart
  for (const MassRun& r : runs)
    if (!merged.empty() && merged.back().mass == r.mass)
      merged.back().count += r.count;
    else
      merged.push_back(r);
  const double value = detail::achievability_28_of_runs(merged, split ? M - 1.0 : M, gamma) +
                       apart.value();
  return value == 0.0 ? 0.0 : value * (1.0 + margin) + 1e-300;
}
}  // namespace

double achievability_28_by_types(const std::vector<double>& letters, std::size_t n, double M,
                                 double gamma) {
  check_gamma(gamma);
  if (!(M >= 1.0)) throw invalid_input("M is " + detail::fmt(M) + "; it must be at least 1");
  return achievability_28_of_types(type_classes(letters, n), std::floor(M), gamma);
}

ExcessDistortion excess_by_types(const std::vector<double>& letters, std::size_t n) {
  std::vector<MassRun> runs = type_runs(type_classes(letters, n));
  // Counts and masses must be doubles: past about 1000 letters counts pass
  // 1e308 or masses fall below 1e-308, and types would be lost with their
  // mass. Where all is there, the masses sum to 1 up to the common rounding
  // of the type probabilities, which the scaling removes (so ε* <= 1).
  detail::CompensatedSum total;
  for (const MassRun& r : runs) total.add(r.count * r.mass);
  if (!(std::fabs(total.value() - 1.0) <= 1e-12))
    throw too_large("blocks of " + std::to_string(n) +
                    " letters: their type counts or masses are beyond doubles (the types' masses "
                    "sum to " +
                    (std::isfinite(total.value()) ? detail::fmt(total.value()) : "no number") +
                    ", not 1); use blocks of at most about 1000 letters");
  for (MassRun& r : runs) r.mass /= total.value();
  return ExcessDistortion(std::move(runs));
}

namespace {
// iid:N,P1,...,Pk's parts N, P1, ..., Pk as written.
std::vector<std::string> iid_parts(const std::string& spec) {
  std::vector<std::string> parts;
  for (std::size_t a = 4, b; a <= spec.size(); a = b + 1) {
    b = std::min(spec.find(',', a), spec.size());
    parts.push_back(spec.substr(a, b - a));
  }
  return parts;
}
}  // namespace

ExcessDistortion excess_of_spec(const std::string& spec) {
  try {
    return ExcessDistortion(Source::family(spec));
  } catch (const too_large&) {
    if (spec.rfind("iid:", 0) != 0) throw;
  }
  // iid:N,P1,...,Pk beyond what can be listed (Source::family has checked its form).
  const std::vector<std::string> parts = iid_parts(spec);
  std::vector<double> letters;
  for (std::size_t j = 1; j < parts.size(); ++j)
    letters.push_back(parse_number(parts[j], "a letter probability in iid:N,P1,...,Pk"));
  return excess_by_types(letters, block_length_of_spec(spec));
}

std::size_t block_length_of_spec(const std::string& spec) {
  if (spec.rfind("iid:", 0) != 0) return 1;
  const double n = parse_number(iid_parts(spec).at(0), "N in iid:N,P1,...,Pk");
  if (!(n >= 1.0 && n <= 1e6 && n == std::floor(n)))
    throw invalid_input("N is " + detail::fmt(n) + " in " + spec +
                        "; the block length must be an integer in [1, 10^6]");
  return static_cast<std::size_t>(n);
}

}  // namespace focalrd
