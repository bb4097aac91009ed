#include "focalrd/bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <stdexcept>

#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/h_gamma.hpp"
#include "detail/heuristics.hpp"
#include "detail/kkt.hpp"
#include "detail/negative_gamma.hpp"
#include "detail/strategies.hpp"
#include "detail/sum.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/excess.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/heuristics.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd {

namespace {
// eq. (17) from its parts: [H(X) - ln M - h_γ]^+.
double converse_from(const Problem& problem, double h) {
  return std::max(0.0,
                  entropy(problem.pmf()) - std::log(static_cast<double>(problem.messages())) - h);
}
}  // namespace

double converse_bound(const Problem& problem) {
  require_nonnegative_gamma(problem, "the converse (17)");
  return converse_from(problem, h_gamma(problem.source().support_size(), problem.gamma()));
}

double lagrangian_converse(const Problem& problem) {
  std::vector<double> r;
  for (double x : problem.pmf())
    if (x > 0.0) r.push_back(x);
  const double M = static_cast<double>(problem.messages());
  if (problem.gamma() < 0.0)  // beyond the paper: each inner minimum made global
    return detail::negative_gamma_lagrangian(r.data(), r.size(), problem.gamma(), M);
  if (r.size() <= problem.messages()) return 0.0;
  std::vector<double> p(r.size()), q(r.size());
  const detail::BudgetSolution dual =
      detail::solve_budget(r.data(), r.size(), problem.gamma(), M, p.data(), q.data());
  // L(λ) = Σ_a [r_a g(p_a) + λ p_a] - λ M, with Σ p_a - M summed without
  // cancellation (the p_a near 1 through their q_a).
  double value = 0.0, excess = 0.0, high = 0.0;
  for (std::size_t a = 0; a < r.size(); ++a) {
    value += r[a] * focal_loss(p[a], q[a], problem.gamma());
    if (p[a] > 0.5) {
      high += 1.0;
      excess -= q[a];
    } else {
      excess += p[a];
    }
  }
  excess += high - M;
  return std::max(0.0, value + dual.lambda * excess);
}

std::vector<std::vector<std::size_t>> scheme_partition(const std::vector<double>& F,
                                                       std::size_t M) {
  const std::size_t n = F.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return F[a] > F[b]; });
  const std::size_t k = std::min(M, n);
  std::vector<std::vector<std::size_t>> cells(k);
  // (load, message): the least loaded message on top, the lowest one on ties.
  using Load = std::pair<double, std::size_t>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> loads;
  for (std::size_t m = 0; m < k; ++m) {  // eq. (26a)
    cells[m].push_back(order[m]);
    loads.push({F[order[m]], m});
  }
  for (std::size_t i = k; i < n; ++i) {  // eq. (26b)
    auto [load, m] = loads.top();
    loads.pop();
    cells[m].push_back(order[i]);
    loads.push({load + F[order[i]], m});
  }
  for (auto& c : cells) std::sort(c.begin(), c.end());
  return cells;
}

Code scheme_code(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                 double gamma) {
  Code code;
  for (const auto& symbols : scheme_partition(F, M)) {
    Cell cell;
    cell.symbols = symbols;
    double mass = 0.0;  // P_F(m)
    for (std::size_t a : symbols) mass += F[a];
    std::vector<double> rc;
    for (std::size_t a : symbols) {
      cell.pmf.push_back(mass > 0.0 ? F[a] / mass : 1.0 / symbols.size());  // eq. (27)
      rc.push_back(r[a]);
    }
    cell.distortion = cell_distortion(rc.data(), cell.pmf.data(), rc.size(), gamma);
    code.cells.push_back(std::move(cell));
  }
  return code;
}

double achievability_28(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                        double gamma) {
  // n <= M: point masses, loss 0 (γ > -1; below, a point mass costs g(1) > 0).
  if (r.size() <= M && gamma > -1.0) return 0.0;
  // eq. (28) is the distortion of the code (26)-(27): each term is
  // R(a) d(a; P_m) with P_m(a) = F(a)/P_F(m), evaluated by cell_distortion,
  // which computes 1 - P_m(a) of a cell's heaviest symbol without cancellation.
  double total = 0.0;
  for (const Cell& c : scheme_code(r, F, M, gamma).cells) total += c.distortion;
  return total;
}

namespace {

// Σ over A = {a : F(a) < 1/M} of R(a) term(M F(a)); 0 · term := 0 for R(a) = 0.
// Compensated: a plain sum of 2^16 terms loses about 1e-12.
template <typename Term>
double sum_over_a(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                  Term term) {
  if (r.size() <= M) return 0.0;
  const double m = static_cast<double>(M);
  detail::CompensatedSum total;
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] > 0.0 && m * F[a] < 1.0) total.add(r[a] * term(m * F[a]));
  return total.value();
}

}  // namespace

double achievability_22(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                        double gamma) {
  // eq. (22), as (38): (1/(1 + M F))^γ ln(1 + 1/(M F)).
  return sum_over_a(r, F, M, [gamma](double mf) {
    return std::pow(1.0 / (1.0 + mf), gamma) * std::log1p(1.0 / mf);
  });
}

double achievability_23(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                        double gamma) {
  // eq. (23), as (39): (1 - M F / 2)^γ ln(2 / (M F)).
  return sum_over_a(
      r, F, M, [gamma](double mf) { return std::pow(1.0 - 0.5 * mf, gamma) * std::log(2.0 / mf); });
}

std::string to_string(FxKind kind) {
  switch (kind) {
    case FxKind::source:
      return "source";
    case FxKind::uniform:
      return "uniform";
    case FxKind::given:
      return "given";
    case FxKind::optimised:
      return "optimised";
  }
  return "?";
}

std::vector<double> auxiliary_pmf(const Problem& problem, FxKind kind,
                                  const std::vector<double>& given) {
  const std::vector<double>& r = problem.pmf();
  switch (kind) {
    case FxKind::source:
      return r;
    case FxKind::uniform:
      return std::vector<double>(r.size(), 1.0 / static_cast<double>(r.size()));
    case FxKind::given: {
      if (given.size() != r.size())
        throw invalid_input("--fx has " + std::to_string(given.size()) +
                            " entries but the source has " + std::to_string(r.size()) + " symbols");
      const Source f = Source::from_pmf(given, {}, "--fx");  // a PMF: validated there
      for (std::size_t a = 0; a < r.size(); ++a)
        if (r[a] > 0.0 && f[a] == 0.0)
          throw invalid_input("--fx gives symbol " + std::to_string(a) +
                              " probability 0 where the source does not; (28) would be "
                              "infinite");
      return f.pmf();
    }
    case FxKind::optimised:
      break;
  }
  throw invalid_input("unknown F kind");
}

Code reoptimised_scheme_code(const Problem& problem, const std::vector<double>& F,
                             const CellSolver& solver) {
  return detail::make_code(problem, scheme_partition(F, problem.messages()), solver, nullptr);
}

namespace detail {

BoundsResult evaluate_bounds(const Problem& problem, const BoundsOptions& options,
                             Control& control) {
  // γ < 0 (beyond the paper): only what is proved there, the Lagrangian
  // converse and the distortions of codes; the rest is named in the note.
  const bool negative = problem.gamma() < 0.0;
  if (negative && options.fx == FxKind::optimised)
    throw invalid_input("gamma is " + detail::fmt(problem.gamma()) +
                        ": the optimised F_X is for gamma >= 0; use --fx source, uniform or given");
  const std::vector<double>& r = problem.pmf();
  const std::size_t M = problem.messages();
  const double gamma = problem.gamma();
  BoundsResult out;
  out.n = problem.size();
  out.support = problem.source().support_size();
  out.M = M;
  out.gamma = gamma;
  out.fx = options.fx;
  // Each quantity runs only while the control allows; one not reached is
  // absent, and the status records why.
  auto go = [&](const char* phase) {
    if (control.stop()) {
      out.status = worse(out.status, control.reason());
      return false;
    }
    Progress p;
    p.phase = std::string("bounds: ") + phase;
    control.report(p, false);
    return true;
  };
  auto add_note = [&](const std::string& text) {
    out.note += (out.note.empty() ? "" : "; ") + text;
  };
  if (negative) {
    std::string left_out;
    auto leave_out = [&](bool asked, const char* name) {
      if (asked) left_out += std::string(left_out.empty() ? "" : ", ") + name;
    };
    leave_out(options.h_gamma, "h_gamma");
    leave_out(options.converse, "the converse (17)");
    leave_out(options.scheme, "(22), (23)");
    leave_out(options.optimised_fx, "the optimised F_X");
    leave_out(options.excess_distortion.has_value(), "the excess distortion");
    if (!left_out.empty())
      add_note("gamma < 0 is beyond the paper: " + left_out +
                 " are proved for gamma >= 0 only and left out; the Lagrangian converse (weak "
                 "duality) and the distortions of codes ((28), re-optimised, exact) hold for "
                 "every gamma");
  }
  if (options.entropy && go("entropy")) {
    out.entropy = entropy(r);
    const double h = focal_entropy(r, gamma);
    if (std::isfinite(h)) out.focal_entropy = h;  // γ < 0 with a mass 1: none
  }
  if ((options.h_gamma || options.converse) && !negative && go("h_gamma")) {
    // A maximisation cut short would understate h_γ: then neither it nor (17).
    if (const std::optional<double> h = h_gamma(out.support, gamma, options.threads, control)) {
      if (options.h_gamma) {
        out.h_gamma = *h;
        out.h_gamma_bound = h_gamma_bound(gamma);
      }
      if (options.converse) out.converse = converse_from(problem, *h);
    } else {
      out.status = worse(out.status, control.reason());
    }
  }
  if (options.lagrangian && go("Lagrangian converse"))
    out.converse_lagrangian = lagrangian_converse(problem);
  std::optional<FxOptimum> best;
  if ((options.optimised_fx || options.fx == FxKind::optimised) && !negative &&
      go("optimised F_X")) {
    best = optimise_fx(problem, options.fx_evaluations, control);
    out.achievability_optimised_fx = best->value;
    out.optimised_fx_gain = best->source_value - best->value;
    out.fx_optimised = best->F;
    out.fx_status = best->status;
  }
  if (options.fx == FxKind::optimised && !best) return out;  // no F to evaluate the scheme at
  const std::vector<double> F = options.fx == FxKind::optimised
                                    ? best->F
                                    : auxiliary_pmf(problem, options.fx, options.fx_given);
  if (options.scheme && go("scheme (26)-(28)")) {
    const double a28 = achievability_28(r, F, M, gamma);
    if (std::isfinite(a28)) {
      out.achievability_28 = a28;
    } else {  // γ < -1: a cell of one symbol decoded with mass 1
      add_note("(28) is +inf here (a cell of one symbol gets mass 1, where the loss is +inf "
               "for gamma < -1)");
    }
    if (!negative) {
      out.achievability_22 = achievability_22(r, F, M, gamma);
      out.achievability_23 = achievability_23(r, F, M, gamma);
    }
  }
  const auto unrepresentable = negative ? negative_gamma_unrepresentable(problem) : std::nullopt;
  if (options.reoptimised && unrepresentable)
    add_note("no re-optimised scheme: " + *unrepresentable);
  if (options.reoptimised && !unrepresentable && go("re-optimised scheme")) {
    const auto solver = CellSolver::create(options.exact_options.cell_solver);
    double total = 0.0;
    for (const Cell& c : reoptimised_scheme_code(problem, F, *solver).cells) total += c.distortion;
    out.achievability_reoptimised = total;
  }
  out.excess_distortion = options.excess_distortion;
  if (options.excess_distortion && !negative && go("excess distortion"))
    out.excess =
        ExcessDistortion(problem.source())
            .at(static_cast<double>(M), *options.excess_distortion, gamma, options.excess_units)
            .epsilon;
  if (options.exact && go("exact")) {
    ExactOptions exact = options.exact_options;
    try {
      check_exact_feasible(problem, exact);
    } catch (const too_large& e) {
      out.exact_note = e.what();
      out.status = worse(out.status, Status::skipped);
      return out;
    }
    Control search(control, exact.limits);
    out.exact = solve_exact(problem, exact, search);
    out.status = worse(out.status, out.exact->status);
  }
  return out;
}

}  // namespace detail

BoundsResult evaluate_bounds(const Problem& problem, const BoundsOptions& options) {
  options.limits.validate();
  detail::Control control(options.limits);
  return detail::evaluate_bounds(problem, options, control);
}

}  // namespace focalrd
