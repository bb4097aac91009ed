// Reproducible random numbers: std::mt19937_64's output is fixed by the C++
// standard, but the standard distributions are not, so the conversions to
// uniform, exponential, normal and gamma variates are written out here. The
// same seed gives the same numbers with any standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

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
    std::uint64_t x;
    do {
      x = engine_();
    } while (x >= limit);
    return lo + static_cast<long long>(x % span);
  }

  double exponential() { return -std::log(uniform()); }

  // Standard normal (Marsaglia's polar method).
  double normal() {
    for (;;) {
      const double u = 2.0 * uniform() - 1.0, v = 2.0 * uniform() - 1.0;
      const double s = u * u + v * v;
      if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
    }
  }

  // Gamma(shape, 1) (Marsaglia and Tsang; shape < 1 by the U^(1/shape) boost).
  double gamma(double shape) {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace focalrd::detail
