// ℓ(s) and its slope at many logits at once: logit_point and log_phi
// (focal_loss.hpp) of each, the inner loop of the KKT solver, and the other
// loops over a cell's symbols that need a transcendental function. Three
// paths, chosen at run time from the CPU: plain scalar code with glibc's libm
// (the reference), and vector code with its own exp and log, within about 2
// ulps, inlined so that several vectors are in flight at once
// (logit_simd.hpp), on four lanes (AVX2 and FMA) or eight (AVX-512F and DQ).
// The default build stays generic x86-64.
#pragma once

#include <cstddef>

namespace focalrd::detail {

struct LogitBatch {
  double *p, *q, *log_p, *log_q;  // as LogitPoint
  double *value, *slope;          // as LogPhi
};

enum class MathPath { scalar, avx2, avx512 };

// The path in use: the widest the CPU has, unless the environment sets
// FOCALRD_MATH to scalar or avx2 (a narrower one); decided once.
MathPath math_path();
// For tests that compare the paths: use `path` from now on (a vector path only
// where the CPU has it; returns whether it was set).
bool set_math_path(MathPath path);
// Its name: scalar, avx2 or avx512.
const char* to_string(MathPath path);

// Fills out[a] for a in [0, k) at logits s[a], on the current path.
void evaluate_logits(const double* s, std::size_t k, double gamma, const LogitBatch& out);

// One pass of the KKT solver's joint Newton iteration (kkt.cpp) over k
// symbols with the set T of the budget's largest masses (top[a] = 1 in T, 0
// outside): ℓ at the logits s as evaluate_logits, the residuals
// e_a = ℓ(s_a) + ln r_a - μ, 1/ℓ'(s_a), ℓ''(s_a), and the sums its step
// needs.
struct NewtonPoint {
  double *p, *q, *log_p, *log_q;  // as LogitPoint
  double *residual, *inv_slope, *curvature;
};
struct NewtonSums {
  double P = 0.0, Q = 0.0;          // Σ_{a∉T} p_a and Σ_{a∈T} q_a
  double a_out = 0.0, a_in = 0.0;   // Σ p q / ℓ' over a ∉ T and over a ∈ T
  double b_out = 0.0, b_in = 0.0;   // Σ p q e / ℓ' likewise
  double s_scale = 1.0;             // max(1, max |s_a|)
  bool positive = true;             // p_a > 0 for a ∉ T and q_a > 0 for a ∈ T
};
NewtonSums newton_pass(const double* s, const double* log_r, const double* top, double mu,
                       std::size_t k, double gamma, const NewtonPoint& out);

// The step of that iteration: ds_a = (dmu - e_a) inv_slope_a for the
// residuals e, with the largest |ds_a| (NaN if any step is) and whether
// every |ds_a| <= tol max(1, |s_a|).
struct StepSize {
  double largest = 0.0;
  bool within = true;
};
StepSize newton_step(const double* e, const double* inv_slope, const double* s, double dmu,
                     double tol, std::size_t k, double* ds);

// The second-order terms of that system along its Newton step ds, for a
// Chebyshev correction (kkt.cpp): by a ∉ T and a ∈ T, the sums of
// p q ℓ'' ds² / ℓ', of p q ds and of p q (q - p) ds² (dp/ds = p q,
// d²p/ds² = p q (q - p)). Each residual e_a becomes e_a + ℓ''_a ds_a² / 2.
struct CurvatureSums {
  double a_out = 0.0, a_in = 0.0;
  double m_out = 0.0, m_in = 0.0;
  double v_out = 0.0, v_in = 0.0;
};
CurvatureSums curvature_sums(const NewtonPoint& at, const double* ds, const double* top,
                             std::size_t k);

// The iteration corrects steps up to this size (larger ones stay Newton's:
// the second-order terms would not describe them).
constexpr double kCorrectedUpTo = 1.0;

// The multiplier step of that iteration from newton_pass's sums in their
// direct form (P and Q far from underflow; kkt.cpp): c = ln(P/Q), Σ w and
// Σ w e with w_a = p_a q_a / ℓ'_a / (P or Q), and δμ = (Σ w e - c) / Σ w;
// with the reciprocals of P, Q and Σ w, which the corrected step reuses.
// One function, so that the array and the register iterations do the same
// arithmetic.
struct DirectStep {
  double c, sum_w, sum_we, inv_P, inv_Q, inv_w, dmu;
};
inline DirectStep direct_step(double P, double Q, double a_out, double a_in, double b_out,
                              double b_in) {
  DirectStep d;
  d.inv_P = 1.0 / P;
  d.inv_Q = 1.0 / Q;
  d.c = __builtin_log(P / Q);
  d.sum_w = a_out * d.inv_P + a_in * d.inv_Q;
  d.sum_we = b_out * d.inv_P + b_in * d.inv_Q;
  d.inv_w = 1.0 / d.sum_w;
  d.dmu = (d.sum_we - d.c) * d.inv_w;
  return d;
}

// The corrected multiplier step: δμ with e and c moved by their second-order
// terms along the Newton step, c = ln P - ln Q by its Hessian (the variances
// of ln P and ln Q along it).
inline double corrected_dmu(const DirectStep& d, const CurvatureSums& k) {
  const double mp = k.m_out * d.inv_P, mq = k.m_in * d.inv_Q;
  const double c2 = d.c + 0.5 * ((k.v_out * d.inv_P - mp * mp) + (k.v_in * d.inv_Q + mq * mq));
  const double we2 = d.sum_we + 0.5 * (k.a_out * d.inv_P + k.a_in * d.inv_Q);
  return (we2 - c2) * d.inv_w;
}

// The last step of that iteration, taken without another evaluation: s += ds,
// and p, q and their logarithms moved by their Taylor series to ds⁵ (kkt.cpp).
void taylor_step(std::size_t k, const double* ds, double* s, double* p, double* q, double* log_p,
                 double* log_q);

// The joint Newton iteration of kkt.cpp on a cell that fits four vectors
// (k <= 16 on the AVX2 path, k <= 32 on the AVX-512 one), kept in registers
// (logit_simd.hpp): converged (the solution in `point`, s and mu), failed
// (where the iteration in kkt.cpp fails too), or left: not taken (the
// scalar path, a larger cell, or sums near underflow), nothing written;
// the caller then runs the iteration in kkt.cpp, which gives the same
// values bit for bit where both run.
enum class SmallCell { converged, failed, left };
struct NewtonTolerances {
  double step;            // a step within step * max(1, |s|) is converged
  double last_step;       // a Newton step up to this is taken without another evaluation
  double last_corrected;  // likewise a corrected one (its error is cubic)
};
SmallCell joint_newton_small(const double* log_r, const double* top, std::size_t k, double gamma,
                             double* s, double& mu, const LogitBatch& point, int& evaluations,
                             const NewtonTolerances& tol);
// One cell of a call solving several in one vector: its inputs as
// joint_newton_small's, and its outcome.
struct SmallCellJob {
  const double* log_r;
  const double* top;
  std::size_t k;
  double* s;
  double* mu;
  LogitBatch point;
  int* evaluations;
  SmallCell status = SmallCell::left;
};
// Two cells of at most four symbols in the two halves of one AVX-512 vector,
// each with the values joint_newton_small gives it alone; false (nothing
// done) where the path is not AVX-512 or a cell is larger.
bool joint_newton_pair(SmallCellJob* jobs, double gamma, const NewtonTolerances& tol);
// For tests that compare the two: whether joint_newton_small is tried
// (default true); returns the setting before.
bool set_small_cells(bool on);

// The index of the first largest of k >= 1 positive masses x (std::max_element's).
std::size_t first_largest(const double* x, std::size_t k);
// Σ_{a != skip} x[a] (skip >= k: every term), summed by lanes on the current path.
double sum_except(const double* x, std::size_t k, std::size_t skip);

// The start of kkt.cpp's log_loss_logits: s[a] = log_r[a] + shift + 2 atanh(z)
// with x = scale r[a] and z = x / (2 - x), so 2 atanh(z) = -ln(1 - x), taken
// from its series to z⁹ (within 1.2e-6 for x <= 1/2). Returns whether some
// x > 1/2 (whose s[a] the caller replaces).
bool log_loss_series(const double* r, const double* log_r, std::size_t k, double shift,
                     double scale, double* s);

// out[a] = ln x[a] for positive finite x[a] (out may be x), on the current path.
void log_batch(const double* x, std::size_t k, double* out);

// Σ_a r[a] e^(γ log_q[a]) (-log_p[a]): a cell's distortion, eq. (8), from
// the logarithms of its p and q = 1 - p (log_q <= 0), on the current path.
double weighted_losses(const double* r, const double* log_p, const double* log_q, std::size_t k,
                       double gamma);

// weighted_losses of a cell's PMF p renormalised to p / (1 + δ), |δ| <= 1e-6
// (kkt.cpp): ln p'_a = ln p_a - ls and ln q'_a = ln q_a + (x - x²/2) - ls
// with x = δ / q_a and ls = ln(1 + δ), but for the largest mass `top`, whose
// ln q' the caller gives.
struct Renormalisation {
  double delta, log_sum;
  std::size_t top;
  double top_log_q;
};
double renormalised_losses(const double* r, const double* log_p, const double* log_q,
                           const double* q, std::size_t k, double gamma, const Renormalisation& n);

// The kernels of a vector path (logit_simd.hpp), defined by
// logit_batch_avx2.cpp and logit_batch_avx512.cpp, each built for its
// instruction set: use only where the CPU has it.
struct VectorKernels {
  std::size_t lanes;
  void (*evaluate_logits)(const double* s, std::size_t k, double gamma, const LogitBatch& out);
  NewtonSums (*newton_pass)(const double* s, const double* log_r, const double* top, double mu,
                            std::size_t k, double gamma, const NewtonPoint& out);
  StepSize (*newton_step)(const double* e, const double* inv_slope, const double* s, double dmu,
                          double tol, std::size_t k, double* ds);
  CurvatureSums (*curvature_sums)(const NewtonPoint& at, const double* ds, const double* top,
                                  std::size_t k);
  void (*taylor_step)(std::size_t k, const double* ds, double* s, double* p, double* q,
                      double* log_p, double* log_q);
  void (*newton_cell)(SmallCellJob* job, double gamma, const NewtonTolerances& tol);
  void (*newton_cell2)(SmallCellJob* job, double gamma,
                       const NewtonTolerances& tol);  // two vectors
  void (*newton_cell4)(SmallCellJob* job, double gamma,
                       const NewtonTolerances& tol);  // four vectors
  void (*newton_cell_pair)(SmallCellJob* jobs, double gamma, const NewtonTolerances& tol);
  std::size_t (*first_largest)(const double* x, std::size_t k);
  double (*sum_except)(const double* x, std::size_t k, std::size_t skip);
  bool (*log_loss_series)(const double* r, const double* log_r, std::size_t k, double shift,
                          double scale, double* s);
  void (*log_batch)(const double* x, std::size_t k, double* out);
  double (*weighted_losses)(const double* r, const double* log_p, const double* log_q,
                            std::size_t k, double gamma);
  double (*renormalised_losses)(const double* r, const double* log_p, const double* log_q,
                                const double* q, std::size_t k, double gamma,
                                const Renormalisation& n);
};
extern const VectorKernels kAvx2Kernels, kAvx512Kernels;

}  // namespace focalrd::detail
