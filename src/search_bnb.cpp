// Branch-and-bound for d*(M; γ) with a certified gap: the driver (part 4).
//
// Parts: the instance and its cells (bnb/instance), the node bound
// (bnb/node_bound), branching, pruning and the tail closure (bnb/subtree),
// checkpoints (bnb/checkpoint), and here the incumbent, the waves and the
// parallel driver.
//
// Incumbent: the heuristics (the scheme (26) for F = R and an optimised F,
// improved by local search; at γ < 0 a greedy assignment), then the search's
// own leaves.
//
// Parallelism, deterministically: open nodes wait in a queue, first the
// root. Each wave takes the first kWave of them and searches below each in
// parallel, from the incumbent value at the start of the wave and for a
// fixed node budget; a search that exhausts its budget returns the nodes it
// left open, in depth-first order, and they go to the front of the queue,
// so the search stays depth-first in effect. Results are merged in queue
// order. Nothing depends on timing, so the value, the code and the node count
// are the same for any thread count, unless the time limit or an interrupt
// stops the search; the node limit splits the remaining nodes evenly over the
// wave, so it stops the search at the same place everywhere.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "bnb/checkpoint.hpp"
#include "bnb/instance.hpp"
#include "bnb/subtree.hpp"
#include "bnb/wave.hpp"
#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/heuristics.hpp"
#include "detail/kkt.hpp"
#include "detail/negative_gamma.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"

namespace focalrd::detail {

namespace {

using bnb::kInf;

constexpr std::size_t kWave = 64;  // open nodes searched per parallel wave
// Nodes one search may visit in a wave: 256 in the first wave, four times as
// many in each next one, up to kTaskNodes (about ten milliseconds). The last
// search of a wave bounds the time the other threads wait for it: with 32
// searches of 2^16 nodes, two threads ran B&B 1.5-1.8 times as fast as one;
// with 64 of 2^14, 1.8-1.9 times (Binomial(100, 0.1), M = 8, γ = 10, and
// dirichlet:23,1, M = 4), with the same node counts to 1e-5.
constexpr std::uint64_t kFirstTaskNodes = 256;
constexpr std::uint64_t kTaskNodes = std::uint64_t{1} << 14;

std::uint64_t task_budget(std::uint64_t wave) {
  return wave >= 8 ? kTaskNodes : std::min(kTaskNodes, kFirstTaskNodes << (2 * wave));
}

// The first incumbent, as labels of the sorted symbols.
std::vector<int> first_incumbent(const bnb::Instance& in, const Problem& problem,
                                 const Control& control, int threads, std::uint64_t& solves,
                                 double& value) {
  const HeuristicPartition h = heuristic_partition(problem, control, solves, threads);
  // heuristic_partition labels the positive symbols in index order.
  std::vector<int> label_of(problem.size(), 0);
  std::size_t i = 0;
  for (std::size_t a = 0; a < problem.size(); ++a)
    if (problem.pmf()[a] > 0.0) label_of[a] = h.labels[i++];
  std::vector<int> labels(in.n);
  for (std::size_t t = 0; t < in.n; ++t) labels[t] = label_of[in.symbol[t]];
  value = h.value;
  return bnb::canonical(labels);
}

// γ < 0 (no heuristic of the paper's holds there): each symbol, heaviest
// first, joins the cell it makes least costly, or a new one while fewer than
// K are open (about n K cell solves).
std::vector<int> greedy_incumbent(const bnb::Instance& in, std::uint64_t& solves, double& value) {
  std::vector<std::vector<int>> cells;
  std::vector<double> costs;
  std::vector<int> labels(in.n);
  for (std::size_t t = 0; t < in.n; ++t) {
    std::size_t best = cells.size();
    double best_rise = kInf, best_cost = 0.0;
    if (cells.size() < in.K) {
      best_cost = in.singles[t] - in.singles[t + 1];
      best_rise = best_cost;
    }
    for (std::size_t j = 0; j < cells.size(); ++j) {
      std::vector<int> members = cells[j];
      members.push_back(static_cast<int>(t));
      const double cost = bnb::solve_cell(in, members, nullptr, solves).cost;
      if (cost - costs[j] < best_rise) {
        best_rise = cost - costs[j];
        best_cost = cost;
        best = j;
      }
    }
    if (best == cells.size()) {
      cells.emplace_back();
      costs.push_back(0.0);
    }
    cells[best].push_back(static_cast<int>(t));
    costs[best] = best_cost;
    labels[t] = static_cast<int>(best);
  }
  value = 0.0;
  for (double c : costs) value += c;
  return labels;
}

double lower_bound(const bnb::SearchState& st) {
  double lower = std::min(st.pruned, st.upper);
  for (const bnb::OpenNode& node : st.open) lower = std::min(lower, node.bound);
  return lower;
}

}  // namespace

void BnbSearch::check_feasible(const Problem&, const ExactOptions&) const {
  // Any size is accepted: limits bound the work, and the result says whether
  // the optimum was certified.
}

ExactResult BnbSearch::search(const Problem& problem, const CellSolver& solver,
                              const ExactOptions& options, Control& control) const {
  const int threads = resolve_threads(options.threads);
  const double gap = options.rel_gap;
  bnb::Instance in = bnb::make_instance(problem);
  bnb::SearchState st;
  std::uint64_t solves = 0;
  auto report = [&](const std::string& phase, bool force) {
    Progress p;
    p.phase = "bnb: " + phase;
    p.upper = st.upper;
    // Before the root bound there is no lower bound yet (an empty queue
    // means "not started" here, not "done").
    if (!st.open.empty()) p.lower = lower_bound(st);
    p.nodes = st.nodes;
    control.report(p, force);
  };
  if (!options.checkpoint_path.empty()) bnb::check_writable(options.checkpoint_path);

  if (!options.resume_path.empty()) {
    st = bnb::read_checkpoint(options.resume_path, problem, gap, in);
    bnb::set_tail_at(in, st.tail);
    report("resumed from " + options.resume_path, true);
  } else {
    report("incumbent", true);
    if (in.n > in.K) {
      st.incumbent = in.gamma < 0.0
                         ? greedy_incumbent(in, solves, st.upper)
                         : first_incumbent(in, problem, control, threads, solves, st.upper);
    } else {  // each symbol its own cell
      st.incumbent.resize(in.n);
      std::iota(st.incumbent.begin(), st.incumbent.end(), 0);
      st.upper = in.singles[0];
    }
    bnb::set_tail(in, gap, st.upper);
    st.tail = in.tail;
    if (in.n > in.K) {
      report("root bound", true);
      // θ starts at the multiplier of the Lagrangian converse.
      double x0 = 0.0;
      if (in.gamma < 0.0) {
        const double lambda =
            negative_gamma_dual(in.r.data(), in.n, in.gamma, static_cast<double>(in.K)).lambda;
        if (lambda > 0.0) x0 = std::log(lambda);
      } else {
        std::vector<double> p(in.n), q(in.n);
        const BudgetSolution dual = solve_budget(in.r.data(), in.n, in.gamma,
                                                 static_cast<double>(in.K), p.data(), q.data());
        if (std::isfinite(dual.mu)) x0 = dual.mu;
      }
      bnb::Subtree root(in, gap, control, x0);
      const double bound = root.root_bound();
      st.x = root.x();
      st.open.push_back(bnb::OpenNode{{}, bound});
    }
    st.solves = solves;
  }

  // ---- waves
  Status status = Status::certified;
  double last_checkpoint = control.seconds();
  const double node_limit = options.limits.node_limit;
  for (;;) {
    // Nodes that can no longer hold a better code leave the queue.
    const double threshold = st.upper - gap * st.upper;
    std::deque<bnb::OpenNode> kept;
    for (bnb::OpenNode& node : st.open) {
      if (node.bound >= threshold) {
        if (node.bound < st.upper) st.pruned = std::min(st.pruned, node.bound);
      } else {
        kept.push_back(std::move(node));
      }
    }
    st.open.swap(kept);
    if (st.open.empty()) break;
    if (control.stop()) {
      status = control.reason();
      break;
    }
    if (node_limit > 0 && static_cast<double>(st.nodes) >= node_limit) {
      status = Status::node_limit;
      break;
    }
    const std::size_t size = std::min(kWave, st.open.size());
    std::vector<bnb::OpenNode> wave(std::make_move_iterator(st.open.begin()),
                                    std::make_move_iterator(st.open.begin() + size));
    st.open.erase(st.open.begin(), st.open.begin() + size);
    std::uint64_t budget = task_budget(st.waves);
    if (node_limit > 0) {  // the rest of the limit, split evenly: the same place everywhere
      const auto left = static_cast<std::uint64_t>(node_limit - static_cast<double>(st.nodes));
      budget = std::min(budget, std::max<std::uint64_t>(1, left / size));
    }
    std::vector<bnb::TaskResult> results(size);
    const double wave_upper = st.upper;
    if (options.wave_runner) {
      WaveTasks tasks{control, in, gap, st.x, wave, wave_upper, budget, results};
      options.wave_runner(tasks);
    } else {
#pragma omp parallel num_threads(threads)
      {
        bnb::Subtree search(in, gap, control, st.x);
#pragma omp for schedule(dynamic, 1)
        for (std::size_t i = 0; i < size; ++i) results[i] = search.run(wave[i], wave_upper, budget);
      }
    }
    // Merge in queue order; the nodes left open go to the front, in order.
    std::vector<bnb::OpenNode> front;
    bool stopped = false;
    for (bnb::TaskResult& r : results) {
      st.nodes += r.nodes;
      st.solves += r.solves;
      st.pruned = std::min(st.pruned, r.pruned);
      if (r.best < st.upper) {
        st.upper = r.best;
        st.incumbent = r.labels;
      }
      stopped = stopped || r.stopped;
      for (bnb::OpenNode& node : r.open) front.push_back(std::move(node));
    }
    st.open.insert(st.open.begin(), std::make_move_iterator(front.begin()),
                   std::make_move_iterator(front.end()));
    ++st.waves;
    if (stopped) {
      // A search stopped by another process (a rank over MPI, at its limit
      // or signal) before this one noticed: interrupted, not certified.
      status = control.stop() ? control.reason() : Status::interrupted;
      break;
    }
    report(
        "wave " + std::to_string(st.waves) + ", " + std::to_string(st.open.size()) + " open nodes",
        false);
    if (!options.checkpoint_path.empty() &&
        control.seconds() - last_checkpoint >= options.checkpoint_seconds) {
      bnb::write_checkpoint(options.checkpoint_path, problem, gap, st);
      last_checkpoint = control.seconds();
    }
  }
  if (!options.checkpoint_path.empty())
    bnb::write_checkpoint(options.checkpoint_path, problem, gap, st);

  // ---- the code: sorted labels back to the alphabet
  ExactResult result;
  SolveStatus cells = SolveStatus::converged;
  result.code = make_code(problem, bnb::blocks_of(in, problem, st.incumbent), solver, &cells);
  result.value = 0.0;
  for (const focalrd::Cell& c : result.code.cells) result.value += c.distortion;
  result.lower_bound = std::min(result.value, lower_bound(st));
  result.status = status;
  result.cell_status = cells;
  result.method = to_string(method());
  result.stats.nodes = st.nodes;
  result.stats.waves = st.waves;
  result.stats.cells_optimised = st.solves;
  result.stats.threads = threads;
  return result;
}

}  // namespace focalrd::detail
