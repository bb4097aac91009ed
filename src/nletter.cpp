#include "focalrd/nletter.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/h_gamma.hpp"
#include "detail/kkt.hpp"
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

std::vector<TypeClass> type_classes(const std::vector<double>& letters, std::size_t n) {
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
  if (n < 1) throw invalid_input("the block length is 0; it must be >= 1");
  const std::size_t k = p.size();
  // C(n + k - 1, k - 1) types, counted in doubles against the limit.
  double types = 1.0;
  for (std::size_t j = 1; j < k && types <= static_cast<double>(limits::kMaxSymbols); ++j)
    types = types * static_cast<double>(n + j) / static_cast<double>(j);
  if (types > static_cast<double>(limits::kMaxSymbols))
    throw too_large("blocks of " + std::to_string(n) + " letters of " + std::to_string(k) +
                    " have " + detail::fmt_short(types) + " types; at most " +
                    std::to_string(limits::kMaxSymbols) + " are handled (use a smaller n)");
  std::vector<double> log_p(k);
  for (std::size_t j = 0; j < k; ++j) log_p[j] = std::log(p[j]);
  const double log_n_factorial = std::lgamma(static_cast<double>(n) + 1.0);
  std::vector<TypeClass> out;
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
    // The next composition: move one unit from the last nonzero part before
    // the end to its right neighbour, and gather the tail there.
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

double log_messages_at_rate(std::size_t n, double rate) {
  if (!(rate >= 0.0) || !std::isfinite(rate))
    throw invalid_input("rate is " + detail::fmt(rate) + "; it must be finite and >= 0");
  const double bits = rate * static_cast<double>(n);
  if (bits <= 62.0) return std::log(std::floor(std::exp2(bits) * (1.0 + 1e-12)));
  return bits * std::log(2.0);
}

double lagrangian_converse_by_types(const std::vector<double>& letters, std::size_t n,
                                    double log_M, double gamma) {
  check_gamma(gamma);
  const std::vector<TypeClass> types = type_classes(letters, n);
  double log_sequences = 0.0;  // ln k^n over the letters of positive mass
  for (double x : letters) log_sequences += x > 0.0;
  log_sequences = static_cast<double>(n) * std::log(log_sequences);
  if (log_M >= log_sequences * (1.0 - 1e-15)) return 0.0;  // a message per sequence
  std::vector<double> s(types.size());
  for (std::size_t t = 0; t < types.size(); ++t) s[t] = -types[t].log_mass;  // a starting logit
  std::vector<double> terms(types.size());
  // ln Σ_t |t| p_t(θ) - ln M, decreasing in x = ln θ; and L(x) itself.
  auto excess = [&](double x) {
    for (std::size_t t = 0; t < types.size(); ++t)
      terms[t] = types[t].log_count + unit_dual(x - types[t].log_mass, gamma, s[t]).log_p;
    return log_sum_exp(terms) - log_M;
  };
  auto value = [&](double x) {
    double sum = 0.0;  // Σ_t P(t) H(u_t), P(t) = |t| r_t the type's probability
    for (std::size_t t = 0; t < types.size(); ++t)
      sum += std::exp(types[t].log_count + types[t].log_mass) *
             unit_dual(x - types[t].log_mass, gamma, s[t]).value;
    return sum - std::exp(x + log_M);
  };
  // A bracket: p -> 1 far below every ln r_t (excess > 0 as M < k^n), and
  // p_t ≈ r_t / θ far above (Σ |t| p_t ≈ e^-x, below M once x > -ln M).
  double top = -HUGE_VAL, bottom = HUGE_VAL;
  for (const TypeClass& t : types) {
    top = std::max(top, t.log_mass);
    bottom = std::min(bottom, t.log_mass);
  }
  double lo = bottom - 50.0 * (1.0 + gamma), hi = std::max(top, -log_M) + 50.0;
  for (int i = 0; i < 60 && excess(lo) <= 0.0; ++i) lo -= 100.0 * (1.0 + gamma) * (i + 1);
  for (int i = 0; i < 60 && excess(hi) >= 0.0; ++i) hi += 100.0 * (i + 1);
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (excess(mid) > 0.0 ? lo : hi) = mid;
  }
  // Every θ gives a lower bound: the larger of the two ends.
  return std::max({0.0, value(lo), value(hi)});
}

double converse_by_types(const std::vector<double>& letters, std::size_t n, double log_M,
                         double gamma) {
  check_gamma(gamma);
  (void)type_classes(letters, n);  // validates the letters
  double entropy = 0.0, k = 0.0;
  for (double x : letters)
    if (x > 0.0) {
      entropy -= x * std::log(x);
      k += 1.0;
    }
  const detail::Control unlimited{Limits{}};
  const double h = *detail::h_gamma_upper(static_cast<double>(n) * std::log(k), gamma, unlimited);
  return std::max(0.0, static_cast<double>(n) * entropy - log_M - h);
}

std::vector<NLetterRow> nletter_table(const std::vector<std::string>& letter_texts,
                                      const std::vector<long long>& ns,
                                      const std::vector<double>& gammas,
                                      const NLetterOptions& options) {
  std::vector<double> letters;
  for (const std::string& text : letter_texts)
    letters.push_back(parse_number(text, "a letter probability"));
  for (double g : gammas) check_gamma(g);
  for (long long n : ns) {
    if (n < 1 || n > 1000000) throw invalid_input("n is " + std::to_string(n) + "; it must be in [1, 10^6]");
    (void)type_classes(letters, static_cast<std::size_t>(n));  // refuses too many types first
  }
  double entropy_nats = 0.0;
  for (double x : letters)
    if (x > 0.0) entropy_nats -= x * std::log(x);
  std::size_t k = 0;
  for (double x : letters) k += x > 0.0;
  std::string spec_tail, listed;
  for (const std::string& text : letter_texts) {
    spec_tail += "," + text;
    listed += (listed.empty() ? "" : " ") + text;
  }
  const detail::Control control(options.limits);
  std::vector<NLetterRow> rows;
  for (long long n_ll : ns)
    for (double gamma : gammas) {
      if (control.stop()) return rows;
      const auto n = static_cast<std::size_t>(n_ll);
      NLetterRow row;
      row.letters = listed;
      row.rate = options.rate;
      row.n = n;
      row.gamma = gamma;
      const double log_M = log_messages_at_rate(n, options.rate);
      row.log2_messages = log_M / std::log(2.0);
      if (options.rate * static_cast<double>(n) <= 62.0) row.messages = std::llround(std::exp(log_M));
      row.entropy = entropy_nats;
      row.limit = std::max(0.0, entropy_nats - options.rate * std::log(2.0));
      row.lagrangian = lagrangian_converse_by_types(letters, n, log_M, gamma) / static_cast<double>(n);
      const std::optional<double> h =
          detail::h_gamma_upper(static_cast<double>(n) * std::log(static_cast<double>(k)), gamma, control);
      if (!h) return rows;
      row.converse = std::max(0.0, static_cast<double>(n) * entropy_nats - log_M - *h) /
                     static_cast<double>(n);
      const double sequences = std::pow(static_cast<double>(k), static_cast<double>(n));
      if (row.messages && sequences <= static_cast<double>(options.exact_symbols)) {
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
  return rows;
}

}  // namespace focalrd
