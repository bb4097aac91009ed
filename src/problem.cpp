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
                        "; negative gamma (future work in the paper) is not supported, "
                        "gamma must be >= 0");
  if (!std::isfinite(gamma))
    throw invalid_input("gamma is " + detail::fmt(gamma) + "; gamma must be a finite number >= 0");
  if (gamma > 0.0 && gamma < DBL_MIN)
    throw invalid_input(
        "gamma is " + detail::fmt(gamma) +
        ", a subnormal number; gamma must be 0 or at least 2.2250738585072014e-308");
}

void check_messages(long long M) {
  if (M < 1)
    throw invalid_input("M is " + std::to_string(M) +
                        "; the number of messages M must be at least 1");
}

Problem::Problem(Source source, long long M, double gamma)
    : source_(std::move(source)), M_(0), gamma_(gamma) {
  check_messages(M);
  check_gamma(gamma);
  M_ = static_cast<std::size_t>(M);
}

}  // namespace focalrd
