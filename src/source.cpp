#include "focalrd/source.hpp"

#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "detail/format.hpp"
#include "detail/random.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd {

namespace {

double parse_plain(const std::string& s, const std::string& token, const std::string& what) {
  if (s.empty()) throw std::invalid_argument(what + ": '" + token + "' is not a number");
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  if (end != begin + s.size())
    throw std::invalid_argument(what + ": '" + token + "' is not a number");
  if (errno == ERANGE && std::fabs(v) > 1.0)
    throw std::invalid_argument(what + ": '" + token + "' is out of the range of a double");
  return v;
}

}  // namespace

double parse_number(const std::string& token, const std::string& what) {
  const auto slash = token.find('/');
  if (slash == std::string::npos) return parse_plain(token, token, what);
  const double num = parse_plain(token.substr(0, slash), token, what);
  const double den = parse_plain(token.substr(slash + 1), token, what);
  if (den == 0.0) throw std::invalid_argument(what + ": '" + token + "' divides by zero");
  return num / den;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& what) {
  std::string body = text;
  // Allow one pair of surrounding brackets, as in "[1/3, 1/3, 1/3]".
  const auto first = body.find_first_not_of(" \t\r\n");
  const auto last = body.find_last_not_of(" \t\r\n");
  if (first != std::string::npos && body[first] == '[') {
    if (body[last] != ']') throw std::invalid_argument(what + ": '[' without a closing ']'");
    body = body.substr(first + 1, last - first - 1);
  }
  std::vector<double> out;
  std::string token;
  bool pending_comma = false;  // a comma seen since the last number
  auto flush = [&]() {
    if (!token.empty()) {
      out.push_back(parse_number(token, what));
      token.clear();
      pending_comma = false;
    }
  };
  for (char c : body) {
    if (c == ',') {
      if (token.empty() && (out.empty() || pending_comma))
        throw std::invalid_argument(what + ": empty entry in '" + text + "'");
      flush();
      pending_comma = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else {
      token += c;
    }
  }
  if (token.empty() && pending_comma)
    throw std::invalid_argument(what + ": empty entry in '" + text + "'");
  flush();
  if (out.empty()) throw std::invalid_argument(what + " is empty; give at least one number");
  return out;
}

Source Source::from_pmf(std::vector<double> pmf, const SourceOptions& options, std::string label) {
  if (pmf.empty()) throw std::invalid_argument("the PMF is empty; give at least one probability");
  // With normalisation the entries are weights to be rescaled: any finite
  // value >= 0. Without, each must already be a probability.
  const double upper = options.normalize ? HUGE_VAL : 1.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < pmf.size(); ++i) {
    const double x = pmf[i];
    if (!std::isfinite(x) || x < 0.0 || x > upper)
      throw std::invalid_argument("probability of symbol " + std::to_string(i) + " is " +
                                  detail::fmt(x) + "; probabilities must be finite and in " +
                                  (options.normalize ? "[0, inf) with --normalize" : "[0, 1]"));
    sum += x;
  }
  if (!(sum > 0.0) || !std::isfinite(sum))
    throw std::invalid_argument("probabilities sum to " + detail::fmt(sum) +
                                "; the PMF must sum to 1");
  if (options.normalize && sum != 1.0) {
    for (double& x : pmf) x /= sum;
  } else if (std::fabs(sum - 1.0) > tol::kPmfSum) {
    throw std::invalid_argument("probabilities sum to " + detail::fmt(sum) +
                                "; they must sum to 1 within " + detail::fmt(tol::kPmfSum) +
                                " (pass --normalize to rescale them)");
  }
  for (std::size_t i = 0; i < pmf.size(); ++i)
    if (pmf[i] > 0.0 && pmf[i] < DBL_MIN)
      throw std::invalid_argument("probability of symbol " + std::to_string(i) + " is " +
                                  detail::fmt(pmf[i]) +
                                  ", below the smallest normal double; remove the symbol or "
                                  "merge it with another");
  return Source(std::move(pmf), std::move(label));
}

Source Source::parse(const std::string& text, const SourceOptions& options) {
  return from_pmf(parse_number_list(text, "--pmf"), options, "pmf");
}

namespace {

long long family_integer(const std::string& text, const std::string& what) {
  const double x = parse_number(text, what);
  if (x != std::floor(x) || std::fabs(x) > 9e15)
    throw std::invalid_argument(what + " is " + text + "; it must be an integer");
  return static_cast<long long>(x);
}

// Probabilities given by their logarithms, in long double: refuses any that a
// double cannot hold rather than dropping them.
std::vector<double> from_logs(const std::vector<long double>& logs, const std::string& spec) {
  std::vector<double> out(logs.size());
  std::size_t tiny = 0;
  long double smallest = 0.0L;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    if (logs[i] == -HUGE_VALL) continue;  // a true zero
    if (logs[i] < std::log(static_cast<long double>(DBL_MIN))) {
      smallest = tiny++ ? std::min(smallest, logs[i]) : logs[i];
      continue;
    }
    out[i] = static_cast<double>(std::exp(logs[i]));
  }
  if (tiny)
    throw std::invalid_argument(
        spec + " has " + std::to_string(tiny) + " symbols with probability below " +
        detail::fmt(DBL_MIN) + " (the smallest is 1e" +
        std::to_string(static_cast<long long>(std::floor(smallest / std::log(10.0L)))) +
        "), which a double cannot hold; focalrd does not drop symbols, so use a smaller K");
  return out;
}

}  // namespace

Source Source::family(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::vector<double> none;
  std::vector<std::string> args;
  if (colon != std::string::npos) {
    std::stringstream ss(spec.substr(colon + 1));
    std::string item;
    while (std::getline(ss, item, ',')) args.push_back(item);
  }
  auto expect = [&](std::size_t lo, std::size_t hi, const std::string& form) {
    if (args.size() < lo || args.size() > hi)
      throw std::invalid_argument("source '" + spec + "' needs the form " + form);
  };
  SourceOptions exact;
  if (kind == "binomial") {
    expect(2, 2, "binomial:K,P");
    const long long K = family_integer(args[0], "K in binomial:K,P");
    const double p = parse_number(args[1], "P in binomial:K,P");
    if (K < 1 || K > 10000000)
      throw std::invalid_argument("K is " + args[0] + "; binomial:K,P needs 1 <= K <= 1e7");
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument("P is " + args[1] + "; binomial:K,P needs P in [0, 1]");
    // ln C(K, k) + k ln P + (K - k) ln(1 - P), in long double: for K = 100 the
    // terms are about 400 in size, so each probability keeps full double precision.
    std::vector<long double> logs(K + 1);
    const long double lp = std::log(static_cast<long double>(p));
    const long double lq = std::log1p(-static_cast<long double>(p));
    for (long long k = 0; k <= K; ++k) {
      const long double choose =
          std::lgamma(K + 1.0L) - std::lgamma(k + 1.0L) - std::lgamma(K - k + 1.0L);
      const long double a = k == 0 ? 0.0L : k * lp, b = k == K ? 0.0L : (K - k) * lq;
      logs[k] = (std::isinf(a) || std::isinf(b)) ? -HUGE_VALL : choose + a + b;
    }
    return from_pmf(from_logs(logs, spec), exact, spec);
  }
  if (kind == "uniform") {
    expect(1, 1, "uniform:N");
    const long long N = family_integer(args[0], "N in uniform:N");
    if (N < 1 || N > 100000000)
      throw std::invalid_argument("N is " + args[0] + "; uniform:N needs 1 <= N <= 1e8");
    return from_pmf(std::vector<double>(N, 1.0 / static_cast<double>(N)), exact, spec);
  }
  if (kind == "geometric") {
    expect(2, 2, "geometric:P,N");
    const double p = parse_number(args[0], "P in geometric:P,N");
    const long long N = family_integer(args[1], "N in geometric:P,N");
    if (!(p > 0.0 && p <= 1.0))
      throw std::invalid_argument("P is " + args[0] + "; geometric:P,N needs P in (0, 1]");
    if (N < 1 || N > 100000000)
      throw std::invalid_argument("N is " + args[1] + "; geometric:P,N needs 1 <= N <= 1e8");
    // P (1-P)^k / (1 - (1-P)^N), k = 0..N-1, in logs.
    const long double lq = std::log1p(-static_cast<long double>(p));
    const long double norm = std::log(static_cast<long double>(p)) -
                             std::log(-std::expm1(static_cast<long double>(N) * lq));
    std::vector<long double> logs(N);
    for (long long k = 0; k < N; ++k) logs[k] = p == 1.0 ? (k ? -HUGE_VALL : 0.0L) : norm + k * lq;
    SourceOptions renormalise;
    renormalise.normalize = true;  // only rounding separates the sum from 1
    return from_pmf(from_logs(logs, spec), renormalise, spec);
  }
  if (kind == "dirichlet") {
    expect(2, 3, "dirichlet:N,SEED[,ALPHA]");
    const long long N = family_integer(args[0], "N in dirichlet:N,SEED");
    const long long seed = family_integer(args[1], "SEED in dirichlet:N,SEED");
    const double alpha =
        args.size() > 2 ? parse_number(args[2], "ALPHA in dirichlet:N,SEED,ALPHA") : 1.0;
    if (N < 1 || N > 100000000)
      throw std::invalid_argument("N is " + args[0] + "; dirichlet:N,SEED needs 1 <= N <= 1e8");
    if (seed < 0) throw std::invalid_argument("SEED is " + args[1] + "; it must be >= 0");
    if (!(alpha > 0.0) || !std::isfinite(alpha))
      throw std::invalid_argument("ALPHA is " + args[2] + "; dirichlet needs ALPHA > 0");
    // Normalised Gamma(ALPHA) variates; a draw small enough to underflow is
    // redrawn from the same stream, so the result stays reproducible.
    detail::Rng rng(static_cast<std::uint64_t>(seed));
    std::vector<double> x(N);
    double sum = 0.0;
    for (double& v : x) {
      do v = rng.gamma(alpha);
      while (!(v > 1e-250));
      sum += v;
    }
    for (double& v : x) v /= sum;
    SourceOptions renormalise;
    renormalise.normalize = true;
    return from_pmf(std::move(x), renormalise, spec);
  }
  throw std::invalid_argument("source kind '" + kind +
                              "' is not known; use binomial:K,P, uniform:N, geometric:P,N or "
                              "dirichlet:N,SEED[,ALPHA]");
}

Source Source::read_file(const std::string& path, const std::string& column,
                         const SourceOptions& options) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--pmf-file: cannot open '" + path + "'");
  auto fields = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, ',')) {
      const auto a = f.find_first_not_of(" \t\r"), b = f.find_last_not_of(" \t\r");
      out.push_back(a == std::string::npos ? "" : f.substr(a, b - a + 1));
    }
    return out;
  };
  std::vector<double> pmf;
  long long index = -1;
  const bool numeric_column =
      !column.empty() && column.find_first_not_of("0123456789") == std::string::npos;
  if (numeric_column) index = std::stoll(column);
  std::string line;
  std::size_t line_no = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++line_no;
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    const std::vector<std::string> f = fields(line);
    const std::string where = "--pmf-file " + path + " line " + std::to_string(line_no);
    if (first && index < 0) {  // a named column: find it in the header
      for (std::size_t i = 0; i < f.size(); ++i)
        if (f[i] == column) index = static_cast<long long>(i);
      if (index < 0) throw std::invalid_argument(where + ": no column named '" + column + "'");
      first = false;
      continue;
    }
    if (index >= static_cast<long long>(f.size()))
      throw std::invalid_argument(where + ": no column " + std::to_string(index));
    try {
      pmf.push_back(parse_number(f[index], where));
    } catch (const std::invalid_argument&) {
      if (!first) throw;  // only the first line may be a header
    }
    first = false;
  }
  if (pmf.empty()) throw std::invalid_argument("--pmf-file " + path + " holds no probabilities");
  return from_pmf(std::move(pmf), options, path);
}

Source Source::with_weights(const std::vector<double>& q) const {
  if (q.size() != r_.size())
    throw std::invalid_argument("--weights has " + std::to_string(q.size()) +
                                " entries but the source has " + std::to_string(r_.size()) +
                                " symbols");
  double norm = 0.0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (!std::isfinite(q[i]) || q[i] < 0.0)
      throw std::invalid_argument("weight of symbol " + std::to_string(i) + " is " +
                                  detail::fmt(q[i]) + "; weights must be finite and >= 0");
    norm += r_[i] * q[i];
  }
  if (!(norm > 0.0) || !std::isfinite(norm))
    throw std::invalid_argument(
        "the weights give the source total weight Σ P(a) Q(a) = " + detail::fmt(norm) +
        "; at least one symbol of positive probability needs a positive weight");
  std::vector<double> weighted(r_.size());
  for (std::size_t i = 0; i < q.size(); ++i) weighted[i] = r_[i] * q[i] / norm;  // eq. (7)
  SourceOptions renorm;
  renorm.normalize = true;  // only rounding separates the sum from 1 here
  return from_pmf(std::move(weighted), renorm, label_ + " weighted");
}

std::size_t Source::support_size() const {
  std::size_t n = 0;
  for (double x : r_) n += x > 0.0;
  return n;
}

}  // namespace focalrd
