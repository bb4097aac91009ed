// Subset dynamic programming: exact, O(3^n) transitions in all, with every
// cell cost tabulated first.
//
// Number the cells by the order in which a partition's blocks meet the
// symbols 0, 1, ...: the first block holds symbol 0, the next the smallest
// symbol left, and so on. The tables store symbol i at bit n - 1 - i
// (MaskOrder::reversed), so the smallest symbol left is the highest bit of a
// state, and after j blocks the states with c = k - j cells left are the
// subsets T of the lowest m = n - j bits, i.e. the indices below 2^m:
//   D_1(T) = c(T),   D_c(T) = min over S ⊆ T with S ∋ max(T) of c(S) + D_{c-1}(T \ S),
// with D_c(∅) = 0 (fewer cells). Level c = 2..k-1 has m = n - k + c bits and
// (3^m - 1)/2 transitions, about 3^n / 4 over all levels whatever k, less
// than one 3^n / 2 layer of a doubling plan D_2a = D_a ⊕ D_a (which needs D_a
// on every subset); the answer is D_k(all symbols). The levels run in rows of
// eight states (detail/dp_rows.hpp), in parallel over rows.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "detail/aligned.hpp"
#include "detail/cell_table.hpp"
#include "detail/dp_rows.hpp"
#include "detail/format.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/errors.hpp"

namespace focalrd::detail {

namespace {

using Mask = std::uint32_t;
constexpr double kInf = std::numeric_limits<double>::infinity();

Mask highest_bit(Mask t) { return Mask{1} << (31 - __builtin_clz(t)); }

// D(T) for one state T != 0 from the level below, one transition at a time
// (the states of row 0, and instances of fewer than four symbols).
double state_value(const double* cell, const double* prev, Mask T, double* transitions) {
  const Mask top = highest_bit(T), rest = T ^ top;
  double best = kInf;
  for (Mask u = rest;; u = (u - 1) & rest) {
    const double v = cell[top | u] + prev[rest ^ u];
    best = v < best ? v : best;
    *transitions += 1;
    if (u == 0) break;
  }
  return best;
}

// The block S of an optimal split of state T, whose value is `target` (one
// of the sums state_value takes the minimum of, so equality is exact). Ties
// go to the largest mask in the symbols' own order, whatever the thread count.
Mask optimal_block(const double* cell, const double* prev, Mask T, double target, std::size_t n) {
  const Mask top = highest_bit(T), rest = T ^ top;
  Mask best = 0;
  std::uint64_t best_natural = 0;
  for (Mask u = rest;; u = (u - 1) & rest) {
    if (cell[top | u] + prev[rest ^ u] == target) {
      const std::uint64_t natural = reverse_mask(top | u, n);
      if (best == 0 || natural > best_natural) {
        best = top | u;
        best_natural = natural;
      }
    }
    if (u == 0) break;
  }
  if (best == 0) throw std::logic_error("subset DP: no split attains the state's value");
  return best;
}

}  // namespace

double DpSearch::table_bytes(std::size_t n, std::size_t k) {
  double bytes = CellTable::bytes(n);
  for (std::size_t c = 2; c < k; ++c) bytes += 8.0 * std::ldexp(1.0, static_cast<int>(n - k + c));
  return bytes;
}

double DpSearch::transitions(std::size_t n, std::size_t k) {
  double t = std::ldexp(1.0, static_cast<int>(n) - 1);  // the top level, T = all
  for (std::size_t c = 2; c < k; ++c) t += (std::pow(3.0, static_cast<double>(n - k + c)) - 1) / 2;
  return t;
}
double DpSearch::cost(std::size_t n, std::size_t k) {
  double symbols = 0.0, cells = 1.0;  // cells = C(n, j)
  for (std::size_t j = 1; j + k <= n + 1; ++j) {
    cells = cells * static_cast<double>(n - j + 1) / static_cast<double>(j);
    symbols += cells * static_cast<double>(j);
  }
  return transitions(n, k) + kCellSolvePerSymbol * symbols;
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
  const CellTable table(problem.pmf(), problem.gamma(), solver, n - k + 1, threads, control,
                        MaskOrder::reversed);
  const double table_seconds = clock.seconds();
  double transitions = 0.0;
  // The statistics of a finished or stopped run.
  auto with_stats = [&](ExactResult result) {
    result.method = to_string(method());
    result.stats.transitions = transitions;
    result.stats.cells_optimised = table.solves();
    result.stats.table_seconds = table_seconds;
    result.stats.table_bytes = table_bytes(n, k);
    result.stats.threads = threads;
    return result;
  };
  auto stopped = [&] { return with_stats(stopped_result(problem, solver, control, {})); };
  if (table.stopped()) return stopped();
  const double* cell = table.data();

  // levels[c] holds D_c for c = 2..k-1 over the lowest n - k + c bits; D_1 is
  // the cell table itself.
  std::vector<AlignedDoubles> levels(k);
  auto values = [&](std::size_t c) { return c == 1 ? cell : levels[c].data(); };
  for (std::size_t c = 2; c < k; ++c) {
    const std::size_t m = n - k + c;
    AlignedDoubles& level = levels[c];
    level = AlignedDoubles(std::size_t{1} << m, 0.0);
    const double* prev = values(c - 1);
    report("level " + std::to_string(c) + " of " + std::to_string(k));
    double level_transitions = 0.0;
    for (Mask T = 1; T < std::min<Mask>(8, Mask{1} << m); ++T)
      level[T] = state_value(cell, prev, T, &level_transitions);
    const std::int64_t rows = m > 3 ? std::int64_t{1} << (m - 3) : 1;
    std::atomic<bool> halt{false};
#pragma omp parallel num_threads(threads) reduction(+ : level_transitions)
    {
      Poll poll(control, 16);
#pragma omp for schedule(dynamic, 64)
      for (std::int64_t h = 1; h < rows; ++h) {
        if (halt.load(std::memory_order_relaxed)) continue;
        const Mask row = static_cast<Mask>(h);
        // A row costs 27 · 2^(|row| - 1) sums: poll before every heavy one.
        if (__builtin_popcount(row) > 12 ? control.stop() : poll.stop()) {
          halt = true;
          continue;
        }
        dp_level_row(cell, prev, row, level.data() + 8 * h);
        level_transitions += 27.0 * std::ldexp(1.0, __builtin_popcount(row) - 1);
      }
    }
    transitions += level_transitions;
    if (halt) return stopped();
  }

  // The top level: T = all symbols, its 2^(n-1) blocks S ∋ max(T) split
  // across threads in rows of eight.
  const Mask all = static_cast<Mask>((std::uint64_t{1} << n) - 1);
  const double* prev = values(k - 1);
  double best = kInf;
  if (k == 1) {
    best = cell[all];
  } else if (n < 4) {
    best = state_value(cell, prev, all, &transitions);
  } else {
    const Mask top = Mask{1} << (n - 4);
    const std::int64_t chunks = std::min<std::int64_t>(top, 4096);
    std::atomic<bool> halt{false};
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(min : best)
    for (std::int64_t i = 0; i < chunks; ++i) {
      if (halt.load(std::memory_order_relaxed)) continue;
      if (control.stop()) {
        halt = true;
        continue;
      }
      const auto begin = static_cast<Mask>(top * i / chunks), end = static_cast<Mask>(top * (i + 1) / chunks);
      best = std::min(best, dp_top_range(cell, prev, top, begin, end));
    }
    transitions += std::ldexp(1.0, static_cast<int>(n) - 1);
    if (halt) return stopped();
  }

  // Follow the optimal splits down from the top.
  std::vector<std::uint64_t> blocks;
  Mask left = all;
  double target = best;
  for (std::size_t c = k; c >= 1 && left; --c) {
    const Mask s = c == 1 ? left : optimal_block(cell, values(c - 1), left, target, n);
    blocks.push_back(reverse_mask(s, n));
    left ^= s;
    if (c > 1) target = values(c - 1)[left];
  }
  ExactResult result;
  SolveStatus status = table.worst_status();
  result.code = make_code(problem, blocks, solver, &status);
  result.value = result.lower_bound = best;
  result.cell_status = status;
  return with_stats(std::move(result));
}

}  // namespace focalrd::detail
