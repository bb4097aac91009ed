// The AVX2 path of evaluate_logits: logit_point and log_phi of
// focal_loss.cpp, four logits at a time, with the same formulas but its own
// exp and log1p (below, within about 2 ulps on the ranges used) inlined so
// that the CPU overlaps several vectors; glibc's vector functions are calls
// it cannot see through. Divisions by q and by 1 + u are products with one
// reciprocal each, which moves only the slope, in its last bits. This file is
// compiled with -mavx2 -mfma (and no contraction into FMA: the FMAs below are
// written out) and includes nothing that could define inline functions
// shared with generic code.
#include <immintrin.h>

#include <initializer_list>

#include "detail/logit_batch.hpp"

namespace focalrd::detail {

namespace {

using V = __m256d;

inline V set1(double x) { return _mm256_set1_pd(x); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
inline V blend(V if_false, V if_true, V mask) { return _mm256_blendv_pd(if_false, if_true, mask); }

// 2^n for whole numbers n in [-1022, 1023] held as doubles: n + 1023 lands in
// the low bits of n + 1023 + 2^52, and a shift moves it to the exponent field.
inline V pow2(V n) {
  const V biased = _mm256_add_pd(n, set1(1023.0 + 4503599627370496.0));
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(biased), 52));
}

// e^x for x <= 0 (x = -inf gives 0): x = n ln 2 + r with |r| <= ln(2)/2 (ln 2
// in two parts, n ln2_hi exact), e^r by its Taylor polynomial of degree 13
// (remainder below 1e-17 relative) in Estrin's scheme (short dependency
// chains), and 2^n in two factors so that results down to the subnormals
// come out right.
inline V exp_nonpositive(V x) {
  x = _mm256_max_pd(set1(-746.0), x);  // e^-746 rounds to 0 like e^-inf; a NaN stays NaN
  const V n = _mm256_round_pd(_mm256_mul_pd(x, set1(1.4426950408889634)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const V r = fma(n, set1(-1.9082149292705877e-10), fma(n, set1(-0.6931471803691238), x));
  const V r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
  // 1/j! for j = 0..13, in pairs c_2i + c_2i+1 r
  auto pair = [&](double a, double b) { return fma(set1(b), r, set1(a)); };
  const V a0 = pair(1.0, 1.0), a1 = pair(1.0 / 2, 1.0 / 6), a2 = pair(1.0 / 24, 1.0 / 120),
          a3 = pair(1.0 / 720, 1.0 / 5040), a4 = pair(1.0 / 40320, 1.0 / 362880),
          a5 = pair(1.0 / 3628800, 1.0 / 39916800), a6 = pair(1.0 / 479001600, 1.0 / 6227020800);
  const V b0 = fma(a1, r2, a0), b1 = fma(a3, r2, a2), b2 = fma(a5, r2, a4);
  const V e = fma(fma(a6, r4, b2), r8, fma(b1, r4, b0));
  const V half =
      _mm256_round_pd(_mm256_mul_pd(n, set1(0.5)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm256_mul_pd(_mm256_mul_pd(e, pow2(half)), pow2(_mm256_sub_pd(n, half)));
}

// 2 atanh(z) = ln((1+z)/(1-z)) for |z| <= 3 - 2 sqrt(2) = 0.1716, from
// y = 2z (so that a subnormal z loses no bit to halving): the series
// y Σ z^(2j)/(2j+1) to j = 9 (remainder below 3e-17 relative), in Estrin's
// scheme in w = z^2.
inline V two_atanh(V y) {
  const V w = _mm256_mul_pd(_mm256_mul_pd(y, y), set1(0.25));
  const V w2 = _mm256_mul_pd(w, w), w4 = _mm256_mul_pd(w2, w2);
  auto pair = [&](double a, double b) { return fma(set1(b), w, set1(a)); };
  const V a0 = pair(1.0 / 3, 1.0 / 5), a1 = pair(1.0 / 7, 1.0 / 9), a2 = pair(1.0 / 11, 1.0 / 13),
          a3 = pair(1.0 / 15, 1.0 / 17);
  const V tail = fma(fma(set1(1.0 / 19), w4, fma(a3, w2, a2)), w4, fma(a1, w2, a0));
  return fma(_mm256_mul_pd(y, w), tail, y);
}

constexpr double kLn2Hi = 0.6931471803691238, kLn2Lo = 1.9082149292705877e-10;

// ln(1 + e) for e in [0, 1]: 2 atanh(e / (2 + e)), or above sqrt(2) - 1,
// ln 2 + 2 atanh((e - 1) / (e + 3)) (the logarithm of (1 + e) / 2).
inline V log1p_unit(V e) {
  const V upper = _mm256_cmp_pd(e, set1(0.41421356237309503), _CMP_GT_OQ);
  const V num = blend(e, _mm256_sub_pd(e, set1(1.0)), upper);
  const V den = _mm256_add_pd(e, blend(set1(2.0), set1(3.0), upper));
  const V ln2 = _mm256_and_pd(upper, set1(kLn2Hi + kLn2Lo));
  return _mm256_add_pd(ln2, two_atanh(_mm256_div_pd(_mm256_add_pd(num, num), den)));
}

// ln v for normal v > 0: v = 2^j f with f in [sqrt(1/2), sqrt(2)) (integer
// arithmetic on the bits, offset by 2^63 so that a logical shift does), then
// j ln 2 + 2 atanh((f - 1)/(f + 1)), f - 1 exact.
inline V log_normal(V v) {
  const __m256i bits = _mm256_castpd_si256(v);
  const __m256i top = _mm256_set1_epi64x(static_cast<long long>(0x8000000000000000ULL));
  const __m256i t = _mm256_srli_epi64(
      _mm256_add_epi64(_mm256_sub_epi64(bits, _mm256_set1_epi64x(0x3FE6A09E667F3BCDLL)), top), 52);
  const __m256i shifted = _mm256_slli_epi64(t, 52);  // (j + 2048) << 52, mod 2^64
  const V f = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_sub_epi64(bits, shifted), top));
  const V magic = set1(4503599627370496.0 + 2048.0);  // 2^52 + 2048
  const V j = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(t, _mm256_castpd_si256(set1(4503599627370496.0)))), magic);
  const V one = set1(1.0);
  const V f1 = _mm256_sub_pd(f, one);
  const V series = two_atanh(_mm256_div_pd(_mm256_add_pd(f1, f1), _mm256_add_pd(f, one)));
  return fma(j, set1(kLn2Hi), fma(j, set1(kLn2Lo), series));
}

// ln(1 + u) for finite u >= 0, and 1/(1 + u) through `inverse`: m = 1 + u
// rounded, its rounding error c exactly (TwoSum), ln(1 + u) = ln m + c/m.
inline V log1p_nonnegative(V u, V& inverse) {
  const V one = set1(1.0);
  const V m = _mm256_add_pd(one, u);
  const V back = _mm256_sub_pd(m, u);
  const V c = _mm256_add_pd(_mm256_sub_pd(one, back), _mm256_sub_pd(u, _mm256_sub_pd(m, back)));
  inverse = _mm256_div_pd(one, m);
  return fma(c, inverse, log_normal(m));
}

// The first m of four lanes (m in 1..4), as a mask for maskload/maskstore.
inline __m256i tail_mask(std::size_t m) {
  const auto n = static_cast<long long>(m);
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_set_epi64x(3, 2, 1, 0));
}

// Stores the first m lanes of x; not by a masked store, whose data the
// scalar loads that follow could not be forwarded.
inline void store(double* to, std::size_t m, V x) {
  if (m == 4) return _mm256_storeu_pd(to, x);
  alignas(32) double lane[4];
  _mm256_store_pd(lane, x);
  for (std::size_t j = 0; j < m; ++j) to[j] = lane[j];
}

}  // namespace

namespace {

struct Logits4 {
  V p, q, log_p, log_q, value, slope;
};

// logit_point and log_phi at four logits.
inline Logits4 evaluate4(V sv, V g) {
  const V zero = _mm256_setzero_pd(), one = set1(1.0), sign = set1(-0.0);
  const V neg_s = _mm256_xor_pd(sv, sign);
  const V nonneg = _mm256_cmp_pd(sv, zero, _CMP_GE_OQ);  // s >= 0
  // logit_point: e = e^(-|s|) <= 1, l = log1p(e).
  const V e = exp_nonpositive(_mm256_blendv_pd(sv, neg_s, nonneg));
  const V l = log1p_unit(e);
  const V inv = _mm256_div_pd(one, _mm256_add_pd(one, e));
  const V frac = _mm256_mul_pd(e, inv);
  Logits4 x;
  x.p = blend(frac, inv, nonneg);
  x.q = blend(inv, frac, nonneg);
  const V neg_l = _mm256_xor_pd(l, sign);
  x.log_p = blend(_mm256_sub_pd(sv, l), neg_l, nonneg);
  x.log_q = blend(neg_l, _mm256_sub_pd(neg_s, l), nonneg);
  // log_phi: with u = γ p L/q and d = L/q - 1 (by the series q/2 + q²/3 +
  // ... for q <= 1e-4, as there),
  //   ℓ = γ ln q + ln(1 + u) + L,   dℓ/ds = -q - γ p + γ p d / (1 + u).
  const V L = _mm256_xor_pd(x.log_p, sign);
  const V q_pos = _mm256_cmp_pd(x.q, zero, _CMP_GT_OQ);
  const V l_over_q = blend(one, _mm256_div_pd(L, x.q), q_pos);
  const V gp = _mm256_mul_pd(g, x.p);
  V inv_1u;
  const V log_1u = log1p_nonnegative(_mm256_mul_pd(gp, l_over_q), inv_1u);
  x.value = _mm256_add_pd(fma(g, x.log_q, log_1u), L);
  const V big_q = _mm256_cmp_pd(x.q, set1(1e-4), _CMP_GT_OQ);
  V series = _mm256_add_pd(set1(0.25), _mm256_mul_pd(x.q, set1(0.2)));
  series = _mm256_add_pd(set1(1.0 / 3.0), _mm256_mul_pd(x.q, series));
  series = _mm256_add_pd(set1(0.5), _mm256_mul_pd(x.q, series));
  const V d = blend(_mm256_mul_pd(x.q, series), _mm256_sub_pd(l_over_q, one), big_q);
  x.slope = _mm256_add_pd(_mm256_sub_pd(_mm256_xor_pd(x.q, sign), gp),
                          _mm256_mul_pd(_mm256_mul_pd(gp, d), inv_1u));
  return x;
}

double horizontal_sum(V x) {
  alignas(32) double part[4];
  _mm256_store_pd(part, x);
  return (part[0] + part[1]) + (part[2] + part[3]);
}

}  // namespace

void evaluate_logits_avx2(const double* s, std::size_t k, double gamma, const LogitBatch& out) {
  const V g = set1(gamma);
  for (std::size_t i = 0; i < k; i += 4) {
    const std::size_t m = k - i < 4 ? k - i : 4;
    const Logits4 x = evaluate4(_mm256_maskload_pd(s + i, tail_mask(m)), g);  // 0 beyond k
    store(out.p + i, m, x.p);
    store(out.q + i, m, x.q);
    store(out.log_p + i, m, x.log_p);
    store(out.log_q + i, m, x.log_q);
    store(out.value + i, m, x.value);
    store(out.slope + i, m, x.slope);
  }
}

NewtonSums newton_pass_avx2(const double* s, const double* log_r, const double* top, double mu,
                            std::size_t k, double gamma, const NewtonPoint& out) {
  const V g = set1(gamma), zero = _mm256_setzero_pd(), one = set1(1.0);
  V P = zero, Q = zero, a_out = zero, a_in = zero, b_out = zero, b_in = zero;
  V scale = one, bad = zero;
  for (std::size_t i = 0; i < k; i += 4) {
    const std::size_t m = k - i < 4 ? k - i : 4;
    const __m256i lanes = tail_mask(m);
    const V valid = _mm256_castsi256_pd(lanes);
    const V sv = _mm256_maskload_pd(s + i, lanes);
    const Logits4 x = evaluate4(sv, g);
    const V e = _mm256_add_pd(x.value, _mm256_sub_pd(_mm256_maskload_pd(log_r + i, lanes), set1(mu)));
    const V inv_slope = _mm256_div_pd(one, x.slope);
    const V in = _mm256_cmp_pd(_mm256_maskload_pd(top + i, lanes), zero, _CMP_NEQ_OQ);
    const V outside = _mm256_andnot_pd(in, valid);
    const V w = _mm256_mul_pd(_mm256_mul_pd(x.p, x.q), inv_slope);
    const V we = _mm256_mul_pd(w, e);
    P = _mm256_add_pd(P, _mm256_and_pd(outside, x.p));
    Q = _mm256_add_pd(Q, _mm256_and_pd(in, x.q));
    a_out = _mm256_add_pd(a_out, _mm256_and_pd(outside, w));
    a_in = _mm256_add_pd(a_in, _mm256_and_pd(in, w));
    b_out = _mm256_add_pd(b_out, _mm256_and_pd(outside, we));
    b_in = _mm256_add_pd(b_in, _mm256_and_pd(in, we));
    scale = _mm256_max_pd(scale, _mm256_andnot_pd(set1(-0.0), sv));
    bad = _mm256_or_pd(bad, _mm256_and_pd(valid, _mm256_cmp_pd(blend(x.p, x.q, in), zero, _CMP_LE_OQ)));
    store(out.p + i, m, x.p);
    store(out.q + i, m, x.q);
    store(out.log_p + i, m, x.log_p);
    store(out.log_q + i, m, x.log_q);
    store(out.residual + i, m, e);
    store(out.inv_slope + i, m, inv_slope);
  }
  NewtonSums sums;
  sums.P = horizontal_sum(P);
  sums.Q = horizontal_sum(Q);
  sums.a_out = horizontal_sum(a_out);
  sums.a_in = horizontal_sum(a_in);
  sums.b_out = horizontal_sum(b_out);
  sums.b_in = horizontal_sum(b_in);
  alignas(32) double lane[4];
  _mm256_store_pd(lane, scale);
  sums.s_scale = lane[0] > lane[1] ? lane[0] : lane[1];
  sums.s_scale = sums.s_scale > lane[2] ? sums.s_scale : lane[2];
  sums.s_scale = sums.s_scale > lane[3] ? sums.s_scale : lane[3];
  sums.positive = _mm256_movemask_pd(bad) == 0;
  return sums;
}

}  // namespace focalrd::detail

namespace focalrd::detail {

void log_batch_avx2(const double* x, std::size_t k, double* out) {
  for (std::size_t i = 0; i < k; i += 4) {
    const std::size_t m = k - i < 4 ? k - i : 4;
    const __m256i lanes = tail_mask(m);
    const V xv = _mm256_maskload_pd(x + i, lanes);
    // Subnormal (or zero) lanes, including the unused ones, go to libm.
    if (_mm256_movemask_pd(_mm256_cmp_pd(xv, set1(2.2250738585072014e-308), _CMP_LT_OQ)) &
        ((1 << m) - 1)) {
      for (std::size_t j = 0; j < m; ++j) out[i + j] = __builtin_log(x[i + j]);  // libm: <cmath> stays out
      continue;
    }
    store(out + i, m, log_normal(xv));
  }
}

double weighted_losses_avx2(const double* r, const double* log_p, const double* log_q,
                            std::size_t k, double gamma) {
  V sum = _mm256_setzero_pd();
  for (std::size_t i = 0; i < k; i += 4) {
    const __m256i lanes = tail_mask(k - i < 4 ? k - i : 4);  // r = 0 in the unused lanes
    const V focal = exp_nonpositive(_mm256_mul_pd(set1(gamma), _mm256_maskload_pd(log_q + i, lanes)));
    const V loss = _mm256_mul_pd(focal, _mm256_xor_pd(_mm256_maskload_pd(log_p + i, lanes), set1(-0.0)));
    sum = fma(_mm256_maskload_pd(r + i, lanes), loss, sum);
  }
  return horizontal_sum(sum);
}

}  // namespace focalrd::detail
