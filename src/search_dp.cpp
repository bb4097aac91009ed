// Subset dynamic programming: exact, O(M 3^n) in the worst case, with every
// cell cost tabulated first.
//
// Number the cells by the order in which a partition's blocks meet the
// symbols 0, 1, ...: the first block holds symbol 0, the next the smallest
// symbol left, and so on. After j blocks are removed, the symbols 0..j-1 are
// gone, so the states with c = k - j cells left are the subsets T of
// {j, ..., n-1}, and
//   D_1(T) = c(T),   D_c(T) = min over S ⊆ T with S ∋ min(T) of c(S) + D_{c-1}(T \ S),
// with D_c(T) = 0 when |T| <= c (each symbol alone). Level c costs
// (3^(n-k+c) - 1)/2 transitions; the answer is D_k({0..n-1}).
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/cell_table.hpp"
#include "detail/format.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/errors.hpp"

namespace focalrd::detail {

namespace {

using Mask = std::uint32_t;
constexpr double kInf = std::numeric_limits<double>::infinity();

// The values and choices of one level: states T ⊆ {base..n-1}, index T >> base.
struct Level {
  std::size_t base = 0;
  std::vector<double> value;
  std::vector<Mask> choice;  // the block S containing min(T)
};

}  // namespace

double DpSearch::table_bytes(std::size_t n, std::size_t k) {
  double bytes = CellTable::bytes(n);
  for (std::size_t c = 2; c < k; ++c) bytes += 12.0 * std::ldexp(1.0, static_cast<int>(n - k + c));
  return bytes;
}

double DpSearch::transitions(std::size_t n, std::size_t k) {
  double t = std::ldexp(1.0, static_cast<int>(n) - 1);  // the top level, T = all
  for (std::size_t c = 2; c < k; ++c) t += (std::pow(3.0, static_cast<double>(n - k + c)) - 1) / 2;
  return t;
}

void DpSearch::check_feasible(const Problem& problem, const ExactOptions& options) const {
  const std::size_t n = problem.size(), k = problem.cells();
  if (n > kMaxSymbols)
    throw too_large("the subset DP handles at most " + std::to_string(kMaxSymbols) +
                    " symbols (its table has 2^n cells), and the source has " + std::to_string(n) +
                    "; use --method bnb");
  const double bytes = table_bytes(n, k);
  if (bytes > options.memory_budget_bytes)
    throw too_large("the subset DP for n = " + std::to_string(n) + ", M = " + std::to_string(k) +
                    " needs " + fmt_short(bytes / 1048576.0) +
                    " MiB of tables, above the budget of " +
                    fmt_short(options.memory_budget_bytes / 1048576.0) +
                    " MiB; raise --memory-budget or use --method bnb");
}

ExactResult DpSearch::search(const Problem& problem, const CellSolver& solver,
                             const ExactOptions& options, Control& control) const {
  const std::size_t n = problem.size(), k = problem.cells();
  const int threads = resolve_threads(options.threads);
  const Stopwatch clock;
  auto report = [&](const std::string& what) {
    Progress p;
    p.phase = "dp: " + what;
    control.report(p, true);
  };
  report("cell table of 2^" + std::to_string(n) + " cells");
  const CellTable table(problem.pmf(), problem.gamma(), solver, n - k + 1, threads, control);
  const double table_seconds = clock.seconds();
  auto stopped = [&](double transitions) {
    ExactResult result = stopped_result(problem, solver, control, {});
    result.method = to_string(method());
    result.stats.transitions = transitions;
    result.stats.cells_optimised = table.solves();
    result.stats.table_seconds = table_seconds;
    result.stats.table_bytes = table_bytes(n, k);
    result.stats.threads = threads;
    return result;
  };
  if (table.stopped()) return stopped(0.0);
  double transitions = 0.0;

  // levels[c] holds D_c for c = 2..k-1; D_1 is the table itself.
  std::vector<Level> levels(k);
  auto previous_value = [&](std::size_t c, Mask rest) {
    return c == 1 ? table[rest] : levels[c].value[rest >> levels[c].base];
  };
  for (std::size_t c = 2; c < k; ++c) {
    Level& level = levels[c];
    level.base = k - c;
    const std::int64_t states = std::int64_t{1} << (n - level.base);
    level.value.assign(states, 0.0);
    level.choice.assign(states, 0);
    report("level " + std::to_string(c) + " of " + std::to_string(k));
    double level_transitions = 0.0;
    std::atomic<bool> halt{false};
#pragma omp parallel num_threads(threads) reduction(+ : level_transitions)
    {
      Poll poll(control, 1);
#pragma omp for schedule(dynamic, 256)
      for (std::int64_t index = 1; index < states; ++index) {
        if (halt.load(std::memory_order_relaxed)) continue;
        const Mask T = static_cast<Mask>(index) << level.base;
        const Mask low = T & (~T + 1);
        const Mask rest = T ^ low;
        if (static_cast<std::size_t>(__builtin_popcount(T)) <= c) {
          level.choice[index] = low;  // each symbol alone: D = 0
          continue;
        }
        // S = T first (the rest empty), then S = low ∪ U for U ⊂ rest in
        // decreasing order; a later S replaces the best only if strictly
        // better, so the choice is the same for any thread count.
        double best = table[T];
        Mask best_s = T;
        std::uint64_t count = 1;
        for (Mask u = (rest - 1) & rest;; u = (u - 1) & rest) {
          const double v = table[low | u] + previous_value(c - 1, rest ^ u);
          ++count;
          if (v < best) {
            best = v;
            best_s = low | u;
          }
          if (u == 0) break;
          // A state can have up to 2^(n-2) transitions: poll inside it too.
          if ((count & 0xFFFF) == 0 && poll.stop()) {
            halt = true;
            break;
          }
        }
        if ((index & 255) == 0 && poll.stop()) halt = true;
        level.value[index] = best;
        level.choice[index] = best_s;
        level_transitions += static_cast<double>(count);
      }
    }
    transitions += level_transitions;
    if (halt) return stopped(transitions);
  }

  // The top level: T = all symbols, its 2^(n-1) blocks S ∋ 0 split across
  // threads; ties go to the larger U, as in the levels above.
  const Mask all = static_cast<Mask>((std::uint64_t{1} << n) - 1);
  const Mask rest = all ^ 1u;
  const std::int64_t subsets = std::int64_t{1} << (n - 1);
  double best = kInf;
  Mask best_u = 0;
  std::atomic<bool> halt{false};
#pragma omp parallel num_threads(threads)
  {
    double local = kInf;
    Mask local_u = 0;
    Poll poll(control, 4096);
#pragma omp for schedule(static) nowait
    for (std::int64_t i = subsets - 1; i >= 0; --i) {
      if (halt.load(std::memory_order_relaxed)) continue;
      if (poll.stop()) {
        halt = true;
        continue;
      }
      const Mask u = static_cast<Mask>(i) << 1;
      const double v =
          table[1u | u] + (k == 1 ? (u == rest ? 0.0 : kInf) : previous_value(k - 1, rest ^ u));
      if (v < local || (v == local && u > local_u)) {
        local = v;
        local_u = u;
      }
    }
#pragma omp critical(focalrd_dp_top)
    if (local < best || (local == best && local_u > best_u)) {
      best = local;
      best_u = local_u;
    }
  }
  transitions += static_cast<double>(subsets);
  if (halt) return stopped(transitions);

  // Follow the choices down from the top.
  std::vector<std::uint64_t> blocks{1u | best_u};
  Mask left = rest ^ best_u;
  for (std::size_t c = k - 1; c >= 1 && left; --c) {
    const Mask s = c == 1 ? left : levels[c].choice[left >> levels[c].base];
    blocks.push_back(s);
    left ^= s;
  }
  ExactResult result;
  SolveStatus status = table.worst_status();
  result.code = make_code(problem, blocks, solver, &status);
  result.value = result.lower_bound = best;
  result.method = to_string(method());
  result.cell_status = status;
  result.stats.transitions = transitions;
  result.stats.cells_optimised = table.solves();
  result.stats.table_bytes = table_bytes(n, k);
  result.stats.table_seconds = table_seconds;
  result.stats.threads = threads;
  return result;
}

}  // namespace focalrd::detail
