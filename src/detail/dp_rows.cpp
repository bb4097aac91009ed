// The generic x86-64 build of the DP rows, and the choice of path. Plain
// scalar code: the 27 sums of a row pair written out (the compiler keeps the
// eight minima in registers), several times faster here than the vector code
// of dp_rows_avx2.cpp lowered to SSE2.
#include <cstdint>
#include <limits>

#include "detail/dp_rows.hpp"

namespace focalrd::detail {

namespace {

inline double min2(double x, double y) { return y < x ? y : x; }

}  // namespace

void dp_level_row_generic(const double* cell, const double* prev, std::uint32_t h, double* out) {
  const std::uint32_t top = std::uint32_t{1} << (31 - __builtin_clz(h));
  const std::uint32_t rest = h ^ top;
  double d[8];
  for (double& x : d) x = std::numeric_limits<double>::infinity();
  for (std::uint32_t u = rest;; u = (u - 1) & rest) {
    const double* a = cell + 8 * std::size_t{top | u};
    const double* b = prev + 8 * std::size_t{rest ^ u};
    // Lane t: every split of t's bits between S (a) and T \ S (b).
    auto sum = [&](int s, int t) { return a[s] + b[t]; };
    auto pair = [&](int s, int t) { return min2(sum(s, t), sum(t, s)); };
    d[0] = min2(d[0], sum(0, 0));
    d[1] = min2(d[1], pair(0, 1));
    d[2] = min2(d[2], pair(0, 2));
    d[3] = min2(d[3], min2(pair(0, 3), pair(1, 2)));
    d[4] = min2(d[4], pair(0, 4));
    d[5] = min2(d[5], min2(pair(0, 5), pair(1, 4)));
    d[6] = min2(d[6], min2(pair(0, 6), pair(2, 4)));
    d[7] = min2(d[7], min2(min2(pair(0, 7), pair(1, 6)), min2(pair(2, 5), pair(3, 4))));
    if (u == 0) break;
  }
  for (int t = 0; t < 8; ++t) out[t] = d[t];
}

double dp_top_range_generic(const double* cell, const double* prev, std::uint32_t top,
                            std::uint32_t u_begin, std::uint32_t u_end) {
  const std::uint32_t rest = top - 1;
  double best = std::numeric_limits<double>::infinity();
  for (std::uint32_t u = u_begin; u < u_end; ++u) {
    const double* a = cell + 8 * std::size_t{top | u};
    const double* b = prev + 8 * std::size_t{rest ^ u};
    for (int s = 0; s < 8; ++s) best = min2(best, a[s] + b[7 - s]);
  }
  return best;
}

bool dp_rows_avx2() {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return avx2;
}

void dp_level_row(const double* cell, const double* prev, std::uint32_t h, double* out) {
  if (dp_rows_avx2())
    dp_level_row_avx2(cell, prev, h, out);
  else
    dp_level_row_generic(cell, prev, h, out);
}

double dp_top_range(const double* cell, const double* prev, std::uint32_t top,
                    std::uint32_t u_begin, std::uint32_t u_end) {
  return dp_rows_avx2() ? dp_top_range_avx2(cell, prev, top, u_begin, u_end)
                        : dp_top_range_generic(cell, prev, top, u_begin, u_end);
}

}  // namespace focalrd::detail
