#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "detail/cell_solvers.hpp"
#include "detail/nlopt_run.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd::detail {

namespace {

// The cell objective f(y) = Σ_a r_a (1 - p_a)^γ ln(1/p_a) with p = softmax(y),
// seen by the optimiser through the variables z_a = y_a / stretch_a of the
// free symbols (y_pin = 0) and divided by `scale`.
struct SoftmaxCell {
  const double* r;
  std::size_t k;
  std::size_t pin;
  double gamma;
  double scale = 1.0;
  int evaluations = 0;
  std::vector<double> stretch, log_w, w, p, q, log_loss, t;

  SoftmaxCell(const double* r_, std::size_t k_, std::size_t pin_, double gamma_)
      : r(r_),
        k(k_),
        pin(pin_),
        gamma(gamma_),
        stretch(k, 1.0),
        log_w(k),
        w(k),
        p(k),
        q(k),
        log_loss(k),
        t(k) {}

  // Fills p, q = 1 - p and ln(1/p) from the logits y (y[pin] = 0) without
  // cancellation: the largest weight's complement is the sum of the others.
  void softmax_logits(const std::vector<double>& y) {
    const std::size_t top = std::max_element(y.begin(), y.end()) - y.begin();
    double others = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      log_w[a] = y[a] - y[top];  // <= 0
      w[a] = std::exp(log_w[a]);
      if (a != top) others += w[a];
    }
    const double total = 1.0 + others;
    const double log_total = std::log1p(others);
    for (std::size_t a = 0; a < k; ++a) {
      p[a] = w[a] / total;
      if (a == top) {
        q[a] = others / total;
        log_loss[a] = log_total;
      } else {
        q[a] = 1.0 - p[a];  // p[a] <= 1/2 here
        log_loss[a] = log_total - log_w[a];
      }
    }
  }

  std::vector<double> logits(const double* z) const {
    std::vector<double> y(k, 0.0);
    for (std::size_t a = 0, j = 0; a < k; ++a)
      if (a != pin) y[a] = z[j++] * stretch[a];
    return y;
  }

  std::vector<double> variables(const std::vector<double>& y) const {
    std::vector<double> z;
    for (std::size_t a = 0; a < k; ++a)
      if (a != pin) z.push_back(y[a] / stretch[a]);
    return z;
  }

  // Diagonal preconditioning for a run starting at logits y: stretch_b = sqrt(f / H_bb) with H_bb =
  // ∂²f/∂y_b², so that every variable has unit curvature relative to f. The masses span many orders
  // of magnitude, and so do the curvatures: ≈ r_b for the log loss, far less where a dominant
  // symbol's loss flattens out at large γ. From ∂f/∂y_b = p_b T - t_b (operator() below) and τ(p) =
  // p φ(p):
  //   H_bb = p_b (1 - p_b) T - p_b² U + r_b τ'(p_b) p_b (2 p_b - 1),
  //   U = Σ_a r_a τ'(p_a) p_a,  τ'(p) = γ q^(γ-2) [L (q - (γ-1) p) - 2 q].
  // Where H_bb is not positive (f is not convex in y), the stretch is kept.
  void precondition_at(const std::vector<double>& y) {
    scale = 1.0;
    std::fill(stretch.begin(), stretch.end(), 1.0);
    const std::vector<double> z = variables(y);
    const double f = (*this)(z.data(), nullptr);
    double t_sum = 0.0, u_sum = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      t_sum += t[a];
      u_sum += r[a] * tau_slope(a) * p[a];
    }
    for (std::size_t a = 0; a < k; ++a) {
      const double h = p[a] * q[a] * t_sum - p[a] * p[a] * u_sum +
                       r[a] * tau_slope(a) * p[a] * (2.0 * p[a] - 1.0);
      if (h > 0.0 && std::isfinite(h) && f > 0.0) stretch[a] = std::sqrt(f / h);
    }
  }

  double tau_slope(std::size_t a) const {
    if (gamma == 0.0 || !(q[a] > 0.0)) return 0.0;
    return gamma * std::pow(q[a], gamma - 2.0) *
           (log_loss[a] * (q[a] - (gamma - 1.0) * p[a]) - 2.0 * q[a]);
  }

  // The scaled objective and its gradient in z; also leaves p, q, ln(1/p)
  // and t at the point.
  double operator()(const double* z, double* grad) {
    ++evaluations;
    softmax_logits(logits(z));
    double f = 0.0, t_sum = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      const double focal = gamma == 0.0 ? 1.0 : std::pow(q[a], gamma);
      f += r[a] * focal * log_loss[a];
      // t_a = r_a p_a φ(p_a) = r_a q^γ (1 + γ p L / q), bounded even for tiny p.
      const double l_over_q = q[a] > 0.0 ? log_loss[a] / q[a] : 1.0;
      t[a] = r[a] * focal * (1.0 + gamma * p[a] * l_over_q);
      t_sum += t[a];
    }
    if (grad) {
      // ∂f/∂y_b = p_b Σ_a t_a - t_b (softmax chain rule, φ = -g'), times dy/dz.
      for (std::size_t a = 0, j = 0; a < k; ++a)
        if (a != pin) grad[j++] = (p[a] * t_sum - t[a]) * stretch[a] / scale;
    }
    return f / scale;
  }
};

double objective(unsigned, const double* z, double* grad, void* data) {
  return (*static_cast<SoftmaxCell*>(data))(z, grad);
}

constexpr int kMaxRestarts = 30;

}  // namespace

CellSolution NloptCellSolver::solve_positive(const double* r, std::size_t k, double gamma,
                                             double* pmf_out) const {
  if (gamma < 0.0)
    throw invalid_input("the NLopt cell solver is for gamma >= 0 (a local method; for gamma < 0 "
                        "the cell is not convex): use --cell-solver kkt");
  const std::size_t pin = std::max_element(r, r + k) - r;
  SoftmaxCell cell(r, k, pin, gamma);
  std::vector<double> y(k);
  // Start from the tempered PMF p_a ∝ r_a^(1/(1+γ)): the optimum for γ = 0,
  // and the right shape where one symbol dominates (there the optimum has
  // p_a ≈ (r_a / (1+γ))^(1/(1+γ)) for the others).
  for (std::size_t a = 0; a < k; ++a) y[a] = std::log(r[a] / r[pin]) / (1.0 + gamma);
  double best = std::numeric_limits<double>::infinity();

  // L-BFGS stops on an absolute gradient threshold, and its curvature model
  // is only as good as the variables' scaling. So run it repeatedly, each run
  // with the objective divided by its current value (unit size) and with the
  // variables preconditioned at the current point, until a run no longer
  // improves the objective by more than rounding.
  CellSolution out;
  out.status = SolveStatus::iteration_limit;
  for (int run = 0; run < kMaxRestarts; ++run) {
    cell.precondition_at(y);
    std::vector<double> z = cell.variables(y);
    const double start = cell(z.data(), nullptr);
    if (!(start > 0.0)) {  // every p_a < 1 and r_a > 0, so only rounding gives 0
      out.status = SolveStatus::converged;
      break;
    }
    cell.scale = start;
    nlopt::opt opt(nlopt::LD_LBFGS, static_cast<unsigned>(k - 1));
    opt.set_min_objective(objective, &cell);
    opt.set_ftol_rel(tol::kNloptFtolRel);
    opt.set_maxeval(tol::kNloptMaxEvaluations);
    const NloptOutcome outcome = run_nlopt(opt, z);
    if (outcome.status == SolveStatus::failed) break;
    const double value = outcome.value * start;
    if (value < best) {
      best = value;
      y = cell.logits(z.data());
    }
    if (outcome.status == SolveStatus::converged && value >= start * (1.0 - 1e-14)) {
      out.status = SolveStatus::converged;
      break;
    }
  }
  out.evaluations = cell.evaluations;
  cell.softmax_logits(y);
  if (pmf_out) std::copy(cell.p.begin(), cell.p.end(), pmf_out);
  out.cost = cell_distortion(r, cell.p.data(), k, gamma);
  if (!std::isfinite(out.cost)) out.status = SolveStatus::failed;
  return out;
}

}  // namespace focalrd::detail
