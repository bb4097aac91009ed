// OpenMP thread counts and wall-clock timing.
#pragma once

#include <omp.h>

#include <chrono>

namespace focalrd::detail {

// The number of threads to use for a request of `requested` (0: all available).
inline int resolve_threads(int requested) {
  return requested > 0 ? requested : omp_get_max_threads();
}

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace focalrd::detail
