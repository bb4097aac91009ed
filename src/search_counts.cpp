// Dynamic programming over count vectors, for sources with many equal masses
// (an i.i.d. block source: every sequence of one type has the same mass).
//
// Symbols of equal mass are interchangeable, so a cell's optimal PMF and cost
// depend only on how many symbols of each mass class it holds: its count
// vector w, 0 <= w_j <= s_j (s_j the class sizes). With c(w) that cost,
//   D_1(v) = c(v),   D_c(v) = min over 0 < w <= v with w_j0 >= 1 of c(w) + D_{c-1}(v - w),
// where j0 is one fixed class left in v (w is the cell of its first symbol:
// each partition once up to the order of its cells, as in the subset DP),
// D_c(0) = 0, and d* = D_k(s). Count vectors are indexed in mixed radix, so
// index(v - w) = index(v) - index(w), and a level costs at most
// Π_j (s_j + 1)(s_j + 2)/2 transitions over Π_j (s_j + 1) states: for blocks
// of three ternary letters 7.6e8 transitions over 2.3e5 states, where the
// subset DP would need 3^27 / 4 ≈ 1.9e12 over a table of 2^27 cells.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "detail/format.hpp"
#include "detail/small_buffer.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/errors.hpp"

namespace focalrd::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// A count vector: at most kMaxClasses digits, on the stack (one per state).
using Digits = SmallBuffer<std::uint32_t, CountsSearch::kMaxClasses>;

// The symbols grouped by equal mass, in order of first appearance, or
// nothing when there are more than kMaxClasses groups: the scan stops at the
// first group too many (with c groups there are at least 2^c count vectors),
// so refusing a source of a million distinct masses costs nothing, and auto
// asks this of every instance.
using Group = std::pair<double, std::vector<std::size_t>>;
std::optional<std::vector<Group>> mass_groups(const std::vector<double>& r) {
  std::vector<Group> groups;
  for (std::size_t a = 0; a < r.size(); ++a) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.first == r[a]; });
    if (it != groups.end()) {
      it->second.push_back(a);
    } else if (groups.size() == CountsSearch::kMaxClasses) {
      return std::nullopt;
    } else {
      groups.push_back({r[a], {a}});
    }
  }
  return groups;
}

// The classes of equal mass and the mixed radix, the largest class first (the
// innermost digit, for long runs), then by decreasing mass.
struct Classes {
  std::vector<double> mass;
  std::vector<std::vector<std::size_t>> symbols;  // each class's symbols, increasing
  std::vector<std::size_t> size, stride;
  std::vector<std::size_t> by_mass;  // the classes by decreasing mass
  std::size_t states = 1;            // Π (s_j + 1)

  explicit Classes(std::vector<Group> groups) {  // a copy: sorted here
    std::sort(groups.begin(), groups.end(), [](const Group& x, const Group& y) {
      return x.second.size() != y.second.size() ? x.second.size() > y.second.size()
                                                : x.first > y.first;
    });
    for (auto& [m, members] : groups) {
      mass.push_back(m);
      size.push_back(members.size());
      symbols.push_back(std::move(members));
    }
    by_mass.resize(mass.size());
    for (std::size_t j = 0; j < by_mass.size(); ++j) by_mass[j] = j;
    std::sort(by_mass.begin(), by_mass.end(), [&](std::size_t x, std::size_t y) { return mass[x] > mass[y]; });
    for (std::size_t s : size) {
      stride.push_back(states);
      states *= s + 1;
    }
  }
  std::size_t count() const { return size.size(); }
  // The count vector of an index, into v (count() digits).
  void digits(std::size_t index, std::uint32_t* v) const {
    for (std::size_t j = 0; j < count(); ++j)
      v[j] = static_cast<std::uint32_t>(index / stride[j] % (size[j] + 1));
  }
};

// Every w <= v with w_j0 >= 1 (j0 the last class in v, v != 0: the classes
// are by decreasing size, so the anchor prunes most), in a fixed order:
// calls run(base, lo, hi) for the index runs base + lo .. base + hi (the
// first class innermost) until it returns false.
template <typename Run>
void for_each_part(const Classes& cl, const std::uint32_t* v, Run run) {
  const std::size_t J = cl.count();
  std::size_t j0 = J - 1;
  while (v[j0] == 0) --j0;
  Digits w(J);
  std::size_t base = 0;
  for (std::size_t j = 0; j < J; ++j) w[j] = 0;
  if (j0 > 0) {
    w[j0] = 1;
    base = cl.stride[j0];
  }
  const std::uint32_t lo0 = j0 == 0 ? 1 : 0;
  for (;;) {
    if (!run(base, lo0, v[0])) return;
    std::size_t j = 1;
    for (; j < J; ++j) {
      if (w[j] < v[j]) {
        ++w[j];
        base += cl.stride[j];
        break;
      }
      const std::uint32_t lo = j == j0 ? 1 : 0;
      base -= (w[j] - lo) * cl.stride[j];
      w[j] = lo;
    }
    if (j == J) return;
  }
}

// D_c(v) from c(·) and D_{c-1}, counting the transitions.
double state_value(const Classes& cl, std::size_t index, const double* cell, const double* prev,
                   double& transitions) {
  if (index == 0) return 0.0;
  double best = kInf;
  Digits v(cl.count());
  cl.digits(index, v.data());
  for_each_part(cl, v.data(), [&](std::size_t base, std::uint32_t lo, std::uint32_t hi) {
    const double* c = cell + base;
    const double* d = prev + (index - base);
    for (std::uint32_t t = lo; t <= hi; ++t) {
      const double x = c[t] + d[-static_cast<std::ptrdiff_t>(t)];
      best = x < best ? x : best;
    }
    transitions += hi - lo + 1;
    return true;
  });
  return best;
}

// The estimate of CountsSearch (strategies.hpp) for these groups of n symbols.
CountsSearch::Estimate estimate_of(const std::vector<Group>& classes, std::size_t n, std::size_t k) {
  CountsSearch::Estimate e;
  e.classes = classes.size();
  double level = 1.0;
  e.states = 1.0;
  for (const Group& c : classes) {
    const double size = static_cast<double>(c.second.size());
    e.states *= size + 1.0;
    level *= (size + 1.0) * (size + 2.0) / 2.0;
  }
  e.transitions = (k <= 1 ? 0.0 : static_cast<double>(k - 2) * level) + e.states;
  e.bytes = 8.0 * e.states * static_cast<double>(std::max<std::size_t>(k, 2) - 1);
  // In subset-DP transitions: a count-vector transition costs about 8 of
  // them (measured: 2 ns against 0.27), plus the cell solves.
  const double symbols = static_cast<double>(n), largest = symbols - static_cast<double>(k) + 1.0;
  e.cost = 8.0 * e.transitions + kCellSolvePerSymbol * e.states * std::min(symbols / 2.0, largest);
  return e;
}

}  // namespace

CountsSearch::Estimate CountsSearch::estimate(const std::vector<double>& r, std::size_t k) {
  const auto groups = mass_groups(r);
  if (groups) return estimate_of(*groups, r.size(), k);
  Estimate e;
  e.classes = kMaxClasses + 1;
  return e;
}

void CountsSearch::check_feasible(const Problem& problem, const ExactOptions& options) const {
  const Estimate e = estimate(problem.pmf(), problem.cells());
  if (e.classes > kMaxClasses)
    throw too_large("the count-vector DP needs at most " + std::to_string(kMaxClasses) +
                    " classes of equal mass (its table has at least 2^classes count vectors), and "
                    "this source has more; use --method bnb");
  const std::string what = "the count-vector DP for this source has " + fmt_short(e.states) +
                           " count vectors (" + std::to_string(e.classes) +
                           " classes of equal mass) and about " + fmt_short(e.transitions) +
                           " transitions";
  if (e.states > kMaxStates || e.transitions > kMaxTransitions)
    throw too_large(what + ", above its limits of " + fmt_short(kMaxStates) + " and " +
                    fmt_short(kMaxTransitions) + "; use --method bnb");
  if (e.bytes > options.memory_budget_bytes)
    throw too_large(what + "; its tables need " + fmt_short(e.bytes / 1048576.0) +
                    " MiB, above the budget of " +
                    fmt_short(options.memory_budget_bytes / 1048576.0) +
                    " MiB; raise --memory-budget or use --method bnb");
}

ExactResult CountsSearch::search(const Problem& problem, const CellSolver& solver,
                                 const ExactOptions& options, Control& control) const {
  const std::size_t n = problem.size(), k = problem.cells();
  const int threads = resolve_threads(options.threads);
  const Stopwatch clock;
  const std::vector<Group> groups = *mass_groups(problem.pmf());  // feasible: kMaxClasses at most
  const Estimate estimated = estimate_of(groups, n, k);
  const Classes cl(groups);
  const std::size_t V = cl.states;
  auto report = [&](const std::string& what) {
    Progress p;
    p.phase = "counts: " + what;
    control.report(p, true);
  };

  // c(w) for every count vector of at most n - k + 1 symbols (larger cells
  // are never needed with k cells), masses in decreasing order.
  report("cell table of " + std::to_string(V) + " count vectors");
  std::vector<double> cell(V, kInf);
  cell[0] = 0.0;
  std::uint64_t solves = 0;
  int worst = static_cast<int>(SolveStatus::converged);
  std::atomic<bool> halt{false};
#pragma omp parallel num_threads(threads) reduction(+ : solves) reduction(max : worst)
  {
    Poll poll(control, 64);
    std::vector<double> masses;
    Digits w(cl.count());
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t i = 1; i < static_cast<std::int64_t>(V); ++i) {
      if (halt.load(std::memory_order_relaxed)) continue;
      if (poll.stop()) {
        halt = true;
        continue;
      }
      cl.digits(static_cast<std::size_t>(i), w.data());
      masses.clear();
      for (std::size_t j : cl.by_mass) masses.insert(masses.end(), w[j], cl.mass[j]);
      if (masses.size() > n - k + 1) continue;
      if (masses.size() == 1) {
        cell[i] = 0.0;
        continue;
      }
      const CellSolution s = solver.solve(masses.data(), masses.size(), problem.gamma(), nullptr);
      cell[i] = s.cost;
      ++solves;
      worst = std::max(worst, static_cast<int>(s.status));
    }
  }
  const double table_seconds = clock.seconds();
  double transitions = 0.0;
  // The statistics of a finished or stopped run.
  auto with_stats = [&](ExactResult result) {
    result.method = to_string(method());
    result.stats.transitions = transitions;
    result.stats.cells_optimised = solves;
    result.stats.table_seconds = table_seconds;
    result.stats.table_bytes = estimated.bytes;
    result.stats.threads = threads;
    return result;
  };
  auto stopped = [&] { return with_stats(stopped_result(problem, solver, control, {})); };
  if (halt) return stopped();

  // levels[c] = D_c over every count vector, c = 2..k-1; D_1 is the cell table.
  std::vector<std::vector<double>> levels(k);
  auto values = [&](std::size_t c) { return c == 1 ? cell.data() : levels[c].data(); };
  for (std::size_t c = 2; c < k; ++c) {
    report("level " + std::to_string(c) + " of " + std::to_string(k));
    levels[c].assign(V, 0.0);
    double* level = levels[c].data();
    const double* prev = values(c - 1);
    double level_transitions = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : level_transitions)
    {
      Poll poll(control, 16);
#pragma omp for schedule(dynamic, 16)
      for (std::int64_t i = 1; i < static_cast<std::int64_t>(V); ++i) {
        if (halt.load(std::memory_order_relaxed)) continue;
        if (poll.stop()) {
          halt = true;
          continue;
        }
        level[i] = state_value(cl, static_cast<std::size_t>(i), cell.data(), prev, level_transitions);
      }
    }
    transitions += level_transitions;
    if (halt) return stopped();
  }
  const std::size_t all = V - 1;
  const double best = k == 1 ? cell[all] : state_value(cl, all, cell.data(), values(k - 1), transitions);

  // Follow the optimal splits down from the top (the first w in the fixed
  // order attaining each value: the same code for any thread count), and
  // give each cell the next unused symbols of its classes.
  std::vector<std::vector<std::size_t>> blocks;
  std::vector<std::size_t> used(cl.count(), 0);
  std::size_t v = all;
  double target = best;
  for (std::size_t c = k; c >= 1 && v != 0; --c) {
    std::size_t w = v;
    if (c > 1) {
      const double* prev = values(c - 1);
      bool found = false;
      Digits digits(cl.count());
      cl.digits(v, digits.data());
      for_each_part(cl, digits.data(), [&](std::size_t base, std::uint32_t lo, std::uint32_t hi) {
        for (std::uint32_t t = lo; t <= hi && !found; ++t)
          if (cell[base + t] + prev[v - base - t] == target) {
            w = base + t;
            found = true;
          }
        return !found;
      });
      if (!found) throw internal_error("count-vector DP: no split attains the state's value");
      target = prev[v - w];
    }
    Digits counts(cl.count());
    cl.digits(w, counts.data());
    std::vector<std::size_t> block;
    for (std::size_t j = 0; j < cl.count(); ++j)
      for (std::uint32_t t = 0; t < counts[j]; ++t) block.push_back(cl.symbols[j][used[j]++]);
    std::sort(block.begin(), block.end());
    blocks.push_back(std::move(block));
    v -= w;
  }
  ExactResult result;
  SolveStatus status = static_cast<SolveStatus>(worst);
  result.code = make_code(problem, blocks, solver, &status);
  // The code's own distortion: its cells solved with their masses in symbol
  // order, as every other strategy does (the table had them by class, which
  // rounds differently, by about 1e-14 at most).
  result.value = 0.0;
  for (const Cell& c : result.code.cells) result.value += c.distortion;
  result.lower_bound = result.value;
  result.cell_status = status;
  return with_stats(std::move(result));
}

}  // namespace focalrd::detail
