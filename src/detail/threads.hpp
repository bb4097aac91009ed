// OpenMP thread counts and wall-clock timing.
#pragma once

#include <omp.h>
#include <unistd.h>

#include <chrono>

namespace focalrd::detail {

// The number of threads to use for a request of `requested` (0: all available).
inline int resolve_threads(int requested) {
  return requested > 0 ? requested : omp_get_max_threads();
}

// The machine's physical memory in bytes (a large value if unknown).
inline double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 1e15;
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
