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
    double curvature;
    const LogPhi l = log_phi(x, gamma, curvature);
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
    out.curvature[a] = curvature;
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

CurvatureSums curvature_sums(const NewtonPoint& at, const double* ds, const double* top,
                             std::size_t k) {
  if (const VectorKernels* v = vector_kernels(k)) return v->curvature_sums(at, ds, top, k);
  CurvatureSums out;
  for (std::size_t a = 0; a < k; ++a) {
    const double pq = at.p[a] * at.q[a], d2 = ds[a] * ds[a];
    const double bend = at.curvature[a] * d2;
    const double a_term = pq * bend * at.inv_slope[a], m = pq * ds[a];
    const double v = pq * (at.q[a] - at.p[a]) * d2;
    at.residual[a] += 0.5 * bend;
    if (top[a] != 0.0) {
      out.a_in += a_term;
      out.m_in += m;
      out.v_in += v;
    } else {
      out.a_out += a_term;
      out.m_out += m;
      out.v_out += v;
    }
  }
  return out;
}

// The last step δs of the joint Newton iteration (kkt.cpp), taken without
// another evaluation: the logits move by it, and p, q and their logarithms
// by their Taylor series to δs⁵, within δs⁶. With t = p q: d ln p/ds = q, d ln q/ds = -p, and both
// have the higher derivatives -t, -t (q - p), -t (1 - 6t), -t (q - p)(1 - 12t);
// dp/ds = t, then t (q - p), t (1 - 6t), t (q - p)(1 - 12t),
// t (1 - 30t + 120t²). The arithmetic of simd::taylor_step (the vector
// paths), term by term.
void taylor_step(std::size_t k, const double* ds, double* s, double* p, double* q, double* log_p,
                 double* log_q) {
  if (const VectorKernels* v = vector_kernels(k))
    return v->taylor_step(k, ds, s, p, q, log_p, log_q);
  for (std::size_t a = 0; a < k; ++a) {
    const double d = ds[a];
    const double pq = p[a] * q[a], skew = pq * (q[a] - p[a]);
    const double bend = pq * (1.0 - 6.0 * pq), kurt = skew * (1.0 - 12.0 * pq);
    const double fifth = pq * ((1.0 - 30.0 * pq) + 120.0 * (pq * pq));
    const double h = 0.5 * d * d, c3 = h * d * (1.0 / 3.0), c4 = c3 * d * 0.25, c5 = c4 * d * 0.2;
    const double common = pq * h + skew * c3 + bend * c4 + kurt * c5;
    const double dp = pq * d + skew * h + bend * c3 + kurt * c4 + fifth * c5;
    log_p[a] += q[a] * d - common;
    log_q[a] -= p[a] * d + common;
    p[a] += dp;
    q[a] -= dp;
    s[a] += d;
  }
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
  if (!v || k > 4 * v->lanes || !small_cells().load(std::memory_order_relaxed))
    return SmallCell::left;
  SmallCellJob job{log_r, top, k, s, &mu, point, &evaluations};
  (k <= v->lanes       ? v->newton_cell
   : k <= 2 * v->lanes ? v->newton_cell2
                       : v->newton_cell4)(&job, gamma, tol);
  return job.status;
}

bool joint_newton_pair(SmallCellJob* jobs, double gamma, const NewtonTolerances& tol) {
  if (math_path() != MathPath::avx512 || jobs[0].k > 4 || jobs[1].k > 4 ||
      !small_cells().load(std::memory_order_relaxed))
    return false;
  kAvx512Kernels.newton_cell_pair(jobs, gamma, tol);
  return true;
}

std::size_t first_largest(const double* x, std::size_t k) {
  if (const VectorKernels* v = vector_kernels(k)) return v->first_largest(x, k);
  return std::max_element(x, x + k) - x;
}

double sum_except(const double* x, std::size_t k, std::size_t skip) {
  if (const VectorKernels* v = vector_kernels(k)) return v->sum_except(x, k, skip);
  double part[4] = {};  // four chains of additions, not one
  for (std::size_t a = 0; a < k; ++a) part[a % 4] += a != skip ? x[a] : 0.0;
  return (part[0] + part[1]) + (part[2] + part[3]);
}

bool log_loss_series(const double* r, const double* log_r, std::size_t k, double shift,
                     double scale, double* s) {
  if (const VectorKernels* v = vector_kernels(k))
    return v->log_loss_series(r, log_r, k, shift, scale, s);
  bool beyond = false;
  for (std::size_t a = 0; a < k; ++a) {
    const double x = scale * r[a];
    beyond = beyond || x > 0.5;
    const double z = x / (2.0 - x), w = z * z;
    s[a] = log_r[a] + shift +
           2.0 * z * (1.0 + w * (1.0 / 3.0 + w * (1.0 / 5.0 + w * (1.0 / 7.0 + w * (1.0 / 9.0)))));
  }
  return beyond;
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

double renormalised_losses(const double* r, const double* log_p, const double* log_q,
                           const double* q, std::size_t k, double gamma, const Renormalisation& n) {
  if (const VectorKernels* v = vector_kernels(k))
    return v->renormalised_losses(r, log_p, log_q, q, k, gamma, n);
  double sum = 0.0;
  for (std::size_t a = 0; a < k; ++a) {
    const double x = n.delta / (q[a] > 0.0 ? q[a] : 1.0);
    const double lp = log_p[a] - n.log_sum;
    const double lq = a == n.top ? n.top_log_q : log_q[a] + ((x - 0.5 * x * x) - n.log_sum);
    sum += r[a] * std::exp(gamma * lq) * -lp;
  }
  return sum;
}

}  // namespace focalrd::detail
