// The AVX2 path of evaluate_logits: logit_point and log_phi of
// focal_loss.cpp, four logits at a time, every operation in the same order
// as there; only exp and log1p differ (libmvec's, within 4 ulps). This file
// is compiled with -mavx2 -mfma (and no contraction into FMA) and includes
// nothing that could define inline functions shared with generic code.
#include <immintrin.h>

#include "detail/logit_batch.hpp"

extern "C" __m256d _ZGVdN4v_exp(__m256d);
extern "C" __m256d _ZGVdN4v_log1p(__m256d);

namespace focalrd::detail {

void evaluate_logits_avx2(const double* s, std::size_t k, double gamma, const LogitBatch& out) {
  const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
  const __m256d g = _mm256_set1_pd(gamma);
  const __m256d sign = _mm256_set1_pd(-0.0);
  for (std::size_t i = 0; i < k; i += 4) {
    const std::size_t m = k - i < 4 ? k - i : 4;
    alignas(32) double in[4] = {0.0, 0.0, 0.0, 0.0};
    for (std::size_t j = 0; j < m; ++j) in[j] = s[i + j];
    const __m256d sv = _mm256_load_pd(in);
    const __m256d neg_s = _mm256_xor_pd(sv, sign);
    const __m256d nonneg = _mm256_cmp_pd(sv, zero, _CMP_GE_OQ);  // s >= 0
    // logit_point: e = e^(-|s|) <= 1, l = log1p(e).
    const __m256d e = _ZGVdN4v_exp(_mm256_blendv_pd(sv, neg_s, nonneg));
    const __m256d l = _ZGVdN4v_log1p(e);
    const __m256d den = _mm256_add_pd(one, e);
    const __m256d inv = _mm256_div_pd(one, den), frac = _mm256_div_pd(e, den);
    const __m256d p = _mm256_blendv_pd(frac, inv, nonneg);
    const __m256d q = _mm256_blendv_pd(inv, frac, nonneg);
    const __m256d neg_l = _mm256_xor_pd(l, sign);
    const __m256d log_p = _mm256_blendv_pd(_mm256_sub_pd(sv, l), neg_l, nonneg);
    const __m256d log_q = _mm256_blendv_pd(neg_l, _mm256_sub_pd(neg_s, l), nonneg);
    // log_phi.
    const __m256d L = _mm256_xor_pd(log_p, sign);
    const __m256d q_pos = _mm256_cmp_pd(q, zero, _CMP_GT_OQ);
    const __m256d l_over_q = _mm256_blendv_pd(one, _mm256_div_pd(L, q), q_pos);
    const __m256d gp = _mm256_mul_pd(g, p);
    const __m256d u = _mm256_mul_pd(gp, l_over_q);
    const __m256d value =
        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(g, log_q), _ZGVdN4v_log1p(u)), L);
    const __m256d big_q = _mm256_cmp_pd(q, _mm256_set1_pd(1e-4), _CMP_GT_OQ);
    const __m256d d_big = _mm256_div_pd(_mm256_sub_pd(L, q), q);
    __m256d series = _mm256_add_pd(_mm256_set1_pd(0.25), _mm256_mul_pd(q, _mm256_set1_pd(0.2)));
    series = _mm256_add_pd(_mm256_set1_pd(1.0 / 3.0), _mm256_mul_pd(q, series));
    series = _mm256_add_pd(_mm256_set1_pd(0.5), _mm256_mul_pd(q, series));
    const __m256d d = _mm256_blendv_pd(_mm256_mul_pd(q, series), d_big, big_q);
    const __m256d slope =
        _mm256_add_pd(_mm256_sub_pd(_mm256_xor_pd(q, sign), gp),
                      _mm256_div_pd(_mm256_mul_pd(gp, d), _mm256_add_pd(one, u)));
    alignas(32) double r[6][4];
    _mm256_store_pd(r[0], p);
    _mm256_store_pd(r[1], q);
    _mm256_store_pd(r[2], log_p);
    _mm256_store_pd(r[3], log_q);
    _mm256_store_pd(r[4], value);
    _mm256_store_pd(r[5], slope);
    for (std::size_t j = 0; j < m; ++j) {
      out.p[i + j] = r[0][j];
      out.q[i + j] = r[1][j];
      out.log_p[i + j] = r[2][j];
      out.log_q[i + j] = r[3][j];
      out.value[i + j] = r[4][j];
      out.slope[i + j] = r[5][j];
    }
  }
}

}  // namespace focalrd::detail
