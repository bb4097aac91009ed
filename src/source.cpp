#include "focalrd/source.hpp"

#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "detail/format.hpp"
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
