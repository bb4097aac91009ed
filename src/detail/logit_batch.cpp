#include "detail/logit_batch.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "focalrd/focal_loss.hpp"

namespace focalrd::detail {

namespace {

bool cpu_has(MathPath path) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  switch (path) {
    case MathPath::scalar:
      return true;
    case MathPath::avx2:
      return avx2;
    case MathPath::avx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  }
  return false;
}

std::atomic<int>& current_path() {
  static std::atomic<int> path{[] {
    // The widest path the CPU has, or at most the one FOCALRD_MATH names.
    const char* env = std::getenv("FOCALRD_MATH");
    MathPath widest = MathPath::avx512;
    if (env && std::strcmp(env, "scalar") == 0) widest = MathPath::scalar;
    if (env && std::strcmp(env, "avx2") == 0) widest = MathPath::avx2;
    for (MathPath p : {MathPath::avx512, MathPath::avx2})
      if (static_cast<int>(p) <= static_cast<int>(widest) && cpu_has(p)) return static_cast<int>(p);
    return static_cast<int>(MathPath::scalar);
  }()};
  return path;
}

// The vector kernels for k symbols, none on the scalar path: AVX-512 beyond
// four on its path (at most four fill one AVX2 vector, with the same values
// lane by lane and the same sums, so the choice changes no result there).
const VectorKernels* vector_kernels(std::size_t k) {
  switch (math_path()) {
    case MathPath::avx512:
      return k <= 4 ? &kAvx2Kernels : &kAvx512Kernels;
    case MathPath::avx2:
      return &kAvx2Kernels;
    case MathPath::scalar:
      break;
  }
  return nullptr;
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
  if (!cpu_has(path)) return false;
  current_path().store(static_cast<int>(path));
  return true;
}

const char* to_string(MathPath path) {
  switch (path) {
    case MathPath::scalar:
      return "scalar";
    case MathPath::avx2:
      return "avx2";
    case MathPath::avx512:
      return "avx512";
  }
  return "?";
}

void evaluate_logits(const double* s, std::size_t k, double gamma, const LogitBatch& out) {
  if (const VectorKernels* v = vector_kernels(k)) return v->evaluate_logits(s, k, gamma, out);
  evaluate_logits_scalar(s, k, gamma, out);
}

NewtonSums newton_pass(const double* s, const double* log_r, const double* top, double mu,
                       std::size_t k, double gamma, const NewtonPoint& out) {
  if (const VectorKernels* v = vector_kernels(k)) return v->newton_pass(s, log_r, top, mu, k, gamma, out);
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

StepSize newton_step(const double* e, const double* inv_slope, const double* s, double dmu,
                     double tol, std::size_t k, double* ds) {
  if (const VectorKernels* v = vector_kernels(k)) return v->newton_step(e, inv_slope, s, dmu, tol, k, ds);
  StepSize out;
  bool nan = false;
  for (std::size_t a = 0; a < k; ++a) {
    ds[a] = (dmu - e[a]) * inv_slope[a];
    out.largest = std::max(out.largest, std::fabs(ds[a]));
    nan = nan || std::isnan(ds[a]);
    out.within = out.within && std::fabs(ds[a]) <= tol * std::max(1.0, std::fabs(s[a]));
  }
  if (nan) out.largest = std::nan("");
  return out;
}

namespace {
std::atomic<bool>& small_cells() {
  static std::atomic<bool> on{true};
  return on;
}
}  // namespace

bool set_small_cells(bool on) { return small_cells().exchange(on); }

SmallCell joint_newton_small(const double* log_r, const double* top, std::size_t k, double gamma,
                             double* s, double& mu, const LogitBatch& point, int& evaluations,
                             const NewtonTolerances& tol) {
  const VectorKernels* v = vector_kernels(k);
  if (!v || k > 2 * v->lanes || !small_cells().load(std::memory_order_relaxed))
    return SmallCell::left;
  SmallCellJob job{log_r, top, k, s, &mu, point, &evaluations};
  (k <= v->lanes ? v->newton_cell : v->newton_cell2)(&job, gamma, tol);
  return job.status;
}

bool joint_newton_pair(SmallCellJob* jobs, double gamma, const NewtonTolerances& tol) {
  if (math_path() != MathPath::avx512 || jobs[0].k > 4 || jobs[1].k > 4 ||
      !small_cells().load(std::memory_order_relaxed))
    return false;
  kAvx512Kernels.newton_cell_pair(jobs, gamma, tol);
  return true;
}

void log_batch(const double* x, std::size_t k, double* out) {
  if (const VectorKernels* v = vector_kernels(k)) return v->log_batch(x, k, out);
  for (std::size_t a = 0; a < k; ++a) out[a] = std::log(x[a]);
}

double weighted_losses(const double* r, const double* log_p, const double* log_q, std::size_t k,
                       double gamma) {
  if (const VectorKernels* v = vector_kernels(k)) return v->weighted_losses(r, log_p, log_q, k, gamma);
  double sum = 0.0;
  for (std::size_t a = 0; a < k; ++a) sum += r[a] * std::exp(gamma * log_q[a]) * -log_p[a];
  return sum;
}

}  // namespace focalrd::detail
