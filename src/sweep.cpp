#include "focalrd/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/h_gamma.hpp"
#include "detail/heuristics.hpp"
#include "detail/names.hpp"
#include "detail/random.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/heuristics.hpp"
#include "focalrd/limits.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) {
    const auto a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
    out.push_back(a == std::string::npos ? "" : item.substr(a, b - a + 1));
  }
  if (!text.empty() && text.back() == sep) out.push_back("");
  return out;
}

}  // namespace

const std::vector<Quantity>& all_quantities() {
  static const std::vector<Quantity> all{Quantity::entropy,
                                         Quantity::h_gamma,
                                         Quantity::h_gamma_bound,
                                         Quantity::converse,
                                         Quantity::converse_lagrangian,
                                         Quantity::achievability_28,
                                         Quantity::achievability_22,
                                         Quantity::achievability_23,
                                         Quantity::achievability_optimised_fx,
                                         Quantity::achievability_reoptimised,
                                         Quantity::exact};
  return all;
}

std::string to_string(Quantity q) {
  switch (q) {
    case Quantity::entropy:
      return "entropy";
    case Quantity::h_gamma:
      return "h_gamma";
    case Quantity::h_gamma_bound:
      return "h_gamma_bound";
    case Quantity::converse:
      return "converse";
    case Quantity::converse_lagrangian:
      return "converse_lagrangian";
    case Quantity::achievability_28:
      return "achievability_28";
    case Quantity::achievability_22:
      return "achievability_22";
    case Quantity::achievability_23:
      return "achievability_23";
    case Quantity::achievability_optimised_fx:
      return "achievability_optimised_fx";
    case Quantity::achievability_reoptimised:
      return "achievability_reoptimised";
    case Quantity::exact:
      return "exact";
    case Quantity::excess:
      return "excess";
  }
  return "?";
}

bool holds_for_negative_gamma(Quantity q) {
  return q == Quantity::entropy || q == Quantity::converse_lagrangian ||
         q == Quantity::achievability_28 || q == Quantity::achievability_reoptimised ||
         q == Quantity::exact;
}

std::vector<Quantity> parse_quantities(const std::string& text) {
  if (text == "all") return all_quantities();
  std::vector<Quantity> named = all_quantities();
  named.push_back(Quantity::excess);
  std::vector<Quantity> out;
  for (const std::string& name : split(text, ','))
    out.push_back(detail::from_name(name, named, "quantity", "all"));
  return out;
}

std::vector<Problem> sweep_problems(const Source& source, const SweepOptions& options) {
  if (options.messages.empty() || options.gammas.empty())
    throw invalid_input("a sweep needs at least one M and one gamma");
  const std::size_t total = options.messages.size() * options.gammas.size();
  if (total > limits::kMaxGridPoints)
    throw too_large("the sweep has " + std::to_string(total) + " points; a sweep has at most " +
                    std::to_string(limits::kMaxGridPoints));
  std::vector<Problem> problems;
  for (double gamma : options.gammas)
    for (long long M : options.messages) problems.emplace_back(source, M, gamma);
  return problems;
}

std::vector<SweepPoint> run_sweep(const Source& source, const SweepOptions& options) {
  return run_points(sweep_problems(source, options), options);
}

std::vector<SweepPoint> run_points(const std::vector<Problem>& problems,
                                   const SweepOptions& options, const std::vector<char>& skip) {
  options.limits.validate();
  auto wants = [&](Quantity q) {
    for (Quantity x : options.quantities)
      if (x == q) return true;
    return false;
  };
  BoundsOptions bounds = options.bounds;
  bounds.entropy = wants(Quantity::entropy);
  bounds.h_gamma = wants(Quantity::h_gamma) || wants(Quantity::h_gamma_bound);
  bounds.converse = wants(Quantity::converse);
  bounds.lagrangian = wants(Quantity::converse_lagrangian);
  bounds.scheme = wants(Quantity::achievability_28) || wants(Quantity::achievability_22) ||
                  wants(Quantity::achievability_23);
  bounds.optimised_fx = wants(Quantity::achievability_optimised_fx);
  bounds.reoptimised = wants(Quantity::achievability_reoptimised);
  bounds.exact = wants(Quantity::exact);
  if (!wants(Quantity::excess)) bounds.excess_distortion.reset();
  if (wants(Quantity::excess) && !bounds.excess_distortion)
    throw invalid_input("the quantity excess needs the distortion level D (-D)");
  if (options.point_threads < 1 || options.point_threads > limits::kMaxThreads)
    throw invalid_input(
        "point threads is " + std::to_string(options.point_threads) +
        "; violated constraint: 1 <= point threads <= " + std::to_string(limits::kMaxThreads));
  bounds.threads = options.point_threads;
  bounds.exact_options.threads = options.point_threads;
  bounds.limits.validate();
  bounds.exact_options.validate();
  const std::size_t total = problems.size();
  if (total > limits::kMaxGridPoints)
    throw too_large("there are " + std::to_string(total) + " points; at most " +
                    std::to_string(limits::kMaxGridPoints));
  // Validate before any work, so errors surface here and not in the loop.
  if (bounds.fx == FxKind::given)
    for (const Problem& p : problems) auxiliary_pmf(p, bounds.fx, bounds.fx_given);
  std::vector<SweepPoint> points;
  for (std::size_t i = 0; i < total; ++i)
    points.push_back(SweepPoint{
        i, static_cast<long long>(problems[i].messages()), problems[i].gamma(), false, {}});

  detail::Control control(options.limits);
  std::mutex emit_mutex;
  std::size_t next_out = 0, done = 0;  // under emit_mutex
  auto skipped = [&](std::size_t i) { return i < skip.size() && skip[i]; };
  // Hands out the finished points in order, as far as they are contiguous
  // (points to skip count as finished, and are not handed out).
  auto emit_ready = [&]() {
    while (next_out < total && (points[next_out].done || skipped(next_out))) {
      if (points[next_out].done && options.on_point) options.on_point(points[next_out]);
      ++next_out;
    }
  };
  {
    std::lock_guard<std::mutex> lock(emit_mutex);
    emit_ready();
  }
  std::exception_ptr failure;
  const int threads = std::max(1, detail::resolve_threads(options.threads) / options.point_threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::size_t i = 0; i < total; ++i) {
    if (skipped(i) || control.stop()) continue;
    try {
      detail::Control point(control, bounds.limits, /*forward_progress=*/false);
      BoundsResult result = detail::evaluate_bounds(problems[i], bounds, point);
      // A point the run's own stop cut short is not finished.
      if (control.stop()) continue;
      std::lock_guard<std::mutex> lock(emit_mutex);
      points[i].result = std::move(result);
      points[i].done = true;
      ++done;
      Progress p;
      p.phase = "point " + std::to_string(i + 1) + " of " + std::to_string(total);
      p.done = static_cast<double>(done);
      p.total = static_cast<double>(total);
      control.report(p, false);
      emit_ready();
    } catch (...) {
#pragma omp critical(focalrd_sweep_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  // After a stop: every finished point still held, in order, past the gaps.
  for (; next_out < total; ++next_out)
    if (points[next_out].done && options.on_point) options.on_point(points[next_out]);
  return points;
}

void check_negative_gamma_quantities(const std::vector<double>& gammas,
                                     const std::vector<Quantity>& quantities, bool all) {
  for (double g : gammas) {
    check_signed_gamma(g);
    if (g >= 0.0 || all) continue;
    for (Quantity q : quantities)
      if (!holds_for_negative_gamma(q))
        throw invalid_input("gamma is " + detail::fmt(g) + ": " + to_string(q) +
                            " is proved for gamma >= 0 only; for gamma < 0 use --quantities "
                            "from entropy, converse_lagrangian, achievability_28, "
                            "achievability_reoptimised, exact");
  }
}

std::vector<HGammaPoint> h_gamma_table(const std::vector<long long>& ns,
                                       const std::vector<double>& gammas, int threads,
                                       const Limits& limits) {
  std::vector<HGammaPoint> out;
  for (double gamma : gammas) {
    check_gamma(gamma);
    for (long long n : ns) {
      if (n < 1)
        throw invalid_input("n is " + std::to_string(n) + "; the alphabet size must be >= 1");
      if (n > static_cast<long long>(limits::kMaxSymbols))
        throw too_large("n is " + std::to_string(n) +
                        "; h_gamma(n) maximises over n - 1 values "
                        "of d (about 30 microseconds each) and is computed for n <= " +
                        std::to_string(limits::kMaxSymbols));
      out.push_back(HGammaPoint{n, gamma, 0.0, h_gamma_bound(gamma)});
    }
  }
  if (out.size() > limits::kMaxGridPoints)
    throw too_large("the table has " + std::to_string(out.size()) + " points; at most " +
                    std::to_string(limits::kMaxGridPoints));
  limits.validate();
  detail::Control control(limits);
  std::size_t done = 0;
  for (HGammaPoint& p : out) {
    const std::optional<double> h =
        detail::h_gamma(static_cast<std::size_t>(p.n), p.gamma, threads, control);
    if (!h) break;
    p.h_gamma = *h;
    ++done;
    Progress progress;
    progress.phase = "hgamma: point " + std::to_string(done) + " of " + std::to_string(out.size());
    control.report(progress, false);
  }
  out.resize(done);
  return out;
}

CheckInstance check_instance(std::uint64_t seed, int trial, int max_symbols, bool negative_gamma) {
  detail::Rng rng(seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(trial) + 1);
  CheckInstance inst;
  inst.trial = trial;
  const int n = static_cast<int>(rng.integer(2, std::max(2, max_symbols)));
  std::vector<double> x(n);
  auto dirichlet = [&](double alpha) {
    inst.shape = "dirichlet(" + detail::fmt(alpha) + ")";
    for (double& v : x) v = rng.gamma(alpha) + 1e-12;  // + 1e-12: no underflow to 0
  };
  switch (rng.integer(0, 6)) {
    case 0:
      dirichlet(1.0);
      break;
    case 1:
      dirichlet(0.2);
      break;
    case 2:
      dirichlet(5.0);
      break;
    case 3:
      inst.shape = "uniform";
      for (double& v : x) v = 1.0;
      break;
    case 4: {
      inst.shape = "geometric";
      const double q = rng.uniform(0.2, 0.8);
      for (int a = 0; a < n; ++a) x[a] = std::pow(q, a);
      break;
    }
    case 5:
      inst.shape = "ties";
      for (double& v : x) v = static_cast<double>(rng.integer(1, 3));
      break;
    default:
      inst.shape = "peaked";
      for (int a = 0; a < n; ++a) x[a] = a == 0 ? 1.0 : std::pow(10.0, -rng.uniform(2.0, 12.0));
  }
  double sum = 0.0;
  for (double v : x) sum += v;
  for (double& v : x) v /= sum;
  inst.pmf = x;
  inst.M = rng.integer(1, n + 1);
  const long long kind = rng.integer(0, 3);
  inst.gamma = kind == 0   ? 0.0
               : kind == 1 ? static_cast<double>(rng.integer(1, 8))
                           : rng.uniform(0.0, 10.0);
  if (negative_gamma)  // -0.5, -1, -2 or uniform in [-3, 0)
    inst.gamma = kind == 0 ? -0.5 * static_cast<double>(rng.integer(1, 2)) * (kind + 1)
                 : kind == 1 ? -static_cast<double>(rng.integer(1, 2))
                             : -rng.uniform(1e-3, 3.0);
  return inst;
}

CheckReport run_check(const CheckOptions& options) {
  if (options.trials < 1)
    throw invalid_input("trials is " + std::to_string(options.trials) + "; it must be >= 1");
  if (options.max_symbols < 2 || options.max_symbols > 12)
    throw invalid_input("max symbols is " + std::to_string(options.max_symbols) +
                        "; violated constraint: 2 <= max symbols <= 12");
  options.limits.validate();
  const detail::Stopwatch clock;
  detail::Control control(options.limits);
  CheckReport report;
  report.seed = options.seed;
  std::vector<std::vector<CheckViolation>> found(options.trials);
  std::vector<int> counted(options.trials, 0);
  std::vector<char> ran(options.trials, 0);
  std::exception_ptr failure;
#pragma omp parallel for num_threads(detail::resolve_threads(options.threads)) schedule(dynamic, 1)
  for (int t = 0; t < options.trials; ++t) {
    if (control.stop()) continue;
    try {
      const CheckInstance inst =
          check_instance(options.seed, t, options.max_symbols, options.negative_gamma);
      SourceOptions exact_input;
      exact_input.normalize = true;
      const Problem problem(Source::from_pmf(inst.pmf, exact_input), inst.M, inst.gamma);
      const std::vector<double>& r = problem.pmf();
      const std::size_t M = problem.messages();
      const double g = inst.gamma;
      ExactOptions one_thread;
      one_thread.threads = 1;
      auto check = [&](const std::string& relation, double lhs, double rhs, bool strict) {
        ++counted[t];
        const bool ok =
            strict ? lhs < rhs : tol::leq_with_slack(lhs, rhs, tol::kChainRel, tol::kChainAbs);
        if (!ok) found[t].push_back(CheckViolation{inst, relation, lhs, rhs});
      };
      if (options.negative_gamma) {
        // Proved at γ < 0 too (a failure is a defect): the Lagrangian converse
        // <= exact <= the codes' distortions. Explored (a failure is a
        // finding): (22) and (23), derived for γ >= 0 only.
        if (problem.size() == 1 && g < -1.0) continue;  // d* = inf: not drawn again
        if (detail::negative_gamma_unrepresentable(problem)) {  // no certified cells: no relation
          ran[t] = 1;
          continue;
        }
        detail::Control search(control, Limits{});
        const ExactResult solved = detail::solve_exact(problem, one_thread, search);
        if (solved.status == Status::time_limit || solved.status == Status::interrupted) continue;
        const double exact = solved.value;
        const auto solver = CellSolver::create(CellSolverType::kkt);
        double reopt = 0.0;
        for (const Cell& c : reoptimised_scheme_code(problem, r, *solver).cells)
          reopt += c.distortion;
        check("converse_lagrangian <= exact", lagrangian_converse(problem), exact, false);
        check("exact <= achievability_reoptimised", exact, reopt, false);
        const std::vector<double> uniform(r.size(), 1.0 / static_cast<double>(r.size()));
        for (const std::vector<double>* F : {&r, &uniform}) {
          const double a28 = achievability_28(r, *F, M, g), a22 = achievability_22(r, *F, M, g),
                       a23 = achievability_23(r, *F, M, g);
          const std::string fx = F == &r ? " (F = R)" : " (F uniform)";
          if (std::isfinite(a28)) {
            check("exact <= achievability_28" + fx, exact, a28, false);
            if (F == &r) check("achievability_reoptimised <= achievability_28" + fx, reopt, a28, false);
          }
          const std::size_t first = found[t].size();
          check("exact <= achievability_22" + fx, exact, a22, false);
          check("exact <= achievability_23" + fx, exact, a23, false);
          if (std::isfinite(a28)) check("achievability_28 <= achievability_22" + fx, a28, a22, false);
          check("achievability_22 <= achievability_23" + fx, a22, a23, false);
          for (std::size_t i = first; i < found[t].size(); ++i) found[t][i].proved = false;
        }
        ran[t] = 1;
        continue;
      }
      const double conv = converse_bound(problem);
      detail::Control search(control, Limits{});
      const ExactResult solved = detail::solve_exact(problem, one_thread, search);
      if (solved.status == Status::time_limit || solved.status == Status::interrupted)
        continue;  // stopped: this trial is not counted
      const double exact = solved.value;
      const auto solver = CellSolver::create(CellSolverType::kkt);
      double reopt = 0.0;
      for (const Cell& c : reoptimised_scheme_code(problem, r, *solver).cells)
        reopt += c.distortion;
      const double optimised = detail::optimise_fx(problem, options.fx_evaluations, control).value;
      check("converse <= exact", conv, exact, false);
      check("converse_lagrangian <= exact", lagrangian_converse(problem), exact, false);
      check("exact <= achievability_reoptimised", exact, reopt, false);
      check("exact <= achievability_optimised_fx", exact, optimised, false);
      for (FxKind kind : {FxKind::source, FxKind::uniform}) {
        const std::vector<double> F = auxiliary_pmf(problem, kind);
        const double a28 = achievability_28(r, F, M, g), a22 = achievability_22(r, F, M, g),
                     a23 = achievability_23(r, F, M, g);
        const std::string fx = kind == FxKind::source ? " (F = R)" : " (F uniform)";
        check("exact <= achievability_28" + fx, exact, a28, false);
        check("achievability_28 <= achievability_22" + fx, a28, a22, false);
        check("achievability_22 <= achievability_23" + fx, a22, a23, false);
        if (kind == FxKind::source) {
          check("achievability_reoptimised <= achievability_28" + fx, reopt, a28, false);
          check("achievability_optimised_fx <= achievability_28" + fx, optimised, a28, false);
        }
        // Theorem 2's strict inequalities, when some F(a) < 1/M (n > M).
        bool some_small = false;
        for (std::size_t a = 0; a < r.size(); ++a)
          some_small |= r[a] > 0.0 && static_cast<double>(M) * F[a] < 1.0;
        if (problem.size() > M && some_small) {
          check("achievability_28 < achievability_22 (strict)" + fx, a28, a22, true);
          check("achievability_22 < achievability_23 (strict)" + fx, a22, a23, true);
        }
      }
      ran[t] = 1;
    } catch (...) {
#pragma omp critical(focalrd_check_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  for (int t = 0; t < options.trials; ++t) {
    if (!ran[t]) continue;
    ++report.trials;
    report.relations_checked += counted[t];
    report.violations.insert(report.violations.end(), found[t].begin(), found[t].end());
  }
  report.seconds = clock.seconds();
  return report;
}

}  // namespace focalrd
