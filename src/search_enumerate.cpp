// Plain exhaustive search over set partitions (restricted growth strings).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "detail/cell_table.hpp"
#include "detail/format.hpp"
#include "detail/rgs.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/partition.hpp"

namespace focalrd::detail {

namespace {

constexpr std::size_t kMaxSymbols = 64;  // blocks are 64-bit masks

// The best partition found in one slice of the enumeration. Ties are broken
// by the order of enumeration (lexicographic in the RGS): a later partition
// replaces the incumbent only if strictly better, and slices are merged in
// order, so the reported code does not depend on the thread count.
struct Incumbent {
  double value = std::numeric_limits<double>::infinity();
  std::vector<std::uint64_t> blocks;
  std::uint64_t partitions = 0;
};

// Enough prefixes for dynamic scheduling to balance the threads.
std::vector<Rgs> split(std::size_t n, std::size_t k, int threads) {
  std::vector<Rgs> prefixes;
  for (std::size_t length = 1; length <= n; ++length) {
    prefixes = partition_prefixes(n, k, length);
    if (prefixes.size() >= 64 * static_cast<std::size_t>(threads)) break;
  }
  return prefixes;
}

template <typename Cost>
Incumbent enumerate_slice(std::size_t n, std::size_t k, const Rgs& prefix, const Cost& cost,
                          const Control& control) {
  Incumbent best;
  Poll poll(control, 4096);
  auto visit = [&](const std::vector<int>&, const std::vector<std::uint64_t>& masks) {
    if (poll.stop()) return false;
    ++best.partitions;
    double value = 0.0;
    for (std::size_t j = 0; j < k; ++j) value += cost(masks[j]);  // blocks in RGS order
    if (value < best.value) {
      best.value = value;
      best.blocks = masks;
    }
    return true;
  };
  complete_prefix(n, k, prefix, visit);
  return best;
}

}  // namespace

void EnumerateSearch::check_feasible(const Problem& problem, const ExactOptions& options) const {
  const std::size_t n = problem.size(), k = problem.cells();
  if (n > kMaxSymbols)
    throw too_large("exhaustive enumeration handles at most " + std::to_string(kMaxSymbols) +
                    " symbols, and the source has " + std::to_string(n) +
                    "; use --method bnb (or auto)");
  const double partitions = stirling2(n, k);
  if (partitions > options.max_partitions && !options.force)
    throw too_large("exhaustive enumeration of n = " + std::to_string(n) + " symbols into M = " +
                    std::to_string(k) + " cells visits S(" + std::to_string(n) + ", " +
                    std::to_string(k) + ") = " + detail::fmt_short(partitions) +
                    " partitions, above the limit of " + detail::fmt(options.max_partitions) +
                    "; use --method dp, bnb or auto, or raise --max-partitions (or --force)");
}

ExactResult EnumerateSearch::search(const Problem& problem, const CellSolver& solver,
                                    const ExactOptions& options, Control& control) const {
  const std::size_t n = problem.size(), k = problem.cells();
  const int threads = resolve_threads(options.threads);
  const std::vector<double>& r = problem.pmf();
  const double gamma = problem.gamma();
  const std::vector<Rgs> prefixes = split(n, k, threads);
  std::vector<Incumbent> best(prefixes.size());

  ExactResult result;
  SolveStatus status = SolveStatus::converged;
  std::uint64_t solves = 0;
  // A block of a partition into k blocks has at most n - k + 1 symbols.
  if (CellTable::bytes(n) <= options.memory_budget_bytes) {
    // Every cell a partition can use, solved once: far fewer solves than
    // partitions times k whenever that product exceeds 2^n.
    const Stopwatch clock;
    const CellTable table(r, gamma, solver, n - k + 1, threads, control);
    result.stats.table_seconds = clock.seconds();
    result.stats.table_bytes = CellTable::bytes(n);
    solves = table.solves();
    status = table.worst_status();
    auto cost = [&table](std::uint64_t mask) { return table[mask]; };
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::size_t i = 0; i < prefixes.size(); ++i)
      if (!table.stopped()) best[i] = enumerate_slice(n, k, prefixes[i], cost, control);
  } else {
    // Too many subsets to tabulate: memoise the cells each thread meets.
    int worst = static_cast<int>(SolveStatus::converged);
#pragma omp parallel num_threads(threads) reduction(+ : solves) reduction(max : worst)
    {
      std::unordered_map<std::uint64_t, double> memo;
      auto cost = [&](std::uint64_t mask) {
        auto it = memo.find(mask);
        if (it != memo.end()) return it->second;
        SolveStatus s = SolveStatus::converged;
        const double c = solve_mask(r, gamma, solver, mask, &s);
        ++solves;
        worst = std::max(worst, static_cast<int>(s));
        memo.emplace(mask, c);
        return c;
      };
#pragma omp for schedule(dynamic, 1)
      for (std::size_t i = 0; i < prefixes.size(); ++i)
        best[i] = enumerate_slice(n, k, prefixes[i], cost, control);
    }
    status = static_cast<SolveStatus>(worst);
  }

  Incumbent overall;
  for (const Incumbent& slice : best) {
    overall.partitions += slice.partitions;
    if (slice.value < overall.value) {
      overall.value = slice.value;
      overall.blocks = slice.blocks;
    }
  }
  if (control.stop()) {  // not every partition was seen: the best so far, and a bound
    const SearchStats stats = result.stats;
    result = stopped_result(problem, solver, control, overall.blocks);
    result.stats.table_seconds = stats.table_seconds;
    result.stats.table_bytes = stats.table_bytes;
  } else {
    result.code = make_code(problem, overall.blocks, solver, &status);
    result.value = overall.value;
    result.lower_bound = overall.value;
    result.cell_status = status;
  }
  result.method = to_string(method());
  result.stats.partitions = static_cast<double>(overall.partitions);
  result.stats.cells_optimised = solves;
  result.stats.threads = threads;
  return result;
}

}  // namespace focalrd::detail
