// Reproducible random numbers: std::mt19937_64's output is fixed by the C++
// standard, but the standard distributions are not, so the conversions to
// uniform, exponential, normal and gamma variates are written out here. The
// same seed gives the same numbers with any standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "focalrd/errors.hpp"

namespace focalrd::detail {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Uniform on (0, 1): 53 random bits, never 0.
  double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

  // Uniform integer in [lo, hi], without modulo bias.
  long long integer(long long lo, long long hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
    if (span == 0) return lo + static_cast<long long>(engine_());
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    for (int tries = 0; tries < kMaxTries; ++tries) {  // each accepts with probability > 1/2
      const std::uint64_t x = engine_();
      if (x < limit) return lo + static_cast<long long>(x % span);
    }
    throw internal_error("random integer: no acceptance in " + std::to_string(kMaxTries) +
                         " draws");
  }

  double exponential() { return -std::log(uniform()); }

  // Standard normal (Marsaglia's polar method).
  double normal() {
    for (int tries = 0; tries < kMaxTries; ++tries) {  // each accepts with probability pi/4
      const double u = 2.0 * uniform() - 1.0, v = 2.0 * uniform() - 1.0;
      const double s = u * u + v * v;
      if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
    }
    throw internal_error("normal variate: no acceptance in " + std::to_string(kMaxTries) +
                         " draws");
  }

  // Gamma(shape, 1) (Marsaglia and Tsang; shape < 1 by the U^(1/shape) boost).
  double gamma(double shape) { return std::exp(log_gamma(shape)); }

  // ln of a Gamma(shape, 1) variate: finite for every finite shape > 0, even
  // where the variate itself lies far below the range of a double.
  double log_gamma(double shape) {
    if (shape < 1.0) return log_gamma(shape + 1.0) + std::log(uniform()) / shape;
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (int tries = 0; tries < kMaxTries; ++tries) {  // each accepts with probability > 0.95
      const double x = normal();
      const double y = 1.0 + c * x;
      if (y <= 0.0) continue;
      const double log_v = 3.0 * std::log(y), v = y * y * y;
      if (std::log(uniform()) < 0.5 * x * x + d - d * v + d * log_v) return std::log(d) + log_v;
    }
    throw internal_error("gamma variate: no acceptance in " + std::to_string(kMaxTries) + " draws");
  }

 private:
  // Rejection loops are bounded: failing this many times in a row has
  // probability below 2^-1000.
  static constexpr int kMaxTries = 1000;
  std::mt19937_64 engine_;
};

}  // namespace focalrd::detail
