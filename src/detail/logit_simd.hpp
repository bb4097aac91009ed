// The vector paths of logit_batch.hpp, written once over a vector type `O`
// (O::V of O::lanes doubles, O::M a lane mask, O::I the same bits as 64-bit
// integers, and the operations below): logit_point and log_phi of
// focal_loss.cpp with the same formulas, but their own exp and log1p (within
// about 2 ulps on the ranges used), inlined so that the CPU overlaps several
// vectors; glibc's vector functions are calls it cannot see through.
// Divisions by q and by 1 + u are products with one reciprocal each, which
// moves only the slope, in its last bits. FMAs are written out (the build
// does not contract). Included only by logit_batch_avx2.cpp and
// logit_batch_avx512.cpp, each compiled for its instruction set with its own
// O in an unnamed namespace, so no instantiation is shared between them or
// with generic code.
#pragma once

#include <cstddef>

#include "detail/logit_batch.hpp"

namespace focalrd::detail::simd {

constexpr double kLn2Hi = 0.6931471803691238, kLn2Lo = 1.9082149292705877e-10;

// 2^n for whole numbers n in [-1022, 1023] held as doubles: n + 1023 lands in
// the low bits of n + 1023 + 2^52, and a shift moves it to the exponent field.
template <class O>
inline typename O::V pow2(typename O::V n) {
  const auto biased = O::add(n, O::set1(1023.0 + 4503599627370496.0));
  return O::as_double(O::shl(O::as_int(biased), 52));
}

// e^x for x <= 0 (x = -inf gives 0): x = n ln 2 + r with |r| <= ln(2)/2 (ln 2
// in two parts, n ln2_hi exact), e^r by its Taylor polynomial of degree 13
// (remainder below 1e-17 relative) in Estrin's scheme (short dependency
// chains), and 2^n in two factors so that results down to the subnormals
// come out right.
template <class O>
inline typename O::V exp_nonpositive(typename O::V x) {
  using V = typename O::V;
  x = O::max(O::set1(-746.0), x);  // e^-746 rounds to 0 like e^-inf; a NaN stays NaN
  const V n = O::round_nearest(O::mul(x, O::set1(1.4426950408889634)));
  const V r = O::fma(n, O::set1(-kLn2Lo), O::fma(n, O::set1(-kLn2Hi), x));
  const V r2 = O::mul(r, r), r4 = O::mul(r2, r2), r8 = O::mul(r4, r4);
  // 1/j! for j = 0..13, in pairs c_2i + c_2i+1 r
  auto pair = [&](double a, double b) { return O::fma(O::set1(b), r, O::set1(a)); };
  const V a0 = pair(1.0, 1.0), a1 = pair(1.0 / 2, 1.0 / 6), a2 = pair(1.0 / 24, 1.0 / 120),
          a3 = pair(1.0 / 720, 1.0 / 5040), a4 = pair(1.0 / 40320, 1.0 / 362880),
          a5 = pair(1.0 / 3628800, 1.0 / 39916800), a6 = pair(1.0 / 479001600, 1.0 / 6227020800);
  const V b0 = O::fma(a1, r2, a0), b1 = O::fma(a3, r2, a2), b2 = O::fma(a5, r2, a4);
  const V e = O::fma(O::fma(a6, r4, b2), r8, O::fma(b1, r4, b0));
  const V half = O::round_down(O::mul(n, O::set1(0.5)));
  return O::mul(O::mul(e, pow2<O>(half)), pow2<O>(O::sub(n, half)));
}

// 2 atanh(z) = ln((1+z)/(1-z)) for |z| <= 3 - 2 sqrt(2) = 0.1716, from
// y = 2z (so that a subnormal z loses no bit to halving): the series
// y Σ z^(2j)/(2j+1) to j = 9 (remainder below 3e-17 relative), in Estrin's
// scheme in w = z^2.
template <class O>
inline typename O::V two_atanh(typename O::V y) {
  using V = typename O::V;
  const V w = O::mul(O::mul(y, y), O::set1(0.25));
  const V w2 = O::mul(w, w), w4 = O::mul(w2, w2);
  auto pair = [&](double a, double b) { return O::fma(O::set1(b), w, O::set1(a)); };
  const V a0 = pair(1.0 / 3, 1.0 / 5), a1 = pair(1.0 / 7, 1.0 / 9), a2 = pair(1.0 / 11, 1.0 / 13),
          a3 = pair(1.0 / 15, 1.0 / 17);
  const V tail = O::fma(O::fma(O::set1(1.0 / 19), w4, O::fma(a3, w2, a2)), w4, O::fma(a1, w2, a0));
  return O::fma(O::mul(y, w), tail, y);
}

// ln(1 + e) for e in [0, 1]: 2 atanh(e / (2 + e)), or above sqrt(2) - 1,
// ln 2 + 2 atanh((e - 1) / (e + 3)) (the logarithm of (1 + e) / 2).
template <class O>
inline typename O::V log1p_unit(typename O::V e) {
  using V = typename O::V;
  const auto upper = O::gt(e, O::set1(0.41421356237309503));
  const V num = O::blend(e, O::sub(e, O::set1(1.0)), upper);
  const V den = O::add(e, O::blend(O::set1(2.0), O::set1(3.0), upper));
  const V ln2 = O::keep(upper, O::set1(kLn2Hi + kLn2Lo));
  return O::add(ln2, two_atanh<O>(O::div(O::add(num, num), den)));
}

// ln v for normal v > 0: v = 2^j f with f in [sqrt(1/2), sqrt(2)) (integer
// arithmetic on the bits, offset by 2^63 so that a logical shift does), then
// j ln 2 + 2 atanh((f - 1)/(f + 1)), f - 1 exact.
template <class O>
inline typename O::V log_normal(typename O::V v) {
  using V = typename O::V;
  using I = typename O::I;
  const I bits = O::as_int(v);
  const I top = O::set1_int(static_cast<long long>(0x8000000000000000ULL));
  const I t = O::shr(O::add_int(O::sub_int(bits, O::set1_int(0x3FE6A09E667F3BCDLL)), top), 52);
  const I shifted = O::shl(t, 52);  // (j + 2048) << 52, mod 2^64
  const V f = O::as_double(O::add_int(O::sub_int(bits, shifted), top));
  const V magic = O::set1(4503599627370496.0 + 2048.0);  // 2^52 + 2048
  const V j = O::sub(O::as_double(O::or_int(t, O::as_int(O::set1(4503599627370496.0)))), magic);
  const V one = O::set1(1.0);
  const V f1 = O::sub(f, one);
  const V series = two_atanh<O>(O::div(O::add(f1, f1), O::add(f, one)));
  return O::fma(j, O::set1(kLn2Hi), O::fma(j, O::set1(kLn2Lo), series));
}

// ln(1 + u) for finite u >= 0, and 1/(1 + u) through `inverse`: m = 1 + u
// rounded, its rounding error c exactly (TwoSum), ln(1 + u) = ln m + c/m.
template <class O>
inline typename O::V log1p_nonnegative(typename O::V u, typename O::V& inverse) {
  using V = typename O::V;
  const V one = O::set1(1.0);
  const V m = O::add(one, u);
  const V back = O::sub(m, u);
  const V c = O::add(O::sub(one, back), O::sub(u, O::sub(m, back)));
  inverse = O::div(one, m);
  return O::fma(c, inverse, log_normal<O>(m));
}

template <class O>
struct Logits {
  typename O::V p, q, log_p, log_q, value, slope;
  typename O::V curve;  // d²ℓ/ds² (log_phi's curvature)
};

// logit_point and log_phi at O::lanes logits.
template <class O>
inline Logits<O> evaluate(typename O::V sv, typename O::V g) {
  using V = typename O::V;
  const V zero = O::zero(), one = O::set1(1.0);
  const V neg_s = O::neg(sv);
  const auto nonneg = O::ge(sv, zero);  // s >= 0
  // logit_point: e = e^(-|s|) <= 1, l = log1p(e).
  const V e = exp_nonpositive<O>(O::blend(sv, neg_s, nonneg));
  const V l = log1p_unit<O>(e);
  const V one_e = O::add(one, e);
  const V inv = O::div(one, one_e);
  const V frac = O::mul(e, inv);
  // 1/q (for L/q below) while log1p runs: 1 + e where q = 1/(1 + e) (s < 0),
  // (1 + e)/e where q = e/(1 + e); unused where q <= 2^-1000, as L/q is 1
  // to rounding there.
  const V inv_q = O::blend(one_e, O::div(one_e, e), nonneg);
  Logits<O> x;
  x.p = O::blend(frac, inv, nonneg);
  x.q = O::blend(inv, frac, nonneg);
  const V neg_l = O::neg(l);
  x.log_p = O::blend(O::sub(sv, l), neg_l, nonneg);
  x.log_q = O::blend(neg_l, O::sub(neg_s, l), nonneg);
  // log_phi: with u = γ p L/q and d = L/q - 1 (by the series q/2 + q²/3 +
  // ... for q <= 1e-4, as there),
  //   ℓ = γ ln q + ln(1 + u) + L,   dℓ/ds = -q - γ p + γ p d / (1 + u).
  const V L = O::neg(x.log_p);
  const V l_over_q = O::blend(one, O::mul(L, inv_q), O::gt(x.q, O::set1(0x1p-1000)));
  const V gp = O::mul(g, x.p);
  V inv_1u;
  const V log_1u = log1p_nonnegative<O>(O::mul(gp, l_over_q), inv_1u);
  x.value = O::add(O::fma(g, x.log_q, log_1u), L);
  const auto big_q = O::gt(x.q, O::set1(1e-4));
  V series = O::add(O::set1(0.25), O::mul(x.q, O::set1(0.2)));
  series = O::add(O::set1(1.0 / 3.0), O::mul(x.q, series));
  series = O::add(O::set1(0.5), O::mul(x.q, series));
  const V d = O::blend(O::mul(x.q, series), O::sub(l_over_q, one), big_q);
  x.slope = O::add(O::sub(O::neg(x.q), gp), O::mul(O::mul(gp, d), inv_1u));
  // ℓ'' = p q (1 - γ) + γ p (d - q - γ p d² / (1 + u)) / (1 + u)
  const V inner = O::sub(O::sub(d, x.q), O::mul(O::mul(O::mul(gp, d), d), inv_1u));
  x.curve = O::add(O::mul(O::mul(x.p, x.q), O::sub(one, g)), O::mul(O::mul(gp, inv_1u), inner));
  return x;
}

// The terms of curvature_sums (logit_batch.hpp) at one vector, and the
// corrected residuals e + ℓ'' ds² / 2.
template <class O>
struct BendTerms {
  typename O::V a, m, v, e;
};
template <class O>
inline BendTerms<O> bend_terms(typename O::V p, typename O::V q, typename O::V inv_slope,
                               typename O::V curve, typename O::V e, typename O::V ds) {
  using V = typename O::V;
  const V pq = O::mul(p, q), d2 = O::mul(ds, ds);
  const V bend = O::mul(curve, d2);
  return {O::mul(O::mul(pq, bend), inv_slope), O::mul(pq, ds), O::mul(O::mul(pq, O::sub(q, p)), d2),
          O::add(e, O::mul(O::set1(0.5), bend))};
}

// taylor_step of kkt.cpp at one vector, the same arithmetic: the logits move
// by d, and p, q and their logarithms by their Taylor series to d⁵.
template <class O>
inline void taylor_step(typename O::V d, typename O::V& s, typename O::V& p, typename O::V& q,
                        typename O::V& log_p, typename O::V& log_q) {
  using V = typename O::V;
  const V one = O::set1(1.0);
  const V pq = O::mul(p, q), skew = O::mul(pq, O::sub(q, p));
  const V bend = O::mul(pq, O::sub(one, O::mul(O::set1(6.0), pq)));
  const V kurt = O::mul(skew, O::sub(one, O::mul(O::set1(12.0), pq)));
  const V fifth = O::mul(
      pq, O::add(O::sub(one, O::mul(O::set1(30.0), pq)), O::mul(O::set1(120.0), O::mul(pq, pq))));
  const V h = O::mul(O::mul(O::set1(0.5), d), d);
  const V c3 = O::mul(O::mul(h, d), O::set1(1.0 / 3.0));
  const V c4 = O::mul(O::mul(c3, d), O::set1(0.25));
  const V c5 = O::mul(O::mul(c4, d), O::set1(0.2));
  const V common =
      O::add(O::add(O::add(O::mul(pq, h), O::mul(skew, c3)), O::mul(bend, c4)), O::mul(kurt, c5));
  const V dp = O::add(
      O::add(O::add(O::add(O::mul(pq, d), O::mul(skew, h)), O::mul(bend, c3)), O::mul(kurt, c4)),
      O::mul(fifth, c5));
  log_p = O::add(log_p, O::sub(O::mul(q, d), common));
  log_q = O::sub(log_q, O::add(O::mul(p, d), common));
  p = O::add(p, dp);
  q = O::sub(q, dp);
  s = O::add(s, d);
}

// The batch functions of logit_batch.hpp; the last vector of a batch is
// partial (lanes beyond k read as 0 and are not stored).
template <class O>
void evaluate_logits(const double* s, std::size_t k, double gamma, const LogitBatch& out) {
  const auto g = O::set1(gamma);
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const Logits<O> x = evaluate<O>(O::load(s + i, O::first(m)), g);
    O::store(out.p + i, m, x.p);
    O::store(out.q + i, m, x.q);
    O::store(out.log_p + i, m, x.log_p);
    O::store(out.log_q + i, m, x.log_q);
    O::store(out.value + i, m, x.value);
    O::store(out.slope + i, m, x.slope);
  }
}

// A sum over the symbols outside T and one over those in T, lane by lane.
template <class O>
struct SplitSum {
  typename O::V out = O::zero(), in = O::zero();
  template <class M>
  void add(M outside, M inside, typename O::V x) {
    out = O::add(out, O::keep(outside, x));
    in = O::add(in, O::keep(inside, x));
  }
};

template <class O>
NewtonSums newton_pass(const double* s, const double* log_r, const double* top, double mu,
                       std::size_t k, double gamma, const NewtonPoint& out) {
  using V = typename O::V;
  const V g = O::set1(gamma), zero = O::zero(), one = O::set1(1.0);
  V P = zero, Q = zero;
  SplitSum<O> a, b;
  V scale = one;
  auto bad = O::none();
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const auto valid = O::first(m);
    const V sv = O::load(s + i, valid);
    const Logits<O> x = evaluate<O>(sv, g);
    const V e = O::add(x.value, O::sub(O::load(log_r + i, valid), O::set1(mu)));
    const V inv_slope = O::div(one, x.slope);
    const auto in = O::neq(O::load(top + i, valid), zero);
    const auto outside = O::and_not(in, valid);
    const V w = O::mul(O::mul(x.p, x.q), inv_slope);
    const V we = O::mul(w, e);
    P = O::add(P, O::keep(outside, x.p));
    Q = O::add(Q, O::keep(in, x.q));
    a.add(outside, in, w);
    b.add(outside, in, we);
    scale = O::max(scale, O::abs(sv));
    bad = O::or_mask(bad, O::and_mask(valid, O::le(O::blend(x.p, x.q, in), zero)));
    O::store(out.p + i, m, x.p);
    O::store(out.q + i, m, x.q);
    O::store(out.log_p + i, m, x.log_p);
    O::store(out.log_q + i, m, x.log_q);
    O::store(out.residual + i, m, e);
    O::store(out.inv_slope + i, m, inv_slope);
    O::store(out.curvature + i, m, x.curve);
  }
  NewtonSums sums;
  sums.P = O::sum(P);
  sums.Q = O::sum(Q);
  sums.a_out = O::sum(a.out);
  sums.a_in = O::sum(a.in);
  sums.b_out = O::sum(b.out);
  sums.b_in = O::sum(b.in);
  sums.s_scale = O::largest(scale);
  sums.positive = !O::any(bad);
  return sums;
}

template <class O>
StepSize newton_step(const double* e, const double* inv_slope, const double* s, double dmu,
                     double tol, std::size_t k, double* ds) {
  using V = typename O::V;
  const V one = O::set1(1.0), t = O::set1(tol), d = O::set1(dmu);
  V largest = O::zero();
  auto beyond = O::none(), nan = O::none();
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const auto valid = O::first(m);
    const V step =
        O::keep(valid, O::mul(O::sub(d, O::load(e + i, valid)), O::load(inv_slope + i, valid)));
    const V size = O::abs(step);
    largest = O::max(largest, size);
    nan = O::or_mask(nan, O::unordered(step, step));
    beyond = O::or_mask(
        beyond, O::gt_or_unordered(size, O::mul(t, O::max(one, O::abs(O::load(s + i, valid))))));
    O::store(ds + i, m, step);
  }
  return {O::any(nan) ? __builtin_nan("") : O::largest(largest), !O::any(beyond)};
}

template <class O>
CurvatureSums curvature_sums(const NewtonPoint& at, const double* ds, const double* top,
                             std::size_t k) {
  using V = typename O::V;
  const V zero = O::zero();
  SplitSum<O> a, m, v;
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t lanes = k - i < O::lanes ? k - i : O::lanes;
    const auto valid = O::first(lanes);
    const BendTerms<O> b = bend_terms<O>(
        O::load(at.p + i, valid), O::load(at.q + i, valid), O::load(at.inv_slope + i, valid),
        O::load(at.curvature + i, valid), O::load(at.residual + i, valid), O::load(ds + i, valid));
    const auto in = O::neq(O::load(top + i, valid), zero);
    const auto outside = O::and_not(in, valid);
    a.add(outside, in, b.a);
    m.add(outside, in, b.m);
    v.add(outside, in, b.v);
    O::store(at.residual + i, lanes, b.e);
  }
  return {O::sum(a.out), O::sum(a.in), O::sum(m.out), O::sum(m.in), O::sum(v.out), O::sum(v.in)};
}

template <class O>
void taylor_steps(std::size_t k, const double* ds, double* s, double* p, double* q, double* log_p,
                  double* log_q) {
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const auto valid = O::first(m);
    auto sv = O::load(s + i, valid), pv = O::load(p + i, valid), qv = O::load(q + i, valid);
    auto lp = O::load(log_p + i, valid), lq = O::load(log_q + i, valid);
    taylor_step<O>(O::load(ds + i, valid), sv, pv, qv, lp, lq);
    O::store(s + i, m, sv);
    O::store(p + i, m, pv);
    O::store(q + i, m, qv);
    O::store(log_p + i, m, lp);
    O::store(log_q + i, m, lq);
  }
}

// In every lane, the sum of its group of W = 2^j lanes as a balanced tree,
// ((x0 + x1) + (x2 + x3)) + ...: the order of O::sum on a whole vector (a + b
// and b + a are the same double).
template <class O, std::size_t W>
inline typename O::V group_sums(typename O::V x) {
  if constexpr (W >= 2) x = O::add(x, O::swap1(x));
  if constexpr (W >= 4) x = O::add(x, O::swap2(x));
  if constexpr (W >= 8) x = O::add(x, O::swap4(x));
  return x;
}

// joint_newton (kkt.cpp) for H cells at once, cell g in the g-th of H equal
// groups of lanes of one vector (H = 1: one cell of k <= O::lanes symbols;
// H = 2 on eight lanes: two cells of up to four), or for one cell over NV
// vectors (H = 1, k <= NV O::lanes, symbols v O::lanes.. in vector v): for
// each cell the same arithmetic in the same order as there (newton_pass,
// newton_step and taylor_step over the same vectors, sums and maxima by
// group as O::sum and O::largest on a vector of O::lanes / H lanes), so the
// same iterates bit for bit, with everything kept in registers between
// passes. A cell whose sums near underflow (which joint_newton takes from
// their logarithms) is `left`: the caller runs joint_newton on it from the
// same start.
template <class O, int H, int NV>
void joint_newton_cells(SmallCellJob* jobs, double gamma, const NewtonTolerances& tol) {
  static_assert(H == 1 || NV == 1, "several vectors hold one cell only");
  using V = typename O::V;
  using Mask = typename O::M;
  constexpr std::size_t W = O::lanes / H;  // lanes per cell in a vector
  constexpr unsigned kGroup = (1u << W) - 1u;
  alignas(64) double lane[O::lanes];
  // Symbol v W + i of cell c sits in lane c W + i of vector v.
  auto gather = [&](auto field, int v) {
    if constexpr (H == 1) {  // a masked load
      const std::size_t from = v * W, rest = jobs[0].k > from ? jobs[0].k - from : 0;
      return rest ? O::load(field(jobs[0]) + from, O::first(rest < W ? rest : W)) : O::zero();
    }
    for (int c = 0; c < H; ++c)
      for (std::size_t i = 0, a = v * W; i < W; ++i, ++a)
        lane[c * W + i] = a < jobs[c].k ? field(jobs[c])[a] : 0.0;
    return O::load(lane, O::first(O::lanes));
  };
  const V g = O::set1(gamma), zero = O::zero(), one = O::set1(1.0);
  V lr[NV], s[NV];
  Mask valid[NV], in[NV], outside[NV];
  for (int v = 0; v < NV; ++v) {
    unsigned bits = 0;
    for (int c = 0; c < H; ++c) {
      const std::size_t first = v * W;
      const std::size_t rest = jobs[c].k > first ? jobs[c].k - first : 0;
      const std::size_t here = rest < W ? rest : W;
      bits |= ((1u << here) - 1u) << (c * W);
    }
    valid[v] = O::mask_of_bits(bits);
    lr[v] = gather([](const SmallCellJob& j) { return j.log_r; }, v);
    in[v] = O::neq(gather([](const SmallCellJob& j) { return j.top; }, v), zero);
    outside[v] = O::and_not(in[v], valid[v]);
    s[v] = gather([](const SmallCellJob& j) { return static_cast<const double*>(j.s); }, v);
  }
  double mu[H], previous[H];
  bool active[H];
  for (int c = 0; c < H; ++c) {
    mu[c] = *jobs[c].mu;
    previous[c] = __builtin_inf();
    active[c] = true;
    jobs[c].status = SmallCell::failed;
  }
  // By cell: the sums and maxima of one vector of W lanes, and any-lane tests.
  auto sums = [&](const V& x, double* out) {
    O::store(lane, O::lanes, group_sums<O, W>(x));
    for (int c = 0; c < H; ++c) out[c] = lane[c * W];
  };
  auto largest = [&](const V& x, double* out) {
    O::store(lane, O::lanes, x);
    for (int c = 0; c < H; ++c) {
      double m = lane[c * W];
      for (std::size_t i = 1; i < W; ++i) m = m > lane[c * W + i] ? m : lane[c * W + i];
      out[c] = m;
    }
  };
  auto any = [&](unsigned bits, int c) { return ((bits >> (c * W)) & kGroup) != 0; };
  auto by_cell = [&](const double* x) {
    if constexpr (H == 1)
      return O::set1(x[0]);
    else
      return O::set_halves(x[0], x[1]);
  };
  // Σ over the vectors in newton_pass's order, from 0.
  auto total = [&](auto term) {
    V acc = zero;
    for (int v = 0; v < NV; ++v) acc = O::add(acc, term(v));
    return acc;
  };
  // By cell, the sums of x over the symbols outside T and over those in T.
  auto split = [&](auto term, double* out, double* inside) {
    sums(total([&](int v) { return O::keep(outside[v], term(v)); }), out);
    sums(total([&](int v) { return O::keep(in[v], term(v)); }), inside);
  };
  auto finish = [&](int c, const V* p, const V* q, const V* log_p, const V* log_q, const V* s_c) {
    const SmallCellJob& j = jobs[c];
    auto put = [&](double* to, const V* x) {
      for (int v = 0; v < NV; ++v) {
        if constexpr (H == 1) {
          if (v * W < j.k) O::store(to + v * W, j.k - v * W < W ? j.k - v * W : W, x[v]);
          continue;
        }
        O::store(lane, O::lanes, x[v]);
        for (std::size_t i = 0, a = v * W; i < W && a < j.k; ++i, ++a) to[a] = lane[c * W + i];
      }
    };
    put(j.point.p, p);
    put(j.point.q, q);
    put(j.point.log_p, log_p);
    put(j.point.log_q, log_q);
    put(j.s, s_c);
    *j.mu = mu[c];
    jobs[c].status = SmallCell::converged;
    active[c] = false;
  };
  for (int it = 0; it < 50; ++it) {
    Logits<O> x[NV];
    V e[NV], inv_slope[NV], w[NV], we[NV], ds[NV];
    unsigned bad = 0;
    V scale = one;
    for (int v = 0; v < NV; ++v) {
      x[v] = evaluate<O>(s[v], g);
      e[v] = O::add(x[v].value, O::sub(lr[v], by_cell(mu)));
      inv_slope[v] = O::div(one, x[v].slope);
      w[v] = O::mul(O::mul(x[v].p, x[v].q), inv_slope[v]);
      we[v] = O::mul(w[v], e[v]);
      scale = O::max(scale, O::abs(s[v]));
      bad |= O::bits(O::and_mask(valid[v], O::le(O::blend(x[v].p, x[v].q, in[v]), zero)));
    }
    double P[H], Q[H], a_out[H], a_in[H], b_out[H], b_in[H], s_scale[H], dmu[H] = {};
    DirectStep step[H] = {};
    sums(total([&](int v) { return O::keep(outside[v], x[v].p); }), P);
    sums(total([&](int v) { return O::keep(in[v], x[v].q); }), Q);
    split([&](int v) { return w[v]; }, a_out, a_in);
    split([&](int v) { return we[v]; }, b_out, b_in);
    largest(scale, s_scale);
    for (int c = 0; c < H; ++c) {
      if (!active[c]) continue;
      *jobs[c].evaluations += static_cast<int>(jobs[c].k);
      if (any(bad, c) || !(P[c] >= 1e-290 && Q[c] >= 1e-290)) {
        jobs[c].status = SmallCell::left;
        active[c] = false;
        continue;
      }
      step[c] = direct_step(P[c], Q[c], a_out[c], a_in[c], b_out[c], b_in[c]);
      if (!__builtin_isfinite(step[c].sum_w) || !(step[c].sum_w < 0.0) ||
          !__builtin_isfinite(step[c].c))
        active[c] = false;  // failed
      else
        dmu[c] = step[c].dmu;
    }
    // The Newton step, then (for the cells whose step is at most
    // kCorrectedUpTo) the corrected one, as in kkt.cpp.
    auto step_of = [&](const double* d_mu, const V* res, V* out, double* big_out, unsigned& nan,
                       unsigned& beyond) {
      V size_max = zero;
      for (int v = 0; v < NV; ++v) {
        out[v] = O::keep(valid[v], O::mul(O::sub(by_cell(d_mu), res[v]), inv_slope[v]));
        const V size = O::abs(out[v]);
        size_max = O::max(size_max, size);
        nan |= O::bits(O::unordered(out[v], out[v]));
        beyond |=
            O::bits(O::gt_or_unordered(size, O::mul(O::set1(tol.step), O::max(one, O::abs(s[v])))));
      }
      largest(size_max, big_out);
    };
    unsigned nan = 0, beyond = 0;
    double big[H];
    step_of(dmu, e, ds, big, nan, beyond);
    bool corrected[H] = {};
    unsigned corrected_bits = 0;
    double dmu2[H] = {}, big2[H] = {};
    V ds2[NV];
    for (int c = 0; c < H; ++c) {
      corrected[c] = active[c] && !any(nan, c) && big[c] <= kCorrectedUpTo &&
                     __builtin_fabs(dmu[c]) <= kCorrectedUpTo;
      if (corrected[c]) corrected_bits |= kGroup << (c * W);
    }
    if (corrected_bits) {
      BendTerms<O> b[NV];
      V e2[NV];
      for (int v = 0; v < NV; ++v) {
        b[v] = bend_terms<O>(x[v].p, x[v].q, inv_slope[v], x[v].curve, e[v], ds[v]);
        e2[v] = b[v].e;
      }
      double k_a_out[H], k_a_in[H], k_m_out[H], k_m_in[H], k_v_out[H], k_v_in[H];
      split([&](int v) { return b[v].a; }, k_a_out, k_a_in);
      split([&](int v) { return b[v].m; }, k_m_out, k_m_in);
      split([&](int v) { return b[v].v; }, k_v_out, k_v_in);
      for (int c = 0; c < H; ++c)
        if (corrected[c])
          dmu2[c] = corrected_dmu(
              step[c], {k_a_out[c], k_a_in[c], k_m_out[c], k_m_in[c], k_v_out[c], k_v_in[c]});
      unsigned nan2 = 0, beyond2 = 0;
      step_of(dmu2, e2, ds2, big2, nan2, beyond2);
      for (int c = 0; c < H; ++c)
        if (corrected[c] && (any(nan2, c) || !__builtin_isfinite(big2[c]))) {
          corrected[c] = false;  // the Newton step, as kkt.cpp
          corrected_bits &= ~(kGroup << (c * W));
        }
      const Mask use = O::mask_of_bits(corrected_bits);
      for (int v = 0; v < NV; ++v) ds[v] = O::blend(ds[v], ds2[v], use);
    }
    double damp[H] = {};
    unsigned moving_bits = 0;  // the cells whose logits take the damped step
    for (int c = 0; c < H; ++c) {
      if (!active[c]) continue;
      if (any(nan, c) || !__builtin_isfinite(big[c])) {
        active[c] = false;  // failed
        continue;
      }
      const double abs_mu = __builtin_fabs(mu[c]), abs_dmu = __builtin_fabs(dmu[c]);
      const bool small = abs_dmu <= tol.step * (1.0 < abs_mu ? abs_mu : 1.0) && !any(beyond, c);
      const double last = corrected[c] ? tol.last_corrected : tol.last_step;
      const double step_mu = corrected[c] ? dmu2[c] : dmu[c];
      const double taken = corrected[c] ? big2[c] : big[c];
      if (small || (big[c] >= previous[c] && big[c] < 1e-10 * s_scale[c])) {
        V p[NV], q[NV], log_p[NV], log_q[NV];
        for (int v = 0; v < NV; ++v) {
          p[v] = x[v].p;
          q[v] = x[v].q;
          log_p[v] = x[v].log_p;
          log_q[v] = x[v].log_q;
        }
        finish(c, p, q, log_p, log_q, s);
      } else if (big[c] <= last && abs_dmu <= last) {  // taylor_step
        V p[NV], q[NV], log_p[NV], log_q[NV], s_c[NV];
        for (int v = 0; v < NV; ++v) {
          p[v] = x[v].p;
          q[v] = x[v].q;
          log_p[v] = x[v].log_p;
          log_q[v] = x[v].log_q;
          s_c[v] = s[v];
          taylor_step<O>(ds[v], s_c[v], p[v], q[v], log_p[v], log_q[v]);
        }
        mu[c] += step_mu;
        finish(c, p, q, log_p, log_q, s_c);
      } else {
        previous[c] = big[c];
        damp[c] = taken > 2.0 * s_scale[c] + 8.0 ? (2.0 * s_scale[c] + 8.0) / taken : 1.0;
        mu[c] += damp[c] * step_mu;
        moving_bits |= kGroup << (c * W);
      }
    }
    if (!moving_bits) return;
    const Mask moving = O::mask_of_bits(moving_bits);
    for (int v = 0; v < NV; ++v)
      s[v] = O::blend(s[v], O::add(s[v], O::mul(by_cell(damp), ds[v])), moving);
  }
}

template <class O>
std::size_t first_largest(const double* x, std::size_t k) {
  using V = typename O::V;
  const V none = O::set1(-__builtin_inf());
  V largest = none;
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    largest = O::max(largest, O::blend(none, O::load(x + i, O::first(m)), O::first(m)));
  }
  const V top = O::set1(O::largest(largest));
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const auto at = O::and_not(O::neq(O::load(x + i, O::first(m)), top), O::first(m));
    if (O::any(at)) return i + static_cast<std::size_t>(__builtin_ctz(O::bits(at)));
  }
  return 0;  // not reached for positive masses
}

template <class O>
double sum_except(const double* x, std::size_t k, std::size_t skip) {
  auto sum = O::zero();
  for (std::size_t i = 0; i < k; i += O::lanes) {
    auto valid = O::first(k - i < O::lanes ? k - i : O::lanes);
    if (skip - i < O::lanes) valid = O::and_not(O::mask_of_bits(1u << (skip - i)), valid);
    sum = O::add(sum, O::load(x + i, valid));
  }
  return O::sum(sum);
}

template <class O>
bool log_loss_series(const double* r, const double* log_r, std::size_t k, double shift,
                     double scale, double* s) {
  using V = typename O::V;
  const V sc = O::set1(scale), sh = O::set1(shift), one = O::set1(1.0), two = O::set1(2.0);
  auto beyond = O::none();
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const auto valid = O::first(m);
    const V x = O::mul(sc, O::load(r + i, valid));
    beyond = O::or_mask(beyond, O::and_mask(valid, O::gt(x, O::set1(0.5))));
    const V z = O::div(x, O::sub(two, x)), w = O::mul(z, z);
    V series = O::add(O::set1(1.0 / 7.0), O::mul(w, O::set1(1.0 / 9.0)));
    series = O::add(O::set1(1.0 / 5.0), O::mul(w, series));
    series = O::add(O::set1(1.0 / 3.0), O::mul(w, series));
    series = O::add(one, O::mul(w, series));
    O::store(s + i, m,
             O::add(O::add(O::load(log_r + i, valid), sh), O::mul(O::mul(two, z), series)));
  }
  return O::any(beyond);
}

template <class O>
void log_batch(const double* x, std::size_t k, double* out) {
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const std::size_t m = k - i < O::lanes ? k - i : O::lanes;
    const auto valid = O::first(m);
    const typename O::V xv = O::load(x + i, valid);
    // Subnormal (or zero) lanes go to libm.
    if (O::any(O::and_mask(valid, O::lt(xv, O::set1(2.2250738585072014e-308))))) {
      for (std::size_t j = 0; j < m; ++j)
        out[i + j] = __builtin_log(x[i + j]);  // libm: <cmath> stays out
      continue;
    }
    O::store(out + i, m, log_normal<O>(xv));
  }
}

template <class O>
double weighted_losses(const double* r, const double* log_p, const double* log_q, std::size_t k,
                       double gamma) {
  auto sum = O::zero();
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const auto valid = O::first(k - i < O::lanes ? k - i : O::lanes);  // r = 0 in the unused lanes
    const auto focal = exp_nonpositive<O>(O::mul(O::set1(gamma), O::load(log_q + i, valid)));
    const auto loss = O::mul(focal, O::neg(O::load(log_p + i, valid)));
    sum = O::fma(O::load(r + i, valid), loss, sum);
  }
  return O::sum(sum);
}

template <class O>
double renormalised_losses(const double* r, const double* log_p, const double* log_q,
                           const double* q, std::size_t k, double gamma, const Renormalisation& n) {
  using V = typename O::V;
  const V g = O::set1(gamma), delta = O::set1(n.delta), ls = O::set1(n.log_sum);
  const V zero = O::zero(), one = O::set1(1.0), half = O::set1(0.5);
  V sum = zero;
  for (std::size_t i = 0; i < k; i += O::lanes) {
    const auto valid = O::first(k - i < O::lanes ? k - i : O::lanes);  // r = 0 in the unused lanes
    const V qv = O::load(q + i, valid);
    const V x =
        O::div(delta, O::blend(one, qv, O::gt(qv, zero)));  // q_a > 0 but perhaps at the top
    const V lp = O::sub(O::load(log_p + i, valid), ls);
    V lq = O::add(O::load(log_q + i, valid), O::sub(O::sub(x, O::mul(O::mul(half, x), x)), ls));
    if (n.top - i < O::lanes)
      lq = O::blend(lq, O::set1(n.top_log_q), O::mask_of_bits(1u << (n.top - i)));
    const V loss = O::mul(exp_nonpositive<O>(O::mul(g, lq)), O::neg(lp));
    sum = O::fma(O::load(r + i, valid), loss, sum);
  }
  return O::sum(sum);
}

}  // namespace focalrd::detail::simd
