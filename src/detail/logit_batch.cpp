#include "detail/logit_batch.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "focalrd/focal_loss.hpp"

namespace focalrd::detail {

namespace {

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

std::atomic<int>& current_path() {
  static std::atomic<int> path{[] {
    const char* env = std::getenv("FOCALRD_MATH");
    const bool scalar = env && std::strcmp(env, "scalar") == 0;
    return static_cast<int>(!scalar && cpu_has_avx2() ? MathPath::avx2 : MathPath::scalar);
  }()};
  return path;
}

void evaluate_logits_scalar(const double* s, std::size_t k, double gamma, const LogitBatch& out) {
  for (std::size_t a = 0; a < k; ++a) {
    const LogitPoint x = logit_point(s[a]);
    const LogPhi l = log_phi(x, gamma);
    out.p[a] = x.p;
    out.q[a] = x.q;
    out.log_p[a] = x.log_p;
    out.log_q[a] = x.log_q;
    out.value[a] = l.value;
    out.slope[a] = l.slope;
  }
}

}  // namespace

MathPath math_path() { return static_cast<MathPath>(current_path().load(std::memory_order_relaxed)); }

bool set_math_path(MathPath path) {
  if (path == MathPath::avx2 && !cpu_has_avx2()) return false;
  current_path().store(static_cast<int>(path));
  return true;
}

void evaluate_logits(const double* s, std::size_t k, double gamma, const LogitBatch& out) {
  if (math_path() == MathPath::avx2)
    evaluate_logits_avx2(s, k, gamma, out);
  else
    evaluate_logits_scalar(s, k, gamma, out);
}

NewtonSums newton_pass(const double* s, const double* log_r, const double* top, double mu,
                       std::size_t k, double gamma, const NewtonPoint& out) {
  if (math_path() == MathPath::avx2) return newton_pass_avx2(s, log_r, top, mu, k, gamma, out);
  NewtonSums sums;
  for (std::size_t a = 0; a < k; ++a) {
    const LogitPoint x = logit_point(s[a]);
    const LogPhi l = log_phi(x, gamma);
    const double e = l.value + (log_r[a] - mu);
    const double inv_slope = 1.0 / l.slope;
    const double w = x.p * x.q * inv_slope;
    if (top[a] != 0.0) {
      sums.Q += x.q;
      sums.a_in += w;
      sums.b_in += w * e;
      sums.positive = sums.positive && x.q > 0.0;
    } else {
      sums.P += x.p;
      sums.a_out += w;
      sums.b_out += w * e;
      sums.positive = sums.positive && x.p > 0.0;
    }
    sums.s_scale = std::max(sums.s_scale, std::fabs(s[a]));
    out.p[a] = x.p;
    out.q[a] = x.q;
    out.log_p[a] = x.log_p;
    out.log_q[a] = x.log_q;
    out.residual[a] = e;
    out.inv_slope[a] = inv_slope;
  }
  return sums;
}

void log_batch(const double* x, std::size_t k, double* out) {
  if (math_path() == MathPath::avx2) return log_batch_avx2(x, k, out);
  for (std::size_t a = 0; a < k; ++a) out[a] = std::log(x[a]);
}

double weighted_losses(const double* r, const double* log_p, const double* log_q, std::size_t k,
                       double gamma) {
  if (math_path() == MathPath::avx2) return weighted_losses_avx2(r, log_p, log_q, k, gamma);
  double sum = 0.0;
  for (std::size_t a = 0; a < k; ++a) sum += r[a] * std::exp(gamma * log_q[a]) * -log_p[a];
  return sum;
}

}  // namespace focalrd::detail
