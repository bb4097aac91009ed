// The AVX2 path of logit_batch.hpp: the kernels of logit_simd.hpp on four
// doubles. Compiled with -mavx2 -mfma; includes nothing that could define
// inline functions shared with generic code.
#include <immintrin.h>

#include "detail/logit_simd.hpp"

namespace focalrd::detail {

namespace {

struct Avx2 {
  using V = __m256d;
  using M = __m256d;  // a lane mask: all ones or all zeros
  using I = __m256i;
  static constexpr std::size_t lanes = 4;

  static V set1(double x) { return _mm256_set1_pd(x); }
  static V zero() { return _mm256_setzero_pd(); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  static V div(V a, V b) { return _mm256_div_pd(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V max(V a, V b) { return _mm256_max_pd(a, b); }
  static V neg(V a) { return _mm256_xor_pd(a, set1(-0.0)); }
  static V abs(V a) { return _mm256_andnot_pd(set1(-0.0), a); }
  static V round_nearest(V a) {
    return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static V round_down(V a) { return _mm256_round_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }

  static M gt(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  static M ge(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
  static M lt(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  static M le(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
  static M neq(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_NEQ_OQ); }
  static M unordered(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_UNORD_Q); }
  static M gt_or_unordered(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_NLE_UQ); }
  static M none() { return _mm256_setzero_pd(); }
  static M and_mask(M a, M b) { return _mm256_and_pd(a, b); }
  static M and_not(M a, M b) { return _mm256_andnot_pd(a, b); }  // b and not a
  static M or_mask(M a, M b) { return _mm256_or_pd(a, b); }
  static bool any(M a) { return _mm256_movemask_pd(a) != 0; }
  static unsigned bits(M a) { return static_cast<unsigned>(_mm256_movemask_pd(a)); }
  static M mask_of_bits(unsigned b) {
    const __m256i lane_bit = _mm256_set_epi64x(8, 4, 2, 1);
    return _mm256_castsi256_pd(_mm256_cmpgt_epi64(
        _mm256_and_si256(_mm256_set1_epi64x(b), lane_bit), _mm256_setzero_si256()));
  }
  static V blend(V if_false, V if_true, M m) { return _mm256_blendv_pd(if_false, if_true, m); }
  static V keep(M m, V a) { return _mm256_and_pd(m, a); }  // a where m, 0 elsewhere

  static I as_int(V a) { return _mm256_castpd_si256(a); }
  static V as_double(I a) { return _mm256_castsi256_pd(a); }
  static I set1_int(long long x) { return _mm256_set1_epi64x(x); }
  static I add_int(I a, I b) { return _mm256_add_epi64(a, b); }
  static I sub_int(I a, I b) { return _mm256_sub_epi64(a, b); }
  static I or_int(I a, I b) { return _mm256_or_si256(a, b); }
  static I shl(I a, int n) { return _mm256_slli_epi64(a, n); }
  static I shr(I a, int n) { return _mm256_srli_epi64(a, n); }

  // The first m of four lanes (m in 1..4).
  static M first(std::size_t m) {
    const auto n = static_cast<long long>(m);
    return _mm256_castsi256_pd(
        _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_set_epi64x(3, 2, 1, 0)));
  }
  // Loads the lanes of `valid`, 0 in the others.
  static V load(const double* from, M valid) {
    return _mm256_maskload_pd(from, _mm256_castpd_si256(valid));
  }
  // Stores the first m lanes of x; not by a masked store, whose data the
  // scalar loads that follow could not be forwarded.
  static void store(double* to, std::size_t m, V x) {
    if (m == 4) return _mm256_storeu_pd(to, x);
    alignas(32) double lane[4];
    _mm256_store_pd(lane, x);
    for (std::size_t j = 0; j < m; ++j) to[j] = lane[j];
  }
  // Each lane and its neighbour at distance 1 or 2 swapped.
  static V swap1(V x) { return _mm256_permute_pd(x, 0x5); }
  static V swap2(V x) { return _mm256_permute2f128_pd(x, x, 0x01); }
  static double sum(V x) {
    alignas(32) double part[4];
    _mm256_store_pd(part, x);
    return (part[0] + part[1]) + (part[2] + part[3]);
  }
  static double largest(V x) {
    alignas(32) double lane[4];
    _mm256_store_pd(lane, x);
    double m = lane[0] > lane[1] ? lane[0] : lane[1];
    m = m > lane[2] ? m : lane[2];
    return m > lane[3] ? m : lane[3];
  }
};

}  // namespace

const VectorKernels kAvx2Kernels{4,
                                 simd::evaluate_logits<Avx2>,
                                 simd::newton_pass<Avx2>,
                                 simd::newton_step<Avx2>,
                                 simd::curvature_sums<Avx2>,
                                 simd::taylor_steps<Avx2>,
                                 simd::joint_newton_cells<Avx2, 1, 1>,
                                 simd::joint_newton_cells<Avx2, 1, 2>,
                                 simd::joint_newton_cells<Avx2, 1, 4>,
                                 nullptr,
                                 simd::first_largest<Avx2>,
                                 simd::sum_except<Avx2>,
                                 simd::log_loss_series<Avx2>,
                                 simd::log_batch<Avx2>,
                                 simd::weighted_losses<Avx2>,
                                 simd::renormalised_losses<Avx2>};

}  // namespace focalrd::detail
