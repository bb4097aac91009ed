#include "focalrd/search.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "detail/cell_table.hpp"
#include "detail/format.hpp"
#include "detail/heuristics.hpp"
#include "detail/names.hpp"
#include "detail/negative_gamma.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/bounds.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/limits.hpp"
#include "focalrd/partition.hpp"

namespace focalrd {

const std::vector<SearchMethod>& all_search_methods() {
  static const std::vector<SearchMethod> all{SearchMethod::automatic, SearchMethod::enumerate,
                                             SearchMethod::dp, SearchMethod::bnb,
                                             SearchMethod::counts};
  return all;
}

std::string to_string(SearchMethod method) {
  switch (method) {
    case SearchMethod::automatic:
      return "auto";
    case SearchMethod::enumerate:
      return "enumerate";
    case SearchMethod::dp:
      return "dp";
    case SearchMethod::bnb:
      return "bnb";
    case SearchMethod::counts:
      return "counts";
  }
  return "?";
}

SearchMethod search_method_from_string(const std::string& name) {
  return detail::from_name(name, all_search_methods(), "search method");
}

void ExactOptions::validate() const {
  if (threads < 0 || threads > limits::kMaxThreads)
    throw invalid_input("threads is " + std::to_string(threads) +
                        "; violated constraint: 0 <= threads <= " +
                        std::to_string(limits::kMaxThreads) + " (0 means all)");
  if (!(max_partitions >= 1.0))
    throw invalid_input("max partitions is " + detail::fmt(max_partitions) +
                        "; violated constraint: max partitions >= 1");
  const double memory = detail::physical_memory_bytes();
  if (!(memory_budget_bytes > 0.0) || memory_budget_bytes > memory)
    throw invalid_input("memory budget is " + detail::fmt(memory_budget_bytes) +
                        " bytes; violated constraint: 0 < memory budget <= the physical memory (" +
                        detail::fmt(memory) + " bytes)");
  if (!(rel_gap >= 0.0 && rel_gap < 1.0))
    throw invalid_input("relative gap is " + detail::fmt(rel_gap) +
                        "; violated constraint: 0 <= relative gap < 1");
  limits.validate();
  if (!(checkpoint_seconds >= 0.0 && checkpoint_seconds <= 604800.0))
    throw invalid_input("checkpoint interval is " + detail::fmt(checkpoint_seconds) +
                        " s; violated constraint: 0 <= checkpoint interval <= 604800");
}

std::unique_ptr<SearchStrategy> SearchStrategy::create(SearchMethod method) {
  switch (method) {
    case SearchMethod::enumerate:
      return std::make_unique<detail::EnumerateSearch>();
    case SearchMethod::dp:
      return std::make_unique<detail::DpSearch>();
    case SearchMethod::bnb:
      return std::make_unique<detail::BnbSearch>();
    case SearchMethod::counts:
      return std::make_unique<detail::CountsSearch>();
    case SearchMethod::automatic:
      break;
  }
  throw internal_error("search method 'auto' is resolved by choose_method, not created");
}

// γ < 0: enumeration and the DP tabulate the 2^n cells, each a global
// non-convex optimisation (10-100 µs), so 2^20 is their limit there.
constexpr std::size_t kMaxNegativeGammaSymbols = 20;

SearchMethod choose_method(const Problem& problem, const ExactOptions& options) {
  const std::size_t n = problem.size(), k = problem.cells();
  // Enumeration costs about k cell lookups per partition, the DP about one
  // lookup pair per transition; both first tabulate the 2^n cell costs.
  const double partitions = n <= 64 ? stirling2(n, k) : HUGE_VAL;
  if (partitions <= 1e6) return SearchMethod::enumerate;
  using detail::CountsSearch;
  using detail::DpSearch;
  const bool dp_fits =
      n <= DpSearch::kMaxSymbols && DpSearch::table_bytes(n, k) <= options.memory_budget_bytes;
  if (problem.gamma() < 0.0) {  // no count-vector DP (check_negative_gamma)
    if (n <= kMaxNegativeGammaSymbols && dp_fits) return SearchMethod::dp;
    return SearchMethod::bnb;
  }
  const double dp_work = dp_fits ? DpSearch::transitions(n, k) : HUGE_VAL;
  // The count-vector DP where ties make it cheaper than the subset DP, both
  // with their cell tables, in subset-DP transitions.
  const CountsSearch::Estimate counts = CountsSearch::estimate(problem.pmf(), k);
  const bool counts_fits = counts.states <= CountsSearch::kMaxStates &&
                           counts.cost <= 2e11 && counts.bytes <= options.memory_budget_bytes;
  const double counts_cost = counts_fits ? counts.cost : HUGE_VAL;
  if (partitions * static_cast<double>(k) <= std::min(dp_work, counts_cost) &&
      partitions <= options.max_partitions)
    return SearchMethod::enumerate;
  if (counts_cost < (dp_fits ? DpSearch::cost(n, k) : HUGE_VAL)) return SearchMethod::counts;
  if (dp_fits && dp_work <= 5e10) return SearchMethod::dp;
  return SearchMethod::bnb;
}

namespace detail {

ExactResult stopped_result(const Problem& problem, const CellSolver& solver, const Control& control,
                           const std::vector<std::uint64_t>& blocks) {
  // The heuristic code (the control has stopped, so it is the scheme (26) for
  // F = R with optimal cells, or what local search made of it before the stop).
  std::uint64_t solves = 0;
  ExactResult result;
  SolveStatus status = SolveStatus::converged;
  if (problem.gamma() < 0.0) {
    // No heuristic for γ < 0: the search's own best (or symbols 0..k-2 alone
    // and the rest together), and the Lagrangian converse below it.
    std::vector<std::vector<std::size_t>> trivial(problem.cells());
    for (std::size_t a = 0; a < problem.size(); ++a)
      trivial[std::min(a, problem.cells() - 1)].push_back(a);
    result.code = blocks.empty() ? make_code(problem, trivial, solver, &status)
                                 : make_code(problem, blocks, solver, &status);
    result.value = code_distortion(problem.pmf(), result.code, problem.gamma());
    result.lower_bound = std::min(result.value, lagrangian_converse(problem));
    result.cell_status = status;
    result.status = control.reason();
    return result;
  }
  const HeuristicPartition h = heuristic_partition(problem, control, solves);
  result.code = make_code(problem, blocks_of_labels(problem, h.labels), solver, &status);
  if (!blocks.empty()) {  // the search's own best, if better
    SolveStatus own = SolveStatus::converged;
    Code code = make_code(problem, blocks, solver, &own);
    if (code_distortion(problem.pmf(), code, problem.gamma()) <
        code_distortion(problem.pmf(), result.code, problem.gamma())) {
      result.code = std::move(code);
      status = own;
    }
  }
  result.value = code_distortion(problem.pmf(), result.code, problem.gamma());
  result.lower_bound = std::min(result.value, lagrangian_converse(problem));
  result.cell_status = status;
  result.status = control.reason();
  result.stats.cells_optimised = solves;
  return result;
}

namespace {
// A PMF of finite distortion for a cell whose solve gave none (a code after
// all, not an optimum): 1/k each, or for a lone symbol p* where γ < -1 (the
// cell is not the whole alphabet, so mass may stay outside it), else 1.
void finite_pmf(Cell& cell, const std::vector<double>& masses, double gamma) {
  const std::size_t k = masses.size();
  if (k >= 2)
    cell.pmf.assign(k, 1.0 / static_cast<double>(k));
  else
    cell.pmf.assign(1, gamma < -1.0 ? negative_gamma_minimiser(-gamma) : 1.0);
  cell.distortion = cell_distortion(masses.data(), cell.pmf.data(), k, gamma);
}
}  // namespace

Code make_code(const Problem& problem, const std::vector<std::vector<std::size_t>>& blocks,
               const CellSolver& solver, SolveStatus* worst) {
  const std::vector<double>& r = problem.pmf();
  Code code;
  for (const std::vector<std::size_t>& symbols : blocks) {
    Cell cell;
    cell.symbols = symbols;
    std::sort(cell.symbols.begin(), cell.symbols.end());
    std::vector<double> masses;
    for (std::size_t a : cell.symbols) masses.push_back(r[a]);
    // γ < 0: a cell's PMF may leave mass outside it (the solver's rule),
    // except when the cell is the whole alphabet and no symbol has mass 0.
    const bool whole = problem.gamma() < 0.0 && cell.symbols.size() == r.size() &&
                       std::none_of(r.begin(), r.end(), [](double x) { return x == 0.0; });
    if (whole) {
      cell.pmf.resize(masses.size());
      const NegativeCell c = negative_gamma_cell(masses.data(), masses.size(), problem.gamma(),
                                                 /*slack=*/false, cell.pmf.data());
      cell.distortion = c.cost;
      const double sum = std::accumulate(cell.pmf.begin(), cell.pmf.end(), 0.0);
      if (!c.converged) {
        // Not converged: the PMF scaled to sum 1 where it is off the budget
        // (a code after all), priced as it stands.
        if (std::fabs(sum - 1.0) > 1e-12)
          for (double& x : cell.pmf) x /= sum;
        cell.distortion =
            cell_distortion(masses.data(), cell.pmf.data(), masses.size(), problem.gamma());
      }
      if (worst && !c.converged) *worst = detail::worse(*worst, SolveStatus::iteration_limit);
    } else {
      const CellSolution s = solver.solve(masses, problem.gamma(), &cell.pmf);
      cell.distortion = s.cost;
      // Not converged: the PMF as it stands, priced by its own distortion.
      if (s.status != SolveStatus::converged)
        cell.distortion =
            cell_distortion(masses.data(), cell.pmf.data(), masses.size(), problem.gamma());
      if (worst) *worst = detail::worse(*worst, s.status);
    }
    if (!std::isfinite(cell.distortion)) {
      finite_pmf(cell, masses, problem.gamma());
      if (worst) *worst = detail::worse(*worst, SolveStatus::iteration_limit);
    }
    code.cells.push_back(std::move(cell));
  }
  return code;
}

Code make_code(const Problem& problem, const std::vector<std::uint64_t>& blocks,
               const CellSolver& solver, SolveStatus* worst) {
  std::vector<std::vector<std::size_t>> lists;
  for (std::uint64_t mask : blocks) {
    lists.emplace_back();
    for (std::size_t a = 0; a < problem.size(); ++a)
      if (mask >> a & 1) lists.back().push_back(a);
  }
  return make_code(problem, lists, solver, worst);
}

}  // namespace detail

namespace {
SearchMethod resolved(const Problem& problem, const ExactOptions& options) {
  return options.method == SearchMethod::automatic ? choose_method(problem, options)
                                                   : options.method;
}
}  // namespace

namespace detail {

std::optional<std::string> negative_gamma_unrepresentable(const Problem& problem) {
  const double beta = -problem.gamma();
  if (!(beta > 0.0 && beta < 1.0)) return std::nullopt;
  double lo = HUGE_VAL, hi = 0.0;
  for (double x : problem.pmf())
    if (x > 0.0) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  if (!(lo < hi)) return std::nullopt;
  // A cell of the heaviest and the lightest symbol: r_hi (1-β) q^-β = r_lo / q.
  const double log_q = (std::log(lo) - std::log(hi) - std::log1p(-beta)) / (1.0 - beta);
  if (log_q >= std::log(1e-250)) return std::nullopt;
  return "gamma is " + detail::fmt(problem.gamma()) + " with masses from " + detail::fmt(lo) +
         " to " + detail::fmt(hi) + ": an optimal decoder may give the heaviest symbol 1 - p near " +
         "1e" + std::to_string(static_cast<long long>(std::floor(log_q / std::log(10.0)))) +
         ", below what doubles hold (1e-250 here), so focalrd does not certify these cells "
         "(closer to -1 the lighter masses must be larger)";
}

}  // namespace detail

namespace {

// γ < 0 (beyond the paper, detail/negative_gamma.hpp): enumeration, the DP
// and branch-and-bound (its Lagrangian bound holds by weak duality, the
// inner minima being global); not the count-vector DP (its incumbent and
// bounds assume γ >= 0); the KKT cell solver only; a finite d*.
void check_negative_gamma(const Problem& problem, const ExactOptions& options) {
  const std::string gamma = "gamma is " + detail::fmt(problem.gamma()) + ": ";
  if (options.cell_solver != CellSolverType::kkt)
    throw invalid_input(gamma + "for gamma < 0 the cells are solved by --cell-solver kkt only");
  if (options.method == SearchMethod::counts)
    throw invalid_input(gamma +
                        "--method counts is for gamma >= 0 (its bounds assume the loss "
                        "decreases); for gamma < 0 use --method enumerate, dp or bnb");
  if (problem.size() == 1 && problem.gamma() < -1.0)
    throw invalid_input(gamma + "a source of one symbol must be decoded with P = 1, whose "
                        "loss (1-P)^gamma ln(1/P) is infinite for gamma < -1: d* = inf");
  if (const auto why = detail::negative_gamma_unrepresentable(problem)) throw too_large(*why);
  const std::size_t n = problem.size();
  const bool tables =
      options.method == SearchMethod::enumerate || options.method == SearchMethod::dp;
  if (tables && problem.messages() < n && problem.cells() > 1 && n > kMaxNegativeGammaSymbols)
    throw invalid_input(gamma + "for gamma < 0 enumeration and the DP take at most " +
                        std::to_string(kMaxNegativeGammaSymbols) + " symbols (2^" +
                        std::to_string(kMaxNegativeGammaSymbols) +
                        " cells of 10-100 us each), and this source has " + std::to_string(n) +
                        "; use --method bnb");
}
}  // namespace

void check_exact_feasible(const Problem& problem, const ExactOptions& options) {
  options.validate();
  if (problem.gamma() < 0.0) check_negative_gamma(problem, options);
  const SearchMethod method = resolved(problem, options);
  if ((!options.checkpoint_path.empty() || !options.resume_path.empty()) &&
      method != SearchMethod::bnb)
    throw invalid_input(
        "checkpoints (--checkpoint, --resume) are for --method bnb, and this "
        "search is " +
        to_string(method));
  if (problem.messages() >= problem.size()) return;
  SearchStrategy::create(method)->check_feasible(problem, options);
}

namespace detail {

namespace {
// `auto` where enumeration of over 10^6 partitions, the DP or the count-
// vector DP would run: branch-and-bound first, for a node budget worth about
// a twentieth of that method's estimated time (a B&B node costs about 3000
// DP transitions (the count-vector DP's estimate is in those units too),
// 400 partition lookups, or one table cell: 0.5-0.6 µs against 0.2 ns per
// transition and 0.5 µs per table cell in `focalrd bench`; at least 2·10^4
// nodes, about a hundredth of a second), and the method
// only if that does not certify. Often the bound is tight and B&B certifies
// in a fraction of a second where the others need their whole table. The
// budget is a count, so the choice is the same on every machine and for any
// thread count.
bool cheap_enumeration(const Problem& problem) {
  return problem.size() <= 64 && stirling2(problem.size(), problem.cells()) <= 1e6;
}

ExactResult probe_then(SearchMethod method, const Problem& problem, const CellSolver& solver,
                       const ExactOptions& options, Control& control) {
  const std::size_t n = problem.size(), k = problem.cells();
  // The count-vector DP's estimate includes its table; the others' tables
  // are 2^n cells.
  const double nodes =
      method == SearchMethod::counts
          ? CountsSearch::estimate(problem.pmf(), k).cost / 3000.0
          : (method == SearchMethod::dp ? DpSearch::transitions(n, k) / 3000.0
                                        : stirling2(n, k) * static_cast<double>(k) / 400.0) +
                std::ldexp(1.0, static_cast<int>(n));
  const double budget = std::floor(std::min(1e7, std::max(2e4, 0.05 * nodes)));
  ExactOptions probe_options = options;
  const double user_limit = options.limits.node_limit;
  probe_options.limits.node_limit = user_limit > 0.0 ? std::min(user_limit, budget) : budget;
  ExactResult probe =
      SearchStrategy::create(SearchMethod::bnb)->search(problem, solver, probe_options, control);
  // Certified, stopped by the run's own limits, or by the user's node limit.
  if (probe.status != Status::node_limit || (user_limit > 0.0 && user_limit <= budget))
    return probe;
  ExactResult out = SearchStrategy::create(method)->search(problem, solver, options, control);
  out.stats.nodes += probe.stats.nodes;
  return out;
}
}  // namespace

ExactResult solve_exact(const Problem& problem, const ExactOptions& options, Control& control) {
  check_exact_feasible(problem, options);
  const Stopwatch clock;
  const std::size_t n = problem.size();
  ExactResult result;
  if (problem.gamma() < 0.0 && (problem.messages() >= n || problem.cells() == 1)) {
    // γ < 0: each symbol alone (splitting never hurts), a cell's PMF leaving
    // mass outside it; or, at M = 1, the whole alphabet (make_code's rule).
    std::vector<std::vector<std::size_t>> blocks;
    if (problem.messages() >= n) {
      for (std::size_t a = 0; a < n; ++a) blocks.push_back({a});
    } else {
      blocks.emplace_back(n);
      std::iota(blocks.back().begin(), blocks.back().end(), std::size_t{0});
    }
    const auto solver = CellSolver::create(CellSolverType::kkt);
    result.code = make_code(problem, blocks, *solver, &result.cell_status);
    result.value = code_distortion(problem.pmf(), result.code, problem.gamma());
    result.lower_bound = result.cell_status == SolveStatus::converged
                             ? result.value
                             : std::min(result.value, lagrangian_converse(problem));
    result.method = problem.messages() >= n ? "closed form (M >= n)" : "one cell (M = 1)";
    result.stats.partitions = 1;
  } else if (problem.messages() >= n) {
    // Theorem 2: each symbol its own message and a point mass, distortion 0.
    for (std::size_t a = 0; a < n; ++a) result.code.cells.push_back(Cell{{a}, {1.0}, 0.0});
    result.method = "closed form (M >= n)";
    result.stats.partitions = 1;
  } else {
    const SearchMethod method = resolved(problem, options);
    const auto solver = CellSolver::create(options.cell_solver);
    if (options.method == SearchMethod::automatic && method != SearchMethod::bnb &&
        !cheap_enumeration(problem) && problem.gamma() >= 0.0)
      result = probe_then(method, problem, *solver, options, control);
    else
      result = SearchStrategy::create(method)->search(problem, *solver, options, control);
  }
  // A cell solve that did not converge may claim less than its PMF costs:
  // the value is then the printed code's own distortion (achievable, so an
  // upper end), and the lower end no higher.
  if (result.cell_status != SolveStatus::converged && !result.code.cells.empty()) {
    result.value = code_distortion(problem.pmf(), result.code, problem.gamma());
    result.lower_bound = std::min(result.lower_bound, result.value);
  }
  // One rule for every strategy: certified when nothing stopped the search,
  // every cell solve converged and the interval is within the gap.
  if (result.status == Status::certified && result.cell_status != SolveStatus::converged)
    result.status = Status::not_converged;
  // (Branch-and-bound meets its gap against its incumbent's value, the sum
  // of its cells' cost-only solves; the code's distortion recomputed from
  // its PMFs may exceed that by their rounding, within 1e-13 relative.)
  if (result.status == Status::certified &&
      result.value - result.lower_bound > (options.rel_gap + 1e-13) * result.value)
    throw internal_error("a search ended without a limit but outside its gap");
  result.certified = result.status == Status::certified;
  switch (result.status) {
    case Status::certified:
      break;
    case Status::not_converged:
      result.message = "some cell solves ended with status '" + to_string(result.cell_status) +
                       "': the value is a code's distortion, not a certified optimum";
      break;
    default:
      result.message = "stopped (" + to_string(result.status) +
                       ") before certifying: d* lies in [" + fmt(result.lower_bound) + ", " +
                       fmt(result.value) + "] nats";
  }
  result.n = n;
  result.M = problem.messages();
  result.gamma = problem.gamma();
  result.cell_solver = options.cell_solver;
  result.stats.wall_seconds = clock.seconds();
  return result;
}

}  // namespace detail

ExactResult solve_exact(const Problem& problem, const ExactOptions& options) {
  options.validate();
  detail::Control control(options.limits);
  return detail::solve_exact(problem, options, control);
}

}  // namespace focalrd
