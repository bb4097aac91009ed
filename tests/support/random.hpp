// Seeded randomness for property tests: a fixed default seed, overridable with
// the environment variable FOCALRD_TEST_SEED.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace focalrd::test {

inline std::uint64_t seed() {
  static const std::uint64_t s = [] {
    const char* env = std::getenv("FOCALRD_TEST_SEED");
    return env ? std::strtoull(env, nullptr, 10) : 20261127ull;
  }();
  return s;
}

// A generator per test, so that tests stay independent of each other's draws.
inline std::mt19937_64 rng(const std::string& test_name) {
  std::seed_seq seq{seed(), static_cast<std::uint64_t>(std::hash<std::string>{}(test_name))};
  return std::mt19937_64(seq);
}

inline double uniform(std::mt19937_64& g, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(g);
}

inline int uniform_int(std::mt19937_64& g, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(g);
}

// Masses of one of several shapes, including extreme ones: flat, Dirichlet-like,
// log-uniform over [1e-15, 1], one dominant symbol with a tiny rest, ties.
inline std::vector<double> random_masses(std::mt19937_64& g, int k, int shape) {
  std::vector<double> r(k);
  std::exponential_distribution<double> expo(1.0);
  for (int a = 0; a < k; ++a) {
    switch (shape % 5) {
      case 0:
        r[a] = uniform(g, 0.5, 1.5);
        break;
      case 1:
        r[a] = expo(g);
        break;
      case 2:
        r[a] = std::pow(10.0, uniform(g, -15.0, 0.0));
        break;
      case 3:
        r[a] = a == 0 ? 1.0 : std::pow(10.0, uniform(g, -15.0, -8.0));
        break;
      default:
        r[a] = 1.0 + (a % 3);
        break;  // ties
    }
  }
  return r;
}

// Normalises in place and returns the vector.
inline std::vector<double> normalised(std::vector<double> r) {
  double s = 0;
  for (double x : r) s += x;
  for (double& x : r) x /= s;
  return r;
}

}  // namespace focalrd::test
