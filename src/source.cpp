#include "focalrd/source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <sstream>

#include "detail/exact_pmf.hpp"
#include "detail/format.hpp"
#include "detail/random.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/limits.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd {

Source Source::from_pmf(std::vector<double> pmf, const SourceOptions& options, std::string label) {
  if (pmf.empty()) throw invalid_input("the PMF is empty; give at least one probability");
  if (pmf.size() > limits::kMaxSymbols)
    throw too_large("the PMF has " + std::to_string(pmf.size()) +
                    " symbols; focalrd handles at most " + std::to_string(limits::kMaxSymbols));
  // With normalisation the entries are weights to be rescaled: any finite
  // value >= 0. Without, each must already be a probability.
  const double upper = options.normalize ? HUGE_VAL : 1.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < pmf.size(); ++i) {
    const double x = pmf[i];
    if (!std::isfinite(x) || x < 0.0 || x > upper)
      throw invalid_input("probability of symbol " + std::to_string(i) + " is " + detail::fmt(x) +
                          "; probabilities must be finite and in " +
                          (options.normalize ? "[0, inf) with --normalize" : "[0, 1]"));
    sum += x;
  }
  if (!(sum > 0.0) || !std::isfinite(sum))
    throw invalid_input("probabilities sum to " + detail::fmt(sum) + "; the PMF must sum to 1");
  if (options.normalize && sum != 1.0) {
    for (std::size_t i = 0; i < pmf.size(); ++i) {
      const double before = pmf[i];
      pmf[i] /= sum;
      if (before > 0.0 && !(pmf[i] >= DBL_MIN))
        throw invalid_input("symbol " + std::to_string(i) + " has weight " + detail::fmt(before) +
                            " of " + detail::fmt(sum) +
                            " in all, which normalises below the smallest normal double; remove "
                            "the symbol or merge it with another");
    }
  } else if (std::fabs(sum - 1.0) > tol::kPmfSum) {
    throw invalid_input("probabilities sum to " + detail::fmt(sum) +
                        "; they must sum to 1 within " + detail::fmt(tol::kPmfSum) +
                        " (pass --normalize to rescale them)");
  }
  for (std::size_t i = 0; i < pmf.size(); ++i)
    if (pmf[i] > 0.0 && pmf[i] < DBL_MIN)
      throw invalid_input("probability of symbol " + std::to_string(i) + " is " +
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
    throw invalid_input(what + " is " + quoted(text) + "; it must be an integer");
  return static_cast<long long>(x);
}

// Probabilities given by their logarithms, in long double: refuses any that a
// double cannot hold rather than dropping them.
std::vector<double> from_logs(const std::vector<long double>& logs, const std::string& spec,
                              const std::string& advice) {
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
    throw invalid_input(
        quoted(spec) + " has " + std::to_string(tiny) + " symbols with probability below " +
        detail::fmt(DBL_MIN) + " (the smallest is about 10^" +
        detail::fmt_short(static_cast<double>(smallest / std::log(10.0L))) +
        "), which a double cannot hold; focalrd does not drop symbols, so use " + advice);
  return out;
}

}  // namespace

Source Source::family(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  std::vector<std::string> args;
  if (colon != std::string::npos) {
    std::stringstream ss(spec.substr(colon + 1));
    std::string item;
    while (std::getline(ss, item, ',')) args.push_back(item);
  }
  if (!spec.empty() && spec.back() == ',')
    throw invalid_input("source " + quoted(spec) + " ends with a comma: a parameter is missing");
  auto expect = [&](std::size_t lo, std::size_t hi, const std::string& form) {
    if (args.size() < lo || args.size() > hi)
      throw invalid_input("source " + quoted(spec) + " needs the form " + form);
  };
  const long long max_n = static_cast<long long>(limits::kMaxSymbols);
  const std::string max_text = std::to_string(max_n);
  SourceOptions exact;
  if (kind == "binomial") {
    expect(2, 2, "binomial:K,P");
    const long long K = family_integer(args[0], "K in binomial:K,P");
    const double p = parse_number(args[1], "P in binomial:K,P");
    if (K < 1 || K > max_n - 1)
      throw invalid_input("K is " + std::to_string(K) +
                          "; binomial:K,P needs 1 <= K <= " + std::to_string(max_n - 1));
    if (!(p >= 0.0 && p <= 1.0))
      throw invalid_input("P is " + detail::fmt(p) + "; binomial:K,P needs P in [0, 1]");
    // Correctly rounded (detail/exact_pmf.hpp): the sum is 1 to within K + 1
    // half-ulps, far inside the PMF rule, so nothing is renormalised.
    return from_pmf(detail::binomial_pmf(K, args[1], spec), exact, spec);
  }
  if (kind == "uniform") {
    expect(1, 1, "uniform:N");
    const long long N = family_integer(args[0], "N in uniform:N");
    if (N < 1 || N > max_n)
      throw invalid_input("N is " + std::to_string(N) + "; uniform:N needs 1 <= N <= " + max_text);
    return from_pmf(std::vector<double>(N, 1.0 / static_cast<double>(N)), exact, spec);
  }
  if (kind == "geometric") {
    expect(2, 2, "geometric:P,N");
    const double p = parse_number(args[0], "P in geometric:P,N");
    const long long N = family_integer(args[1], "N in geometric:P,N");
    if (!(p > 0.0 && p <= 1.0))
      throw invalid_input("P is " + detail::fmt(p) + "; geometric:P,N needs P in (0, 1]");
    if (N < 1 || N > max_n)
      throw invalid_input("N is " + std::to_string(N) +
                          "; geometric:P,N needs 1 <= N <= " + max_text);
    return from_pmf(detail::geometric_pmf(args[0], N, spec), exact, spec);
  }
  if (kind == "dirichlet") {
    expect(2, 3, "dirichlet:N,SEED[,ALPHA]");
    const long long N = family_integer(args[0], "N in dirichlet:N,SEED");
    const long long seed = family_integer(args[1], "SEED in dirichlet:N,SEED");
    const double alpha =
        args.size() > 2 ? parse_number(args[2], "ALPHA in dirichlet:N,SEED,ALPHA") : 1.0;
    if (N < 1 || N > max_n)
      throw invalid_input("N is " + std::to_string(N) +
                          "; dirichlet:N,SEED needs 1 <= N <= " + max_text);
    if (seed < 0) throw invalid_input("SEED is " + std::to_string(seed) + "; it must be >= 0");
    if (!(alpha > 0.0) || !std::isfinite(alpha))
      throw invalid_input("ALPHA is " + detail::fmt(alpha) +
                          "; dirichlet needs a finite ALPHA > 0");
    // Normalised Gamma(ALPHA) variates, drawn as logarithms: a small ALPHA
    // gives variates far below the range of a double (e^(ln U / ALPHA)), and
    // their logs keep them exact until the normalisation, which then refuses
    // what a double cannot hold. No draw is repeated, so every loop is bounded.
    detail::Rng rng(static_cast<std::uint64_t>(seed));
    std::vector<long double> logs(N);
    for (long double& v : logs) v = rng.log_gamma(alpha);
    const long double top = *std::max_element(logs.begin(), logs.end());
    long double sum = 0.0L;
    for (const long double v : logs) sum += std::exp(v - top);
    const long double shift = top + std::log(sum);
    for (long double& v : logs) v -= shift;
    SourceOptions renormalise;
    renormalise.normalize = true;
    return from_pmf(from_logs(logs, spec, "a larger ALPHA"), renormalise, spec);
  }
  if (kind == "iid") {
    if (args.size() < 2) throw invalid_input("source " + quoted(spec) + " needs the form iid:N,P1,...,Pk");
    const long long N = family_integer(args[0], "N in iid:N,P1,...,Pk");
    const std::vector<std::string> letters(args.begin() + 1, args.end());
    const auto k = static_cast<long long>(letters.size());
    for (const std::string& text : letters) {
      const double p = parse_number(text, "a letter probability in iid:N,P1,...,Pk");
      if (!(p >= 0.0 && p <= 1.0))
        throw invalid_input("a letter probability of " + quoted(spec) + " is " + detail::fmt(p) +
                            "; each must be in [0, 1]");
    }
    if (N < 1 || N > max_n)
      throw invalid_input("N is " + std::to_string(N) + "; iid:N,P1,...,Pk needs 1 <= N <= " +
                          max_text);
    double symbols = 1.0;  // k^N, exact while it matters
    for (long long i = 0; i < N && symbols <= static_cast<double>(max_n); ++i)
      symbols *= static_cast<double>(k);
    if (symbols > static_cast<double>(max_n))
      throw too_large(quoted(spec) + " has " + std::to_string(k) + "^" + std::to_string(N) +
                      " sequences, more than the " + max_text +
                      " symbols focalrd lists; use a smaller N");
    Source out = from_pmf(detail::iid_pmf(N, letters, spec), exact, spec);
    out.block_length_ = static_cast<std::size_t>(N);
    out.letters_ = static_cast<std::size_t>(k);
    return out;
  }
  throw invalid_input("source kind " + quoted(kind) +
                      " is not known; use binomial:K,P, uniform:N, geometric:P,N, "
                      "dirichlet:N,SEED[,ALPHA] or iid:N,P1,...,Pk");
}

Source Source::read_file(const std::string& path, const std::string& column,
                         const SourceOptions& options) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw invalid_input("--pmf-file: cannot open " + quoted(path));
  if (!S_ISREG(st.st_mode))
    throw invalid_input("--pmf-file: " + quoted(path) +
                        " is not a regular file (a directory, device or pipe); give a file");
  const std::uint64_t cap = limits::kMaxFileBytes;
  if (static_cast<std::uint64_t>(st.st_size) > cap)
    throw too_large("--pmf-file: " + quoted(path) + " has " + std::to_string(st.st_size) +
                    " bytes; PMF files are limited to " + std::to_string(cap >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_input("--pmf-file: cannot open " + quoted(path));
  // Read at most cap + 1 bytes (a chunk beyond), whatever the file does
  // meanwhile, in chunks: a small file costs a small buffer.
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (in && text.size() <= cap) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (text.size() > cap)
    throw too_large("--pmf-file: " + quoted(path) + " grew beyond " + std::to_string(cap >> 20) +
                    " MiB while being read");
  return parse_table(text, column, options, path);
}

Source Source::parse_table(const std::string& text, const std::string& column,
                           const SourceOptions& options, const std::string& label) {
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
  const std::string name = "--pmf-file " + quoted(label);
  std::vector<double> pmf;
  long long index = -1;  // the column, once known
  const bool numeric_column =
      !column.empty() && column.find_first_not_of("0123456789") == std::string::npos;
  if (numeric_column)
    index = parse_integer(column, "--pmf-column", 0, static_cast<long long>(limits::kMaxSymbols));
  std::stringstream lines(text);
  std::string line;
  std::size_t line_no = 0;
  bool first = true;
  while (std::getline(lines, line)) {
    ++line_no;
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    const std::vector<std::string> f = fields(line);
    const std::string where = name + " line " + std::to_string(line_no);
    if (first && index < 0) {  // a named column: find it in the header
      for (std::size_t i = 0; i < f.size(); ++i)
        if (f[i] == column) index = static_cast<long long>(i);
      if (index < 0) throw invalid_input(where + ": no column named " + quoted(column));
      first = false;
      continue;
    }
    if (index >= static_cast<long long>(f.size()))
      throw invalid_input(where + ": no column " + std::to_string(index));
    if (pmf.size() == limits::kMaxSymbols)
      throw too_large(name + " holds more than " + std::to_string(limits::kMaxSymbols) +
                      " probabilities, the limit of focalrd's alphabets");
    try {
      pmf.push_back(parse_number(f[index], where));
    } catch (const invalid_input&) {
      if (!first) throw;  // only the first line may be a header
    }
    first = false;
  }
  if (pmf.empty()) throw invalid_input(name + " holds no probabilities");
  return from_pmf(std::move(pmf), options, label);
}

Source Source::with_weights(const std::vector<double>& q) const {
  if (q.size() != r_.size())
    throw invalid_input("--weights has " + std::to_string(q.size()) +
                        " entries but the source has " + std::to_string(r_.size()) + " symbols");
  double norm = 0.0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (!std::isfinite(q[i]) || q[i] < 0.0)
      throw invalid_input("weight of symbol " + std::to_string(i) + " is " + detail::fmt(q[i]) +
                          "; weights must be finite and >= 0");
    norm += r_[i] * q[i];
  }
  if (!(norm > 0.0) || !std::isfinite(norm))
    throw invalid_input(
        "the weights give the source total weight Σ P(a) Q(a) = " + detail::fmt(norm) +
        "; at least one symbol of positive probability needs a positive weight");
  std::vector<double> weighted(r_.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    weighted[i] = r_[i] * q[i] / norm;  // eq. (7)
    if (r_[i] > 0.0 && q[i] > 0.0 && !(weighted[i] >= DBL_MIN))
      throw invalid_input("weight of symbol " + std::to_string(i) + " is " + detail::fmt(q[i]) +
                          ", which makes its mass R(a) fall below the smallest normal double; "
                          "use weight 0 to remove the symbol");
  }
  SourceOptions renorm;
  renorm.normalize = true;  // only rounding separates the sum from 1 here
  Source out = from_pmf(std::move(weighted), renorm, label_ + " weighted");
  out.block_length_ = block_length_;  // still an alphabet of sequences
  out.letters_ = letters_;
  return out;
}

std::string block_sequence(std::size_t symbol, std::size_t letters, std::size_t length) {
  std::vector<std::size_t> x(length);
  for (std::size_t i = length; i-- > 0; symbol /= letters) x[i] = symbol % letters;
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    if (letters > 10 && i > 0) out += '.';
    out += std::to_string(x[i]);
  }
  return out;
}

std::size_t Source::support_size() const {
  std::size_t n = 0;
  for (double x : r_) n += x > 0.0;
  return n;
}

}  // namespace focalrd
