// The AVX2 build of the DP rows (compiled with -mavx2; see dp_rows.hpp), with
// GCC/clang vector extensions: four doubles per vector, two per row.
#include <cstdint>
#include <cstring>
#include <limits>

#include "detail/dp_rows.hpp"

namespace focalrd::detail {

namespace {

typedef double V4 __attribute__((vector_size(32)));
typedef std::int64_t I4 __attribute__((vector_size(32)));

inline V4 load(const double* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline V4 vmin(V4 a, V4 b) {
  const I4 less = (I4)(a < b);  // no NaN here: costs are finite or +inf
  return (V4)(((I4)a & less) | ((I4)b & ~less));
}

// Lanes of (a, b) by index, 0-3 from a and 4-7 from b: clang's and GCC's
// (from 12) __builtin_shufflevector, GCC's older __builtin_shuffle otherwise.
#if defined(__clang__) || __GNUC__ >= 12
#define FOCALRD_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define FOCALRD_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, I4{i, j, k, l})
#endif

inline V4 broadcast0(V4 a) { return FOCALRD_SHUFFLE(a, a, 0, 0, 0, 0); }
inline V4 reversed(V4 a) { return FOCALRD_SHUFFLE(a, a, 3, 2, 1, 0); }

// Lanes t = 0..3 of min over u ⊆ t of a[u] + b[t ^ u]: the nine sums of a
// two-bit subset convolution.
inline V4 convolve2(V4 a, V4 b) {
  const V4 x = broadcast0(a) + b;  // a0 + b_t
  const V4 y = a + broadcast0(b);  // a_t + b0
  const V4 w = a + reversed(b);    // a_u + b_(3-u): t = 3 needs all four
  const V4 p = FOCALRD_SHUFFLE(x, w, 0, 1, 2, 5);
  const V4 q = FOCALRD_SHUFFLE(y, w, 0, 1, 2, 6);
  return vmin(vmin(x, y), vmin(p, q));
}

constexpr double kInfinity = std::numeric_limits<double>::infinity();

inline void level_row(const double* cell, const double* prev, std::uint32_t h, double* out) {
  const std::uint32_t top = std::uint32_t{1} << (31 - __builtin_clz(h));
  const std::uint32_t rest = h ^ top;
  V4 low = {kInfinity, kInfinity, kInfinity, kInfinity}, high = low;
  for (std::uint32_t u = rest;; u = (u - 1) & rest) {
    const double* a = cell + 8 * std::size_t{top | u};
    const double* b = prev + 8 * std::size_t{rest ^ u};
    const V4 a0 = load(a), a1 = load(a + 4), b0 = load(b), b1 = load(b + 4);
    // Lanes 0-3 keep the third bit out of S and T \ S; lanes 4-7 put it in one.
    low = vmin(low, convolve2(a0, b0));
    high = vmin(high, vmin(convolve2(a1, b0), convolve2(a0, b1)));
    if (u == 0) break;
  }
  std::memcpy(out, &low, sizeof low);
  std::memcpy(out + 4, &high, sizeof high);
}

inline double top_range(const double* cell, const double* prev, std::uint32_t top,
                        std::uint32_t u_begin, std::uint32_t u_end) {
  const std::uint32_t rest = top - 1;
  V4 best = {kInfinity, kInfinity, kInfinity, kInfinity};
  for (std::uint32_t u = u_begin; u < u_end; ++u) {
    const double* a = cell + 8 * std::size_t{top | u};
    const double* b = prev + 8 * std::size_t{rest ^ u};
    // Lane s of S against lane 7 - s of T \ S.
    best = vmin(best, vmin(load(a) + reversed(load(b + 4)), load(a + 4) + reversed(load(b))));
  }
  double m = best[0];
  for (int i = 1; i < 4; ++i) m = best[i] < m ? best[i] : m;
  return m;
}

}  // namespace

#undef FOCALRD_SHUFFLE

void dp_level_row_avx2(const double* cell, const double* prev, std::uint32_t h, double* out) {
  level_row(cell, prev, h, out);
}

double dp_top_range_avx2(const double* cell, const double* prev, std::uint32_t top,
                         std::uint32_t u_begin, std::uint32_t u_end) {
  return top_range(cell, prev, top, u_begin, u_end);
}

}  // namespace focalrd::detail
