#include "focalrd/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <sstream>
#include <stdexcept>

#include "detail/format.hpp"
#include "detail/names.hpp"
#include "detail/random.hpp"
#include "detail/threads.hpp"
#include "focalrd/focal_loss.hpp"
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
  }
  return "?";
}

std::vector<Quantity> parse_quantities(const std::string& text) {
  if (text == "all") return all_quantities();
  std::vector<Quantity> out;
  for (const std::string& name : split(text, ','))
    out.push_back(detail::from_name(name, all_quantities(), "quantity", "all"));
  return out;
}

std::vector<SweepPoint> run_sweep(const Source& source, const SweepOptions& options) {
  if (options.messages.empty() || options.gammas.empty())
    throw std::invalid_argument("a sweep needs at least one M and one gamma");
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
  // Parallel across points: each point runs on one thread.
  if (options.point_threads < 1)
    throw std::invalid_argument("point threads is " + std::to_string(options.point_threads) +
                                "; violated constraint: point threads >= 1");
  bounds.threads = options.point_threads;
  bounds.exact_options.threads = options.point_threads;

  // Validate every point before any work, so errors surface here and not
  // inside the parallel loop.
  std::vector<Problem> problems;
  std::vector<SweepPoint> points;
  for (double gamma : options.gammas)
    for (long long M : options.messages) {
      problems.emplace_back(source, M, gamma);
      points.push_back(SweepPoint{M, gamma, {}});
    }
  if (bounds.fx == FxKind::given)
    auxiliary_pmf(problems.front(), bounds.fx, bounds.fx_given);  // validates it

  const std::size_t total = points.size();
  std::atomic<std::size_t> done{0};
  std::exception_ptr failure;
  const int threads = std::max(1, detail::resolve_threads(options.threads) / options.point_threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::size_t i = 0; i < total; ++i) {
    try {
      points[i].result = evaluate_bounds(problems[i], bounds);
    } catch (...) {
#pragma omp critical(focalrd_sweep_failure)
      if (!failure) failure = std::current_exception();
    }
    const std::size_t now = ++done;
    if (options.progress && omp_get_thread_num() == 0) options.progress(now, total);
  }
  if (failure) std::rethrow_exception(failure);
  if (options.progress) options.progress(total, total);
  return points;
}

std::vector<HGammaPoint> h_gamma_table(const std::vector<long long>& ns,
                                       const std::vector<double>& gammas, int threads) {
  std::vector<HGammaPoint> out;
  for (double gamma : gammas) {
    check_gamma(gamma);
    for (long long n : ns) {
      if (n < 1)
        throw std::invalid_argument("n is " + std::to_string(n) +
                                    "; the alphabet size must be >= 1");
      out.push_back(HGammaPoint{n, gamma, 0.0, h_gamma_bound(gamma)});
    }
  }
  for (HGammaPoint& p : out) p.h_gamma = h_gamma(static_cast<std::size_t>(p.n), p.gamma, threads);
  return out;
}

CheckInstance check_instance(std::uint64_t seed, int trial, int max_symbols) {
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
  return inst;
}

CheckReport run_check(const CheckOptions& options) {
  if (options.trials < 1)
    throw std::invalid_argument("trials is " + std::to_string(options.trials) +
                                "; it must be >= 1");
  if (options.max_symbols < 2 || options.max_symbols > 12)
    throw std::invalid_argument("max symbols is " + std::to_string(options.max_symbols) +
                                "; violated constraint: 2 <= max symbols <= 12");
  const detail::Stopwatch clock;
  CheckReport report;
  report.trials = options.trials;
  report.seed = options.seed;
  std::vector<std::vector<CheckViolation>> found(options.trials);
  std::vector<int> counted(options.trials, 0);
  std::exception_ptr failure;
#pragma omp parallel for num_threads(detail::resolve_threads(options.threads)) schedule(dynamic, 1)
  for (int t = 0; t < options.trials; ++t) {
    try {
      const CheckInstance inst = check_instance(options.seed, t, options.max_symbols);
      SourceOptions exact_input;
      exact_input.normalize = true;
      const Problem problem(Source::from_pmf(inst.pmf, exact_input), inst.M, inst.gamma);
      const std::vector<double>& r = problem.pmf();
      const std::size_t M = problem.messages();
      const double g = inst.gamma;
      ExactOptions one_thread;
      one_thread.threads = 1;
      const double conv = converse_bound(problem);
      const double exact = solve_exact(problem, one_thread).value;
      const auto solver = CellSolver::create(CellSolverType::kkt);
      double reopt = 0.0;
      for (const Cell& c : reoptimised_scheme_code(problem, r, *solver).cells)
        reopt += c.distortion;
      const double optimised = optimise_fx(problem, options.fx_evaluations).value;
      auto check = [&](const std::string& relation, double lhs, double rhs, bool strict) {
        ++counted[t];
        const bool ok =
            strict ? lhs < rhs : tol::leq_with_slack(lhs, rhs, tol::kChainRel, tol::kChainAbs);
        if (!ok) found[t].push_back(CheckViolation{inst, relation, lhs, rhs});
      };
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
    } catch (...) {
#pragma omp critical(focalrd_check_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  for (int t = 0; t < options.trials; ++t) {
    report.relations_checked += counted[t];
    report.violations.insert(report.violations.end(), found[t].begin(), found[t].end());
  }
  report.seconds = clock.seconds();
  return report;
}

}  // namespace focalrd
