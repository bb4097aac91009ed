#include "detail/logit_batch.hpp"

#include <atomic>
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

}  // namespace focalrd::detail
