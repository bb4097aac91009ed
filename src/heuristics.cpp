#include "detail/heuristics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "detail/kkt.hpp"
#include "detail/nlopt_run.hpp"
#include "detail/small_buffer.hpp"
#include "detail/strategies.hpp"
#include "focalrd/bounds.hpp"

namespace focalrd {

namespace detail {

namespace {

// (28) as a function of θ, F = softmax(θ) on the support (pinned θ = 0 for the
// most likely symbol), F = 0 off the support.
struct FxObjective {
  const std::vector<double>& r;
  std::size_t M;
  double gamma;
  std::vector<std::size_t> support;
  std::size_t pin = 0;  // index into support
  int evaluations = 0;
  std::vector<double> F;
  const detail::Control* control = nullptr;
  nlopt::opt* opt = nullptr;  // stopped by force when the control says so
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_F;

  std::vector<double> pmf(const double* theta) {
    F.assign(r.size(), 0.0);
    std::vector<double> logits(support.size(), 0.0);
    for (std::size_t i = 0, j = 0; i < support.size(); ++i)
      if (i != pin) logits[i] = theta[j++];
    const double top = *std::max_element(logits.begin(), logits.end());
    double sum = 0.0;
    for (std::size_t i = 0; i < support.size(); ++i)
      sum += F[support[i]] = std::exp(logits[i] - top);
    for (double& x : F) x /= sum;
    return F;
  }

  std::vector<double> theta(const std::vector<double>& f) const {
    std::vector<double> out;
    for (std::size_t i = 0; i < support.size(); ++i)
      if (i != pin) out.push_back(std::log(f[support[i]] / f[support[pin]]));
    return out;
  }

  double operator()(const double* theta) {
    if (control && opt && (evaluations & 15) == 0 && control->stop()) opt->force_stop();
    ++evaluations;
    const double v = achievability_28(r, pmf(theta), M, gamma);
    if (v < best) {
      best = v;
      best_F = F;
    }
    return std::isfinite(v) ? v : std::numeric_limits<double>::max();
  }
};

double fx_objective(unsigned, const double* theta, double*, void* data) {
  return (*static_cast<FxObjective*>(data))(theta);
}

}  // namespace

FxOptimum optimise_fx(const Problem& problem, int max_evaluations, const Control& control) {
  const std::vector<double>& r = problem.pmf();
  FxOptimum out;
  out.F = r;
  out.source_value = out.value = achievability_28(r, r, problem.messages(), problem.gamma());
  FxObjective objective{r,  problem.messages(), problem.gamma(), {},        0, 0,
                        {}, &control,           nullptr,         out.value, r};
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] > 0.0) objective.support.push_back(a);
  const std::size_t s = objective.support.size();
  if (s <= problem.messages() || s < 2) return out;  // (28) is already 0
  for (std::size_t i = 0; i < s; ++i)
    if (r[objective.support[i]] > r[objective.support[objective.pin]]) objective.pin = i;

  // Starts: F = R, F ∝ R^(1/(1+γ)), uniform on the support.
  std::vector<std::vector<double>> starts(3, std::vector<double>(r.size(), 0.0));
  for (std::size_t a : objective.support) {
    starts[0][a] = std::log(r[a]);
    starts[1][a] = std::log(r[a]) / (1.0 + problem.gamma());
    starts[2][a] = 0.0;
  }
  for (const auto& logits : starts) {
    std::vector<double> f(r.size(), 0.0);
    double sum = 0.0;
    for (std::size_t a : objective.support)
      sum += f[a] = std::exp(logits[a] - logits[objective.support[objective.pin]]);
    for (double& x : f) x /= sum;
    std::vector<double> theta = objective.theta(f);
    nlopt::opt opt(nlopt::LN_SBPLX, static_cast<unsigned>(s - 1));
    opt.set_min_objective(fx_objective, &objective);
    objective.opt = &opt;
    opt.set_ftol_rel(1e-12);
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(max_evaluations);
    opt.set_initial_step(0.5);
    const NloptOutcome run = run_nlopt(opt, theta);
    objective.opt = nullptr;
    if (control.stop()) {  // the best point seen so far stands
      out.status = SolveStatus::iteration_limit;
      break;
    }
    if (run.status == SolveStatus::failed) {
      out.status = SolveStatus::failed;
      continue;
    }
    if (run.status == SolveStatus::iteration_limit && out.status == SolveStatus::converged)
      out.status = SolveStatus::iteration_limit;
  }
  // The best F evaluated, from any start: (28) there is what it reports.
  if (objective.best < out.value) {
    out.value = objective.best;
    out.F = objective.best_F;
  }
  out.evaluations = objective.evaluations;
  return out;
}

namespace {

// The optimal cost of the cell of `members` (indices into r).
double cell_cost(const std::vector<double>& r, const std::vector<int>& members, double gamma,
                 std::uint64_t& solves) {
  if (members.size() < 2) return 0.0;
  SmallBuffer<double, 128> m(members.size()), p(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) m[i] = r[members[i]];
  ++solves;
  return kkt_cell(m.data(), members.size(), gamma, p.data()).cost;
}

}  // namespace

double local_search(const std::vector<double>& r, std::size_t K, double gamma,
                    std::vector<int>& labels, const Control& control, std::uint64_t& solves) {
  constexpr std::uint64_t kMaxSolves = 1000000;
  const std::size_t n = r.size();
  const std::uint64_t start = solves;
  std::vector<std::vector<int>> cells(K);
  for (std::size_t a = 0; a < n; ++a) cells[labels[a]].push_back(static_cast<int>(a));
  std::vector<double> cost(K);
  for (std::size_t j = 0; j < K; ++j) cost[j] = cell_cost(r, cells[j], gamma, solves);
  auto without = [](std::vector<int> c, int a) {
    c.erase(std::find(c.begin(), c.end(), a));
    return c;
  };
  auto with = [](std::vector<int> c, int a) {
    c.insert(std::upper_bound(c.begin(), c.end(), a), a);
    return c;
  };
  bool stopped = false;
  for (int pass = 0; pass < 100 && !stopped; ++pass) {
    bool improved = false;
    const double total = std::accumulate(cost.begin(), cost.end(), 0.0);
    const double eps = 1e-14 * total;
    // Replaces cells i and j by `ci` and `cj` if that lowers the cost.
    auto accept = [&](std::size_t i, std::vector<int> ci, std::size_t j, std::vector<int> cj) {
      if (stopped || solves - start >= kMaxSolves || control.stop()) {
        stopped = true;
        return false;
      }
      const double ni = cell_cost(r, ci, gamma, solves);
      const double nj = cell_cost(r, cj, gamma, solves);
      if (!(ni + nj < cost[i] + cost[j] - eps)) return false;
      cells[i] = std::move(ci);
      cells[j] = std::move(cj);
      cost[i] = ni;
      cost[j] = nj;
      return improved = true;
    };
    for (std::size_t a = 0; a < n && !stopped; ++a) {  // moves
      const auto i = static_cast<std::size_t>(labels[a]);
      if (cells[i].size() < 2) continue;
      for (std::size_t j = 0; j < K; ++j) {
        if (j != i && accept(i, without(cells[i], static_cast<int>(a)), j,
                             with(cells[j], static_cast<int>(a)))) {
          labels[a] = static_cast<int>(j);
          break;
        }
      }
    }
    for (std::size_t a = 0; a < n && !stopped; ++a) {  // swaps
      for (std::size_t b = a + 1; b < n && !stopped; ++b) {
        const auto i = static_cast<std::size_t>(labels[a]), j = static_cast<std::size_t>(labels[b]);
        if (i == j || r[a] == r[b]) continue;
        if (accept(i, with(without(cells[i], static_cast<int>(a)), static_cast<int>(b)), j,
                   with(without(cells[j], static_cast<int>(b)), static_cast<int>(a))))
          std::swap(labels[a], labels[b]);
      }
    }
    if (!improved) break;
  }
  return std::accumulate(cost.begin(), cost.end(), 0.0);
}

HeuristicPartition heuristic_partition(const Problem& problem, const Control& control,
                                       std::uint64_t& solves) {
  const std::vector<double>& pmf = problem.pmf();
  std::vector<std::size_t> positive;
  std::vector<int> index(pmf.size(), -1);
  std::vector<double> r;
  for (std::size_t a = 0; a < pmf.size(); ++a)
    if (pmf[a] > 0.0) {
      index[a] = static_cast<int>(positive.size());
      positive.push_back(a);
      r.push_back(pmf[a]);
    }
  const std::size_t K = std::min(problem.messages(), r.size());
  HeuristicPartition best;
  best.value = std::numeric_limits<double>::infinity();
  if (r.size() <= K) {  // each symbol alone
    best.labels.resize(r.size());
    std::iota(best.labels.begin(), best.labels.end(), 0);
    best.value = 0.0;
    return best;
  }
  auto consider = [&](const std::vector<double>& F) {
    std::vector<int> labels(r.size(), 0);
    int cell = 0;
    for (const auto& block : scheme_partition(F, problem.messages())) {
      bool used = false;
      for (std::size_t a : block)
        if (index[a] >= 0) {
          labels[index[a]] = cell;
          used = true;
        }
      cell += used;
    }
    const double value = local_search(r, K, problem.gamma(), labels, control, solves);
    if (value < best.value) {
      best.value = value;
      best.labels = labels;
    }
  };
  consider(pmf);  // always: a valid code however early the control stops the rest
  if (!control.stop()) consider(optimise_fx(problem, 2000, control).F);
  return best;
}

}  // namespace detail

FxOptimum optimise_fx(const Problem& problem, int max_evaluations) {
  const detail::Control control(Limits{});
  return detail::optimise_fx(problem, max_evaluations, control);
}

double local_search(const std::vector<double>& r, std::size_t K, double gamma,
                    std::vector<int>& labels) {
  const detail::Control control(Limits{});
  std::uint64_t solves = 0;
  return detail::local_search(r, K, gamma, labels, control, solves);
}

Code heuristic_code(const Problem& problem) {
  const detail::Control control(Limits{});
  std::uint64_t solves = 0;
  const detail::HeuristicPartition h = detail::heuristic_partition(problem, control, solves);
  std::vector<std::vector<std::size_t>> blocks(std::max<std::size_t>(1, h.labels.size()));
  std::size_t i = 0;
  for (std::size_t a = 0; a < problem.size(); ++a)
    if (problem.pmf()[a] > 0.0) blocks[h.labels[i++]].push_back(a);
  for (std::size_t a = 0; a < problem.size(); ++a)
    if (problem.pmf()[a] == 0.0) blocks[0].push_back(a);
  blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                              [](const std::vector<std::size_t>& b) { return b.empty(); }),
               blocks.end());
  SolveStatus status = SolveStatus::converged;
  return detail::make_code(problem, blocks, *CellSolver::create(CellSolverType::kkt), &status);
}

}  // namespace focalrd
