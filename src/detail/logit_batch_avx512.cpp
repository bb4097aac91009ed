// The AVX-512 path of logit_batch.hpp: the kernels of logit_simd.hpp on eight
// doubles. Compiled with -mavx512f -mavx512dq -mfma; includes nothing that
// could define inline functions shared with generic code.
#include <immintrin.h>

#include "detail/logit_simd.hpp"

namespace focalrd::detail {

namespace {

struct Avx512 {
  using V = __m512d;
  using M = __mmask8;
  using I = __m512i;
  static constexpr std::size_t lanes = 8;
  // Every lane: the zero-masking forms below with it are the plain
  // instructions (GCC 12 warns about the unmasked intrinsics' placeholder
  // operand).
  static constexpr M kAll = 0xFF;

  static V set1(double x) { return _mm512_set1_pd(x); }
  static V zero() { return _mm512_setzero_pd(); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static V sub(V a, V b) { return _mm512_sub_pd(a, b); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V div(V a, V b) { return _mm512_div_pd(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V max(V a, V b) { return _mm512_maskz_max_pd(kAll, a, b); }
  static V neg(V a) { return _mm512_xor_pd(a, set1(-0.0)); }
  static V abs(V a) { return _mm512_andnot_pd(set1(-0.0), a); }
  static V round_nearest(V a) {
    return _mm512_maskz_roundscale_pd(kAll, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static V round_down(V a) {
    return _mm512_maskz_roundscale_pd(kAll, a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  }

  static M gt(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  static M ge(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static M lt(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static M le(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
  static M neq(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_NEQ_OQ); }
  static M unordered(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q); }
  static M gt_or_unordered(V a, V b) { return _mm512_cmp_pd_mask(a, b, _CMP_NLE_UQ); }
  static M none() { return 0; }
  static M and_mask(M a, M b) { return static_cast<M>(a & b); }
  static M and_not(M a, M b) { return static_cast<M>(~a & b); }  // b and not a
  static M or_mask(M a, M b) { return static_cast<M>(a | b); }
  static bool any(M a) { return a != 0; }
  static unsigned bits(M a) { return a; }
  static M mask_of_bits(unsigned b) { return static_cast<M>(b); }
  // a in the lower four lanes, b in the upper four.
  static V set_halves(double a, double b) {
    return _mm512_maskz_insertf64x4(kAll, _mm512_set1_pd(a), _mm256_set1_pd(b), 1);
  }
  static V blend(V if_false, V if_true, M m) { return _mm512_mask_blend_pd(m, if_false, if_true); }
  static V keep(M m, V a) { return _mm512_maskz_mov_pd(m, a); }  // a where m, 0 elsewhere

  static I as_int(V a) { return _mm512_castpd_si512(a); }
  static V as_double(I a) { return _mm512_castsi512_pd(a); }
  static I set1_int(long long x) { return _mm512_set1_epi64(x); }
  static I add_int(I a, I b) { return _mm512_add_epi64(a, b); }
  static I sub_int(I a, I b) { return _mm512_sub_epi64(a, b); }
  static I or_int(I a, I b) { return _mm512_or_si512(a, b); }
  static I shl(I a, unsigned n) { return _mm512_maskz_slli_epi64(kAll, a, n); }
  static I shr(I a, unsigned n) { return _mm512_maskz_srli_epi64(kAll, a, n); }

  // The first m of eight lanes (m in 1..8).
  static M first(std::size_t m) { return static_cast<M>((1u << m) - 1u); }
  // Loads the lanes of `valid`, 0 in the others.
  static V load(const double* from, M valid) { return _mm512_maskz_loadu_pd(valid, from); }
  // Stores the first m lanes of x; not by a masked store, whose data the
  // scalar loads that follow could not be forwarded.
  static void store(double* to, std::size_t m, V x) {
    if (m == 8) return _mm512_storeu_pd(to, x);
    alignas(64) double lane[8];
    _mm512_store_pd(lane, x);
    for (std::size_t j = 0; j < m; ++j) to[j] = lane[j];
  }
  // Each lane and its neighbour at distance 1, 2 or 4 swapped.
  static V swap1(V x) { return _mm512_maskz_permute_pd(kAll, x, 0x55); }
  static V swap2(V x) { return _mm512_maskz_shuffle_f64x2(kAll, x, x, _MM_SHUFFLE(2, 3, 0, 1)); }
  static V swap4(V x) { return _mm512_maskz_shuffle_f64x2(kAll, x, x, _MM_SHUFFLE(1, 0, 3, 2)); }
  static double sum(V x) {
    alignas(64) double p[8];
    _mm512_store_pd(p, x);
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
  }
  static double largest(V x) {
    alignas(64) double lane[8];
    _mm512_store_pd(lane, x);
    double m = lane[0];
    for (int j = 1; j < 8; ++j) m = m > lane[j] ? m : lane[j];
    return m;
  }
};

}  // namespace

const VectorKernels kAvx512Kernels{8,
                                   simd::evaluate_logits<Avx512>,
                                   simd::newton_pass<Avx512>,
                                   simd::newton_step<Avx512>,
                                   simd::curvature_sums<Avx512>,
                                   simd::taylor_steps<Avx512>,
                                   simd::joint_newton_cells<Avx512, 1, 1>,
                                   simd::joint_newton_cells<Avx512, 1, 2>,
                                   simd::joint_newton_cells<Avx512, 1, 4>,
                                   simd::joint_newton_cells<Avx512, 2, 1>,
                                   simd::first_largest<Avx512>,
                                   simd::sum_except<Avx512>,
                                   simd::log_loss_series<Avx512>,
                                   simd::log_batch<Avx512>,
                                   simd::weighted_losses<Avx512>,
                                   simd::renormalised_losses<Avx512>};

}  // namespace focalrd::detail
