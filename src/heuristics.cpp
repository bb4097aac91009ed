#include "detail/heuristics.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <queue>

#include "detail/kkt.hpp"
#include "detail/small_buffer.hpp"
#include "detail/strategies.hpp"
#include "focalrd/bounds.hpp"

namespace focalrd {

namespace detail {

namespace {

// A heuristic takes a new candidate only when it is better by more than this
// (relative): candidates that tie up to rounding keep the first one found,
// so that the last bit of the input does not pick among them.
constexpr double kClearlyBetter = 1e-12;

bool clearly_better(double candidate, double incumbent) {
  return candidate < incumbent - kClearlyBetter * std::fabs(incumbent);
}

// The search over F: (28) is piecewise smooth in F, with jumps wherever the
// partition (26) changes, and for a fixed partition it is least when each
// cell's F, normalised, is that cell's optimal PMF. So the search alternates:
// the partition (26) of F, then the F made of that partition's optimal
// cells, each scaled by a weight (its source mass, or 1/K), kept when (28)
// falls. Every step is a discrete choice or a KKT solve: no step size, no
// tolerance, so the result does not hinge on the last bit of the input the
// way a derivative-free descent over the jumps does.
class FxSearch {
 public:
  FxSearch(const Problem& problem, int max_evaluations, const Control& control)
      : problem_(problem), r_(problem.pmf()), max_(max_evaluations), control_(control) {}

  // (28) at F, counted; the best F seen is kept.
  double evaluate(const std::vector<double>& F) {
    ++evaluations_;
    const double v = achievability_28(r_, F, problem_.messages(), problem_.gamma());
    if (clearly_better(v, best_) || !std::isfinite(best_)) {
      best_ = v;
      best_F_ = F;
    }
    return v;
  }

  // Descends from F until (28) stops falling, a partition repeats, or a limit.
  void descend(std::vector<double> F) {
    double value = evaluate(F);
    std::vector<std::vector<std::vector<std::size_t>>> seen;
    for (;;) {
      if (evaluations_ >= max_ || control_.stop()) {
        limited_ = true;
        return;
      }
      auto cells = scheme_partition(F, problem_.messages());
      std::sort(cells.begin(), cells.end());
      if (std::find(seen.begin(), seen.end(), cells) != seen.end()) return;  // a cycle
      seen.push_back(cells);
      double next_value = value;
      std::vector<double> next;
      for (const bool by_mass : {true, false}) {
        std::vector<double> G = optimal_cells(cells, by_mass);
        const double v = evaluate(G);
        if (clearly_better(v, next_value)) {
          next_value = v;
          next = std::move(G);
        }
      }
      if (next.empty()) return;  // a fixed point: no step lowers (28)
      F = std::move(next);
      value = next_value;
    }
  }

  // The F made of the optimal PMF of each cell (symbols of positive mass;
  // the others get 0), scaled by the cell's source mass or by 1/K.
  std::vector<double> optimal_cells(const std::vector<std::vector<std::size_t>>& cells,
                                    bool by_mass) {
    std::vector<double> F(r_.size(), 0.0);
    const auto solver = CellSolver::create(CellSolverType::kkt);
    for (const auto& cell : cells) {
      std::vector<double> masses, pmf;
      double mass = 0.0;
      for (std::size_t a : cell) {
        masses.push_back(r_[a]);
        mass += r_[a];
      }
      solver->solve(masses, problem_.gamma(), &pmf);
      const double weight = by_mass ? mass : 1.0 / static_cast<double>(cells.size());
      for (std::size_t i = 0; i < cell.size(); ++i) F[cell[i]] = weight * pmf[i];
    }
    double sum = 0.0;
    for (double x : F) sum += x;
    for (double& x : F) x /= sum;
    return F;
  }

  double best() const { return best_; }
  const std::vector<double>& best_F() const { return best_F_; }
  int evaluations() const { return evaluations_; }
  bool limited() const { return limited_; }

 private:
  const Problem& problem_;
  const std::vector<double>& r_;
  const int max_;
  const Control& control_;
  int evaluations_ = 0;
  bool limited_ = false;
  double best_ = std::numeric_limits<double>::infinity();
  std::vector<double> best_F_;
};

// F = R, F ∝ R^(1/(1+γ)) (tempered) and the uniform F on the support.
std::vector<std::vector<double>> basic_starts(const Problem& problem) {
  const std::vector<double>& r = problem.pmf();
  std::vector<std::vector<double>> starts(3, std::vector<double>(r.size(), 0.0));
  double top = 0.0;
  for (double x : r) top = std::max(top, x);
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] > 0.0) {
      starts[0][a] = r[a];
      starts[1][a] = std::exp((std::log(r[a]) - std::log(top)) / (1.0 + problem.gamma()));
      starts[2][a] = 1.0;
    }
  for (auto& F : starts) {
    double sum = 0.0;
    for (double x : F) sum += x;
    for (double& x : F) x /= sum;
  }
  return starts;
}

FxOptimum search_fx(const Problem& problem, int max_evaluations, const Control& control,
                    const std::vector<int>* partition) {
  const std::vector<double>& r = problem.pmf();
  FxOptimum out;
  out.F = r;
  out.source_value = out.value = achievability_28(r, r, problem.messages(), problem.gamma());
  if (problem.source().support_size() <= problem.messages()) return out;  // (28) is already 0
  FxSearch search(problem, max_evaluations, control);
  for (const auto& F : basic_starts(problem)) search.descend(F);
  if (partition) {  // the optimal cells of a given partition of the positive symbols
    std::vector<std::vector<std::size_t>> cells;
    std::size_t i = 0;
    for (std::size_t a = 0; a < r.size(); ++a)
      if (r[a] > 0.0) {
        const auto c = static_cast<std::size_t>((*partition)[i++]);
        if (c >= cells.size()) cells.resize(c + 1);
        cells[c].push_back(a);
      }
    for (const bool by_mass : {true, false}) search.descend(search.optimal_cells(cells, by_mass));
  }
  if (clearly_better(search.best(), out.value)) {
    out.value = search.best();
    out.F = search.best_F();
  }
  out.evaluations = search.evaluations();
  out.status = search.limited() ? SolveStatus::iteration_limit : SolveStatus::converged;
  return out;
}

}  // namespace

FxOptimum optimise_fx(const Problem& problem, int max_evaluations, const Control& control) {
  // Also from the best partition the other heuristics find.
  std::uint64_t solves = 0;
  const HeuristicPartition h = heuristic_partition(problem, control, solves);
  return search_fx(problem, max_evaluations, control, &h.labels);
}

namespace {

// The optimal cost of the cell of `members` (indices into r).
double cell_cost(const std::vector<double>& r, const std::vector<int>& members, double gamma,
                 std::uint64_t& solves) {
  if (members.size() < 2) return 0.0;
  SmallBuffer<double, 128> m(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) m[i] = r[members[i]];
  ++solves;
  return kkt_cell(m.data(), members.size(), gamma, nullptr).cost;
}

}  // namespace

double local_search(const std::vector<double>& r, std::size_t K, double gamma,
                    std::vector<int>& labels, const Control& control, std::uint64_t& solves) {
  // At most 10^6 cell solves, and 2·10^7 symbols in them (a few seconds):
  // on large alphabets every candidate move re-solves two large cells.
  constexpr std::uint64_t kMaxSolves = 1000000, kMaxSymbols = 20000000;
  std::uint64_t symbols = 0;
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
    const double eps = kClearlyBetter * total;
    // Replaces cells i and j by `ci` and `cj` if that lowers the cost.
    auto accept = [&](std::size_t i, std::vector<int> ci, std::size_t j, std::vector<int> cj) {
      symbols += ci.size() + cj.size();
      if (stopped || solves - start >= kMaxSolves || symbols > kMaxSymbols || control.stop()) {
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

namespace {

// Re-splits the items of two bins so that their loads are as nearly equal as
// possible (for a fixed total, that is what lowers Σ (load - 1)²), by meet in
// the middle (Horowitz and Sahni): the subset sums of each half of the items,
// one half sorted, and for each sum of the other the nearest complement. Up
// to 2·kHalf items move, a window of the union that shifts with `pass`; the
// rest stay. Each bin keeps an item. Returns whether the split changed.
bool resplit(const std::vector<double>& w, std::vector<int>& mi, std::vector<int>& mj,
             double& li, double& lj, std::size_t pass, std::uint64_t& work) {
  constexpr std::size_t kHalf = 13;
  std::vector<int> all(mi);
  all.insert(all.end(), mj.begin(), mj.end());
  std::sort(all.begin(), all.end());
  const std::size_t u = all.size();
  work += u * (2 + static_cast<std::uint64_t>(std::log2(u + 1.0)));  // the sorts and searches
  const std::size_t movable = std::min(u, 2 * kHalf);
  std::vector<int> moving, stay_i, stay_j;
  std::uint64_t current = 0;  // the current split, as a mask over `moving`
  {
    std::vector<int> sorted_i(mi);
    std::sort(sorted_i.begin(), sorted_i.end());
    const std::size_t start = u > movable ? (pass * 7) % u : 0;
    for (std::size_t t = 0; t < u; ++t) {
      const int a = all[(start + t) % u];
      const bool of_i = std::binary_search(sorted_i.begin(), sorted_i.end(), a);
      if (moving.size() < movable) {
        if (of_i) current |= std::uint64_t{1} << moving.size();
        moving.push_back(a);
      } else {
        (of_i ? stay_i : stay_j).push_back(a);
      }
    }
  }
  double fixed_i = 0.0, fixed_j = 0.0, free_sum = 0.0;
  for (int a : stay_i) fixed_i += w[static_cast<std::size_t>(a)];
  for (int a : stay_j) fixed_j += w[static_cast<std::size_t>(a)];
  for (int a : moving) free_sum += w[static_cast<std::size_t>(a)];
  // Bin i gets the moving subset S: loads fixed_i + S and fixed_j + free - S,
  // equal at S = target.
  const double target = 0.5 * (fixed_j + free_sum - fixed_i);
  const std::size_t na = movable / 2, nb = movable - na;
  auto sums = [&](std::size_t from, std::size_t count) {
    std::vector<std::pair<double, std::uint32_t>> s(std::size_t{1} << count);
    s[0] = {0.0, 0};
    for (std::size_t t = 0; t < count; ++t) {
      const double x = w[static_cast<std::size_t>(moving[from + t])];
      const std::size_t half = std::size_t{1} << t;
      for (std::size_t m = 0; m < half; ++m)
        s[m | half] = {s[m].first + x, static_cast<std::uint32_t>(m | half)};
    }
    work += s.size();
    return s;
  };
  const auto A = sums(0, na);
  auto B = sums(na, nb);
  std::sort(B.begin(), B.end());
  work += A.size() * (2 + nb);
  const std::uint64_t full = (std::uint64_t{1} << movable) - 1;
  auto count_ok = [&](std::uint64_t mask) {
    const auto taken = static_cast<std::size_t>(__builtin_popcountll(mask));
    return stay_i.size() + taken >= 1 && stay_j.size() + (movable - taken) >= 1;
  };
  const double now = std::fabs(li - lj);
  double best = now * (1.0 - 1e-9);
  std::uint64_t best_mask = current;
  for (const auto& [sa, ma] : A) {
    const auto at = std::lower_bound(B.begin(), B.end(), std::make_pair(target - sa, std::uint32_t{0}));
    const auto from = at - std::min<std::ptrdiff_t>(2, at - B.begin());
    const auto to = at + std::min<std::ptrdiff_t>(2, B.end() - at);
    for (auto y = from; y != to; ++y) {
      const std::uint64_t mask = ma | (std::uint64_t{y->second} << na);
      const double diff = 2.0 * std::fabs(sa + y->first - target);
      if (diff < best && mask != current && count_ok(mask & full)) {
        best = diff;
        best_mask = mask;
      }
    }
  }
  if (best_mask == current) return false;
  mi = stay_i;
  mj = stay_j;
  li = fixed_i;
  lj = fixed_j;
  for (std::size_t t = 0; t < movable; ++t) {
    const int a = moving[t];
    if (best_mask >> t & 1) {
      mi.push_back(a);
      li += w[static_cast<std::size_t>(a)];
    } else {
      mj.push_back(a);
      lj += w[static_cast<std::size_t>(a)];
    }
  }
  return true;
}

// Number partitioning of the weights w into K bins whose loads should each
// be 1: largest first into the least loaded bin, exchanges between pairs of
// bins, pairwise re-splits (resplit), then kicks and re-splits again. Ties go
// to the lower index and the kicks come from a fixed seed, so the result is
// deterministic (unless `control` stops it).
std::vector<int> balance(const std::vector<double>& w, std::size_t K, const Control* control) {
  const std::size_t n = w.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return w[a] > w[b]; });
  std::vector<int> labels(n, 0);
  std::vector<double> load(K, 0.0);
  std::vector<std::vector<int>> members(K);
  {
    using Bin = std::pair<double, std::size_t>;  // (load, bin): least loaded, then lowest
    std::priority_queue<Bin, std::vector<Bin>, std::greater<Bin>> heap;
    for (std::size_t j = 0; j < K; ++j) heap.push({0.0, j});
    for (std::size_t a : order) {
      const std::size_t j = heap.top().second;
      heap.pop();
      labels[a] = static_cast<int>(j);
      members[j].push_back(static_cast<int>(a));
      load[j] += w[a];
      heap.push({load[j], j});
    }
  }
  // Exchanges between two bins of up to two items each way (one for bins of
  // more than 64 items), the best one per pair of bins, while Σ (load - 1)²
  // falls; every bin keeps an item. At most about kWork steps in all.
  constexpr std::uint64_t kWork = 30000000;
  std::uint64_t work = 0;
  struct Group {
    double sum;
    int size, a, b;
  };
  auto groups = [&](std::size_t bin) {
    const std::vector<int>& m = members[bin];
    std::vector<Group> g{{0.0, 0, -1, -1}};
    for (std::size_t x = 0; x < m.size(); ++x) {
      g.push_back({w[m[x]], 1, m[x], -1});
      if (m.size() <= 64)
        for (std::size_t y = x + 1; y < m.size(); ++y)
          g.push_back({w[m[x]] + w[m[y]], 2, m[x], m[y]});
    }
    work += g.size();
    return g;
  };
  auto move = [&](int a, std::size_t from, std::size_t to) {
    if (a < 0) return;
    auto& m = members[from];
    m.erase(std::find(m.begin(), m.end(), a));
    members[to].push_back(a);
    labels[static_cast<std::size_t>(a)] = static_cast<int>(to);
  };
  for (int pass = 0; pass < 100 && work < kWork; ++pass) {
    bool improved = false;
    for (std::size_t i = 0; i < K && work < kWork; ++i)
      for (std::size_t j = i + 1; j < K && work < kWork; ++j) {
        const std::vector<Group> gi = groups(i);
        std::vector<Group> gj = groups(j);
        // change(d) = 2d² - 2d(l_i - l_j) is least at d = (l_i - l_j)/2, so
        // for each x only the y whose sum is nearest x.sum - that d matter:
        // a binary search in gj sorted by sum (ties in a fixed order).
        std::sort(gj.begin(), gj.end(), [](const Group& a, const Group& b) {
          return a.sum < b.sum || (a.sum == b.sum && (a.size < b.size || (a.size == b.size && (a.a < b.a || (a.a == b.a && a.b < b.b)))));
        });
        work += gi.size() * (2 + static_cast<std::uint64_t>(std::log2(gj.size() + 1.0)));
        const auto ni = static_cast<int>(members[i].size()), nj = static_cast<int>(members[j].size());
        const double li = load[i] - 1.0, lj = load[j] - 1.0;
        double best = -1e-15 * (1.0 + li * li + lj * lj);
        Group bi{}, bj{};
        auto consider = [&](const Group& x, const Group& y) {
          if (ni - x.size + y.size < 1 || nj - y.size + x.size < 1) return;
          const double d = x.sum - y.sum;  // bin i gives d to bin j
          const double change = (li - d) * (li - d) + (lj + d) * (lj + d) - li * li - lj * lj;
          if (change < best) {
            best = change;
            bi = x;
            bj = y;
          }
        };
        const double half = 0.5 * (li - lj);
        for (const Group& x : gi) {
          const auto at = std::lower_bound(gj.begin(), gj.end(), x.sum - half,
                                           [](const Group& g, double v) { return g.sum < v; });
          // The nearest few on each side (a neighbour may break the
          // at-least-one-item rule).
          const auto from = at - std::min<std::ptrdiff_t>(3, at - gj.begin());
          const auto to = at + std::min<std::ptrdiff_t>(3, gj.end() - at);
          for (auto y = from; y != to; ++y) consider(x, *y);
        }
        if (bi.size + bj.size == 0) continue;
        move(bi.a, i, j);
        move(bi.b, i, j);
        move(bj.a, j, i);
        move(bj.b, j, i);
        load[i] -= bi.sum - bj.sum;
        load[j] += bi.sum - bj.sum;
        improved = true;
      }
    if (!improved) break;
  }
  // Then each pair of bins re-split as evenly as their items allow, until
  // no pair changes: a local optimum of Σ (load - 1)².
  auto stopped = [&] { return control && control->stop(); };
  auto converge = [&] {
    for (int pass = 0; pass < 100 && work < kWork && !stopped(); ++pass) {
      bool improved = false;
      for (std::size_t i = 0; i < K && work < kWork; ++i)
        for (std::size_t j = i + 1; j < K && work < kWork; ++j)
          improved = resplit(w, members[i], members[j], load[i], load[j],
                             static_cast<std::size_t>(pass), work) ||
                     improved;
      if (!improved) break;
    }
  };
  auto spread = [&] {
    double sum = 0.0;
    for (double l : load) sum += (l - 1.0) * (l - 1.0);
    return sum;
  };
  converge();
  // Iterated local search: kick the best split (swap one symbol between two
  // bins, drawn from a fixed-seed generator) and converge again; keep what
  // balances better. Up to kKicks kicks within the work budget, and until
  // kPatience kicks in a row bring nothing.
  constexpr int kKicks = 200, kPatience = 40;
  int since = 0;
  std::vector<std::vector<int>> best_members = members;
  std::vector<double> best_load = load;
  double best_spread = spread();
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto draw = [&](std::size_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>((state >> 33) % bound);
  };
  for (int kick = 0; kick < kKicks && since < kPatience && K >= 2 && best_spread > 0.0 &&
                     work < kWork && !stopped();
       ++kick, ++since) {
    members = best_members;
    load = best_load;
    for (int swaps = 0; swaps < 2; ++swaps) {
      const std::size_t i = draw(K), j = (i + 1 + draw(K - 1)) % K;
      const std::size_t x = draw(members[i].size()), y = draw(members[j].size());
      const int a = members[i][x], b = members[j][y];
      members[i][x] = b;
      members[j][y] = a;
      const double d = w[static_cast<std::size_t>(a)] - w[static_cast<std::size_t>(b)];
      load[i] -= d;
      load[j] += d;
    }
    converge();
    if (const double now = spread(); now < best_spread * (1.0 - 1e-9)) {
      best_spread = now;
      best_members = members;
      best_load = load;
      since = 0;
    }
  }
  members = best_members;
  for (std::size_t j = 0; j < K; ++j)
    for (int a : members[j]) labels[static_cast<std::size_t>(a)] = static_cast<int>(j);
  return labels;
}

}  // namespace

std::vector<int> lagrangian_balancing(const std::vector<double>& r, std::size_t K, double gamma,
                                      const Control* control) {
  std::vector<double> p(r.size()), q(r.size());
  solve_budget(r.data(), r.size(), gamma, static_cast<double>(K), p.data(), q.data());
  return balance(p, K, control);
}

namespace {
// Whether every label in [0, K) is used (an empty cell would waste a message).
bool all_cells_used(const std::vector<int>& labels, std::size_t K) {
  std::vector<char> used(K, 0);
  for (int l : labels) used[static_cast<std::size_t>(l)] = 1;
  return std::all_of(used.begin(), used.end(), [](char u) { return u != 0; });
}
}  // namespace

HeuristicPartition heuristic_partition(const Problem& problem, const Control& control,
                                       std::uint64_t& solves, int threads) {
  require_nonnegative_gamma(problem, "the heuristic codes");
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
  // Three independent candidates, each improved by local search: the scheme
  // for F = R (always: a valid code however early the control stops the
  // rest), for the optimised F, and the Lagrangian balancing. They run in
  // parallel and are compared in that order, so the choice does not depend
  // on the thread count.
  struct Candidate {
    std::vector<int> labels;
    double value = std::numeric_limits<double>::infinity();
    bool made = false;
    std::uint64_t solves = 0;
    std::exception_ptr error;
  };
  Candidate candidates[3];
  auto improve = [&](Candidate& c) {
    c.value = local_search(r, K, problem.gamma(), c.labels, control, c.solves);
    c.made = true;
  };
  auto from_scheme = [&](const std::vector<double>& F, Candidate& c) {
    c.labels.assign(r.size(), 0);
    int cell = 0;
    for (const auto& block : scheme_partition(F, problem.messages())) {
      bool used = false;
      for (std::size_t a : block)
        if (index[a] >= 0) {
          c.labels[index[a]] = cell;
          used = true;
        }
      cell += used;
    }
    improve(c);
  };
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, std::min(threads, 3)))
  for (int i = 0; i < 3; ++i) {
    Candidate& c = candidates[i];
    try {  // an exception must not leave the parallel region
      if (i == 0) {
        from_scheme(pmf, c);
      } else if (!control.stop() && i == 1) {
        from_scheme(search_fx(problem, 2000, control, nullptr).F, c);
      } else if (!control.stop() && i == 2) {
        c.labels = lagrangian_balancing(r, K, problem.gamma(), &control);
        if (all_cells_used(c.labels, K)) improve(c);
      }
    } catch (...) {
      c.error = std::current_exception();
    }
  }
  for (int i = 0; i < 3; ++i) {
    const Candidate& c = candidates[i];
    if (c.error) std::rethrow_exception(c.error);
    solves += c.solves;
    if (c.made && (clearly_better(c.value, best.value) || (i < 2 && !std::isfinite(best.value)))) {
      best.value = c.value;
      best.labels = c.labels;
    }
  }
  return best;
}

std::vector<std::vector<std::size_t>> blocks_of_labels(const Problem& problem,
                                                       const std::vector<int>& labels) {
  std::vector<std::vector<std::size_t>> blocks(std::max<std::size_t>(1, labels.size()));
  std::size_t i = 0;
  for (std::size_t a = 0; a < problem.size(); ++a)
    if (problem.pmf()[a] > 0.0) blocks[labels[i++]].push_back(a);
  for (std::size_t a = 0; a < problem.size(); ++a)
    if (problem.pmf()[a] == 0.0) blocks[0].push_back(a);
  blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                              [](const std::vector<std::size_t>& b) { return b.empty(); }),
               blocks.end());
  return blocks;
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
  SolveStatus status = SolveStatus::converged;
  return detail::make_code(problem, detail::blocks_of_labels(problem, h.labels),
                           *CellSolver::create(CellSolverType::kkt), &status);
}

}  // namespace focalrd
