#include "focalrd/problem.hpp"

#include <cfloat>
#include <cmath>
#include <stdexcept>
#include <string>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"

namespace focalrd {

void check_gamma(double gamma) {
  if (std::isfinite(gamma) && gamma < 0.0)
    throw invalid_input("gamma is " + detail::fmt(gamma) +
                        "; negative gamma (beyond the paper) is supported by 'focalrd exact' "
                        "and 'sweep --quantities exact' only, gamma must be >= 0 here");
  check_signed_gamma(gamma);
}

void check_signed_gamma(double gamma) {
  if (!std::isfinite(gamma))
    throw invalid_input("gamma is " + detail::fmt(gamma) + "; gamma must be a finite number");
  if (gamma < kMinGamma)
    throw invalid_input("gamma is " + detail::fmt(gamma) + "; gamma must be at least " +
                        detail::fmt(kMinGamma) +
                        " (below, the loss (1-p)^gamma ln(1/p) near p = 1 outgrows the range "
                        "focalrd is tested on)");
  if (std::fabs(gamma) > 0.0 && std::fabs(gamma) < DBL_MIN)
    throw invalid_input(
        "gamma is " + detail::fmt(gamma) +
        ", a subnormal number; gamma must be 0 or at least 2.2250738585072014e-308 in size");
}

void require_nonnegative_gamma(const Problem& problem, const std::string& what) {
  if (problem.gamma() < 0.0)
    throw invalid_input("gamma is " + detail::fmt(problem.gamma()) + ": " + what +
                        " is for gamma >= 0 (the paper's setting); for gamma < 0 focalrd "
                        "computes exact values only (focalrd exact, --method enumerate or dp)");
}

void check_messages(long long M) {
  if (M < 1)
    throw invalid_input("M is " + std::to_string(M) +
                        "; the number of messages M must be at least 1");
}

Problem::Problem(Source source, long long M, double gamma)
    : source_(std::move(source)), M_(0), gamma_(gamma) {
  check_messages(M);
  check_signed_gamma(gamma);
  M_ = static_cast<std::size_t>(M);
}

}  // namespace focalrd
