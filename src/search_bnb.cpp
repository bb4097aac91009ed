// Branch-and-bound for d*(M; γ) with a certified gap.
//
// Symbols of positive mass are taken in decreasing mass; a node assigns the
// first t of them to cells, labelled in order of opening (so relabellings are
// never generated), and a symbol equal in mass to its predecessor never goes
// to an earlier cell than it (swapping two equal symbols gives the same cost).
//
// Bound. Every code's cell PMFs satisfy Σ_{a in cell j} p_a <= 1. Relaxing
// those constraints with multipliers λ_j >= 0 gives, for any λ, the lower bound
//   L(λ) = Σ_j [Σ_{a in C_j} h_a(λ_j) - λ_j] + Σ_{u unassigned} min_j h_u(λ_j),
// with h_a(λ) = min_{p in (0,1]} r_a (1-p)^γ ln(1/p) + λ p, increasing in λ.
// So each unassigned symbol takes the smallest λ_j, and with λ_j = max(λ*_j, θ)
// (λ*_j maximises the cell's own term, whose value there is the cell's cost)
//   Ψ(θ) = Σ_{j: λ*_j >= θ} c(C_j) + Σ_{j: λ*_j < θ} [Σ_{a in C_j} h_a(θ) - θ]
//          - (K - m) θ + Σ_u h_u(θ)
// is a lower bound for every θ >= 0 (K cells, m open), concave in θ; it is
// maximised by a safeguarded Newton iteration on Ψ'(θ) in ln θ. At the root it
// is the Lagrangian converse. Monotonicity (adding a symbol never lowers a
// cell's cost) gives the cheaper bound Σ_j c(C_j) used to skip children.
//
// Incumbent: the scheme (26) with F_X = R_X and with an optimised F_X, cells
// re-optimised, improved by moving and swapping symbols; then the search's
// own leaves.
//
// Parallelism, deterministically: a sequential search to a fixed depth lists
// subproblems in depth-first order; waves of a fixed number of them are solved
// in parallel, each from the incumbent value at the start of its wave, and
// their results merged in order. The result does not depend on the thread
// count unless a time limit stops the search.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/format.hpp"
#include "detail/kkt.hpp"
#include "detail/small_buffer.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/bounds.hpp"

namespace focalrd::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kWave = 32;          // subproblems per parallel wave
constexpr std::size_t kSubproblems = 256;  // the split aims at this many

// The problem restricted to its positive masses, sorted by decreasing mass.
struct Instance {
  std::size_t n = 0;  // positive symbols
  std::size_t K = 0;  // cells: min(M, n)
  double gamma = 0.0;
  std::vector<double> r, log_r;
  std::vector<std::size_t> symbol;  // original index of each sorted position
  std::vector<char> tied;           // r[t] == r[t-1]
  // The tail: symbols from `tail` on are so light that the bound takes them
  // in closed form (see tail_bound) and a node reaching it may be completed
  // greedily. mass[t] = Σ_{u>=t} r_u, entropy[t] = -Σ_{u>=t} r_u ln r_u.
  std::size_t tail = 0;
  std::vector<double> mass, entropy;
};

// A lower bound on Σ_{u>=t} h_u(θ), x = ln θ, in closed form: with
// c = max(1, γ), (1-p)^γ >= 1 - c p and p ln(1/p) <= 1/e give
// h_u(θ) >= r_u (1 + ln(θ/r_u)) - c r_u / e, for every θ > 0 (for r_u >= θ,
// h_u = θ and z - ln z >= 1 covers it). It is below the exact sum by at most
// about c mass[t] / e.
double tail_bound(const Instance& in, std::size_t t, double x) {
  const double c = std::max(1.0, in.gamma);
  return in.mass[t] * (1.0 + x - c / std::exp(1.0)) + in.entropy[t];
}

// The tail starts where dropping it from the exact bound costs at most a
// thousandth of the gap asked for; with no gap there is no tail.
void set_tail(Instance& in, double rel_gap, double upper) {
  in.mass.assign(in.n + 1, 0.0);
  in.entropy.assign(in.n + 1, 0.0);
  for (std::size_t t = in.n; t-- > 0;) {
    in.mass[t] = in.mass[t + 1] + in.r[t];
    in.entropy[t] = in.entropy[t + 1] - in.r[t] * in.log_r[t];
  }
  const double c = std::max(1.0, in.gamma);
  const double allowed = 1e-3 * rel_gap * upper;
  in.tail = in.n;
  while (in.tail > in.K && c * in.mass[in.tail - 1] / std::exp(1.0) <= allowed) --in.tail;
}

Instance make_instance(const Problem& problem) {
  Instance in;
  in.gamma = problem.gamma();
  const std::vector<double>& r = problem.pmf();
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] > 0.0) in.symbol.push_back(a);
  std::stable_sort(in.symbol.begin(), in.symbol.end(),
                   [&](std::size_t a, std::size_t b) { return r[a] > r[b]; });
  in.n = in.symbol.size();
  in.K = std::min(problem.messages(), in.n);
  for (std::size_t t = 0; t < in.n; ++t) {
    in.r.push_back(r[in.symbol[t]]);
    in.log_r.push_back(std::log(in.r.back()));
    in.tied.push_back(t > 0 && in.r[t] == in.r[t - 1]);
  }
  return in;
}

// The cost and multiplier of a cell of sorted symbols.
struct CellValue {
  double cost = 0.0;
  double mu = -kInf;  // ln λ*; -inf for one symbol (cost 0 for any λ <= r)
};

// `logits` (optional, one per member): warm starts in, the solution's out.
CellValue solve_cell(const Instance& in, const std::vector<int>& members, const double* mu_hint,
                     std::uint64_t& solves, double* logits = nullptr) {
  if (members.size() < 2) return CellValue{};
  double masses[128];
  std::vector<double> heap;
  double* r = masses;
  if (members.size() > 128) {
    heap.resize(members.size());
    r = heap.data();
  }
  for (std::size_t i = 0; i < members.size(); ++i) r[i] = in.r[members[i]];
  std::vector<double> p(members.size());
  ++solves;
  const CellOptimum opt = kkt_cell(r, members.size(), in.gamma, p.data(), mu_hint, logits);
  return CellValue{opt.cost, opt.mu};
}

struct OpenCell {
  std::vector<int> members;    // sorted positions
  std::vector<double> logits;  // the members' logits ln(p/(1-p)) at the optimum
  CellValue value;
};

// What one subtree search found.
struct Outcome {
  double best = kInf;        // best leaf value below the starting incumbent
  std::vector<int> labels;   // its cell of each sorted symbol
  double pruned = kInf;      // least bound of a node pruned within the gap
  double unexplored = kInf;  // least bound of a node left when a limit hit
  std::uint64_t nodes = 0, solves = 0;
  bool aborted = false;
};

// A depth-first search from one node, with its own incumbent.
class Search {
 public:
  Search(const Instance& in, const ExactOptions& options, double incumbent, double root_x,
         const Stopwatch& clock, const std::atomic<bool>& stop)
      : in_(in),
        options_(options),
        upper_(incumbent),
        x_(root_x),
        clock_(clock),
        stop_(stop),
        cells_(in.K),
        labels_(in.n, -1),
        s_cache_(in.n, 0.0),
        cell_h_(in.K, 0.0),
        cell_p_(in.K, 0.0),
        cell_dp_(in.K, 0.0) {
    for (std::size_t t = 0; t < in.n; ++t) s_cache_[t] = -std::log(in.r[t]);
  }

  // Places the first labels.size() symbols as given.
  void replay(const std::vector<int>& labels) {
    for (std::size_t t = 0; t < labels.size(); ++t) place(t, static_cast<std::size_t>(labels[t]));
  }

  // Ψ, Ψ'(θ) = g and dg/dx at x = ln θ for the current node (depth t); the
  // next symbol's terms; and, in cell_h_, cell_p_, cell_dp_, each raised
  // cell's sums (what a child changes).
  struct Point {
    double x = 0.0, value = 0.0, g = 0.0, dg = 0.0;
    double h_t = 0.0, p_t = 0.0, dp_t = 0.0;
    bool exact_next = false;  // t is evaluated exactly (not in the tail)
  };

  Point evaluate(std::size_t t, double x) {
    const double K = static_cast<double>(in_.K), m = static_cast<double>(open_);
    const double theta = std::exp(x);
    Point pt;
    pt.x = x;
    pt.value = -(K - m) * theta;
    pt.g = -(K - m);
    auto dual = [&](std::size_t a) {
      return symbol_dual(in_.r[a], in_.log_r[a], in_.gamma, x, s_cache_[a]);
    };
    for (std::size_t j = 0; j < open_; ++j) {
      if (cells_[j].value.mu >= x) {
        pt.value += cells_[j].value.cost;
        continue;
      }
      double h = 0.0, p = 0.0, dp = 0.0;
      for (int a : cells_[j].members) {
        const SymbolDual d = dual(static_cast<std::size_t>(a));
        h += d.h;
        p += d.p;
        dp += d.dp_dx;
      }
      cell_h_[j] = h;
      cell_p_[j] = p;
      cell_dp_[j] = dp;
      pt.value += h - theta;
      pt.g += p - 1.0;
      pt.dg += dp;
    }
    const std::size_t exact_end = std::max(t, in_.tail);
    for (std::size_t u = t; u < exact_end; ++u) {
      const SymbolDual d = dual(u);
      pt.value += d.h;
      pt.g += d.p;
      pt.dg += d.dp_dx;
      if (u == t) {
        pt.h_t = d.h;
        pt.p_t = d.p;
        pt.dp_t = d.dp_dx;
        pt.exact_next = true;
      }
    }
    if (exact_end < in_.n) {  // the tail in closed form, p_u ≈ r_u / θ
      pt.value += tail_bound(in_, exact_end, x);
      pt.g += in_.mass[exact_end] / theta;
      pt.dg -= in_.mass[exact_end] / theta;
      if (!pt.exact_next) pt.h_t = dual(t).h;
    }
    return pt;
  }

  // The child's point at the same x after symbol t joined cell j (whose new
  // value is `joined`; j == open_ for a new cell), without evaluating any
  // symbol: t leaves the unassigned sum; a raised cell gains its terms; a
  // cell still above θ changes only its cost. Also updates the cell sums.
  // Needs t evaluated exactly at the parent (pt.exact_next); nothing when
  // rounding contradicts the growth of λ (the child then evaluates afresh).
  std::optional<Point> child_point(const Point& pt, std::size_t j, bool opened,
                                   const CellValue& before, const CellValue& joined) {
    const double theta = std::exp(pt.x);
    Point c = pt;
    c.value -= pt.h_t;
    c.g -= pt.p_t;
    c.dg -= pt.dp_t;
    c.exact_next = false;
    if (opened) {
      // A new cell: one empty cell fewer (+θ), a raised singleton (h_t - θ).
      c.value += pt.h_t;
      c.g += pt.p_t;
      c.dg += pt.dp_t;
      cell_h_[j] = pt.h_t;
      cell_p_[j] = pt.p_t;
      cell_dp_[j] = pt.dp_t;
      return c;
    }
    const bool was_raised = before.mu < pt.x, raised = joined.mu < pt.x;
    if (raised && !was_raised) return std::nullopt;
    if (was_raised) {
      c.value -= cell_h_[j] - theta;
      c.g -= cell_p_[j] - 1.0;
      c.dg -= cell_dp_[j];
    } else {
      c.value -= before.cost;
    }
    if (raised) {
      cell_h_[j] += pt.h_t;
      cell_p_[j] += pt.p_t;
      cell_dp_[j] += pt.dp_t;
      c.value += cell_h_[j] - theta;
      c.g += cell_p_[j] - 1.0;
      c.dg += cell_dp_[j];
    } else {
      c.value += joined.cost;
    }
    return c;
  }

  // The Lagrangian bound Ψ at the current node (depth t), maximised over θ by
  // a safeguarded Newton iteration on Ψ'(θ) in x = ln θ, from `start` (the
  // point at the parent's θ) or from a fresh evaluation at x_. Every point
  // gives a valid bound; the largest is returned, early once it reaches
  // `enough` (the node is pruned anyway). Leaves point_ at the last point.
  double bound(std::size_t t, double enough, const Point* start) {
    double lo = -kInf, hi = kInf, best = partial_;
    Point pt = start ? *start : evaluate(t, x_);
    for (int it = 0; it < 60; ++it) {
      if (it > 0) pt = evaluate(t, pt.x);
      point_ = pt;
      x_ = pt.x;
      if (std::isfinite(pt.value)) best = std::max(best, pt.value);
      if (best >= enough) break;
      // Stop when Newton's quadratic model promises a negligible gain (far
      // below the gap that decides pruning): with f(x) = Ψ(e^x), f' = θ g and
      // f'' = θ (g + dg), the gain is f'^2 / (2 |f''|).
      const double curvature = pt.g + pt.dg;
      if (curvature < 0.0 && std::exp(pt.x) * pt.g * pt.g / (-2.0 * curvature) <
                                 1e-4 * options_.rel_gap * std::fabs(best))
        break;
      if (pt.g > 0.0)
        lo = pt.x;
      else
        hi = pt.x;
      double step = pt.dg < 0.0 ? -pt.g / pt.dg : (pt.g > 0.0 ? 1.0 : -1.0);
      if (std::fabs(step) < 1e-10 || pt.g == 0.0) break;
      step = std::max(-8.0, std::min(8.0, step));
      double next = pt.x + step;
      if (!(next > lo && next < hi))
        next = std::isfinite(lo) && std::isfinite(hi) ? 0.5 * (lo + hi) : next;
      if (std::isfinite(lo) && std::isfinite(hi) && hi - lo < 1e-12) break;
      pt.x = next;
    }
    return best;
  }

  double threshold() const { return upper_ - options_.rel_gap * upper_; }

  void dfs(std::size_t t, double parent_lb, const Point* start = nullptr) {
    if (outcome_.aborted) return;
    ++outcome_.nodes;
    if ((outcome_.nodes & 255) == 0 && limit_reached()) {
      outcome_.aborted = true;
      outcome_.unexplored = std::min(outcome_.unexplored, parent_lb);
      return;
    }
    // Few enough symbols left for one cell each: the best completion is known.
    if (in_.n - t <= in_.K - open_) {
      leaf(t);
      return;
    }
    const double lb = std::max(parent_lb, bound(t, threshold(), start));
    if (lb >= threshold()) {
      if (lb < upper_) outcome_.pruned = std::min(outcome_.pruned, lb);
      return;
    }
    if (t >= in_.tail && close_with_tail(t, lb)) return;
    // The point and cell sums the children start from.
    Point here = point_;
    if (!here.exact_next && t < in_.tail) {  // the next symbol's terms, if not evaluated here
      const SymbolDual d = symbol_dual(in_.r[t], in_.log_r[t], in_.gamma, here.x, s_cache_[t]);
      here.h_t = d.h;
      here.p_t = d.p;
      here.dp_t = d.dp_dx;
      here.exact_next = true;
    }
    SmallBuffer<double> sums_h(in_.K), sums_p(in_.K), sums_dp(in_.K);
    std::copy(cell_h_.begin(), cell_h_.end(), sums_h.data());
    std::copy(cell_p_.begin(), cell_p_.end(), sums_p.data());
    std::copy(cell_dp_.begin(), cell_dp_.end(), sums_dp.data());
    // Children: each open cell, and one new cell; a symbol tied with its
    // predecessor goes to a cell no earlier than the predecessor's. Each
    // child's bound at the parent's θ costs no cell solve: Ψ itself, raised by
    // h_t(λ*_j) - h_t(θ) when cell j is not raised (λ*_j >= θ), since then
    // c(C_j ∪ {t}) >= c(C_j) + h_t(λ*_j) by weak duality and λ*_j only grows.
    const std::size_t first = in_.tied[t] ? static_cast<std::size_t>(labels_[t - 1]) : 0;
    const std::size_t last = open_ < in_.K ? open_ : open_ - 1;
    const double x = here.x, psi = here.value, h_t = here.h_t;
    struct Child {
      std::size_t cell;
      double bound;
      double mu;  // the cell's multiplier before t joins (order among ties)
    };
    SmallBuffer<Child> children(last - first + 1);
    std::size_t count = 0;
    for (std::size_t j = first; j <= last; ++j) {
      Child c{j, std::max(lb, psi), j < open_ ? cells_[j].value.mu : -kInf};
      if (j < open_ && cells_[j].value.mu >= x) {
        double s = s_cache_[t];
        const double h = symbol_dual(in_.r[t], in_.log_r[t], in_.gamma, cells_[j].value.mu, s).h;
        c.bound = std::max(c.bound, psi - h_t + h);
      }
      children[count++] = c;
    }
    std::stable_sort(children.data(), children.data() + count, [](const Child& a, const Child& b) {
      return a.bound < b.bound || (a.bound == b.bound && a.mu < b.mu);
    });
    for (std::size_t i = 0; i < count; ++i) {
      const Child c = children[i];
      if (outcome_.aborted) {
        outcome_.unexplored = std::min(outcome_.unexplored, c.bound);
        continue;
      }
      if (c.bound >= threshold()) {
        if (c.bound < upper_) outcome_.pruned = std::min(outcome_.pruned, c.bound);
        continue;
      }
      const bool opened = c.cell == open_;
      Undo undo = place(t, c.cell);
      if (partial_ >= threshold()) {  // monotonicity: completions cost at least partial_
        if (partial_ < upper_) outcome_.pruned = std::min(outcome_.pruned, partial_);
      } else if (here.exact_next) {
        // The child's Ψ at the parent's θ, exactly and without evaluations.
        std::copy(sums_h.data(), sums_h.data() + in_.K, cell_h_.begin());
        std::copy(sums_p.data(), sums_p.data() + in_.K, cell_p_.begin());
        std::copy(sums_dp.data(), sums_dp.data() + in_.K, cell_dp_.begin());
        const auto child = child_point(here, c.cell, opened, undo.value, cells_[c.cell].value);
        const double child_lb = std::max({c.bound, partial_, child ? child->value : -kInf});
        if (child_lb >= threshold()) {
          if (child_lb < upper_) outcome_.pruned = std::min(outcome_.pruned, child_lb);
        } else {
          x_ = x;
          dfs(t + 1, child_lb, child ? &*child : nullptr);
        }
      } else {
        x_ = x;
        dfs(t + 1, c.bound);
      }
      unplace(t, undo);
      x_ = x;
    }
  }

  // Runs the search below the current node (depth t).
  Outcome run(std::size_t t, double lb) {
    dfs(t, lb);
    return outcome_;
  }

  // Depth-first listing of the nodes at `depth` that survive the bounds, with
  // their bounds (for the parallel waves).
  void split(std::size_t t, std::size_t depth, std::vector<std::vector<int>>& nodes,
             std::vector<double>& bounds) {
    if (t == depth || in_.n - t <= in_.K - open_) {
      nodes.emplace_back(labels_.begin(), labels_.begin() + static_cast<long>(t));
      bounds.push_back(t == depth && in_.n - t > in_.K - open_ ? bound(t, kInf, nullptr)
                                                               : partial_);
      return;
    }
    const double lb = bound(t, kInf, nullptr);
    if (lb >= threshold()) {
      if (lb < upper_) outcome_.pruned = std::min(outcome_.pruned, lb);
      return;
    }
    const std::size_t first = in_.tied[t] ? static_cast<std::size_t>(labels_[t - 1]) : 0;
    const std::size_t last = open_ < in_.K ? open_ : open_ - 1;
    for (std::size_t j = first; j <= last; ++j) {
      Undo undo = place(t, j);
      if (partial_ < threshold()) split(t + 1, depth, nodes, bounds);
      unplace(t, undo);
    }
  }

  double x() const { return x_; }
  const Outcome& outcome() const { return outcome_; }

 private:
  struct Undo {
    std::size_t cell;
    CellValue value;
    double partial;
  };

  // Puts symbol t into cell j (a new cell if j == open_), re-solving the cell
  // from its previous multiplier.
  Undo place(std::size_t t, std::size_t j) {
    const Undo undo{j, cells_[j].value, partial_};
    if (j == open_) ++open_;
    cells_[j].members.push_back(static_cast<int>(t));
    const double hint = undo.value.mu;
    cells_[j].value =
        solve_cell(in_, cells_[j].members, std::isfinite(hint) ? &hint : nullptr, outcome_.solves);
    partial_ += cells_[j].value.cost - undo.value.cost;
    labels_[t] = static_cast<int>(j);
    return undo;
  }

  void unplace(std::size_t t, const Undo& undo) {
    labels_[t] = -1;
    partial_ = undo.partial;
    cells_[undo.cell].members.pop_back();
    cells_[undo.cell].value = undo.value;
    if (cells_[undo.cell].members.empty()) --open_;
  }

  bool limit_reached() const {
    if (stop_.load(std::memory_order_relaxed)) return true;
    return options_.time_limit_seconds > 0 && clock_.seconds() >= options_.time_limit_seconds;
  }

  // In the tail: completes the node by putting every remaining symbol into one
  // cell (a new one, or the open cell of least multiplier, whichever costs
  // less). If the node's bound is within the gap of that completion (or of
  // the incumbent), no other completion can matter: the node is closed, its
  // bound kept for the certificate. Returns whether it was closed.
  bool close_with_tail(std::size_t t, double lb) {
    std::size_t best_cell = in_.K;
    double best_value = kInf;
    std::vector<int> rest;
    for (std::size_t u = t; u < in_.n; ++u) rest.push_back(static_cast<int>(u));
    auto consider = [&](std::size_t j) {
      std::vector<int> members = cells_[j].members;
      members.insert(members.end(), rest.begin(), rest.end());
      const double hint = cells_[j].value.mu;
      const CellValue v =
          solve_cell(in_, members, std::isfinite(hint) ? &hint : nullptr, outcome_.solves);
      const double value = partial_ - cells_[j].value.cost + v.cost;
      if (value < best_value) {
        best_value = value;
        best_cell = j;
      }
    };
    if (open_ < in_.K) consider(open_);
    std::size_t cheapest = 0;
    for (std::size_t j = 1; j < open_; ++j)
      if (cells_[j].value.mu < cells_[cheapest].value.mu) cheapest = j;
    if (open_ > 0) consider(cheapest);
    const double reference = std::min(upper_, best_value);
    if (lb < reference - options_.rel_gap * reference) return false;
    if (best_value < upper_) {
      upper_ = best_value;
      outcome_.best = best_value;
      outcome_.labels = labels_;
      for (std::size_t u = t; u < in_.n; ++u) outcome_.labels[u] = static_cast<int>(best_cell);
    }
    if (lb < upper_) outcome_.pruned = std::min(outcome_.pruned, lb);
    return true;
  }

  // Completes the node with one new cell per remaining symbol.
  void leaf(std::size_t t) {
    if (partial_ < upper_) {
      upper_ = partial_;
      outcome_.best = partial_;
      outcome_.labels = labels_;
      std::size_t next = open_;
      for (std::size_t u = t; u < in_.n; ++u) outcome_.labels[u] = static_cast<int>(next++);
    }
  }

  const Instance& in_;
  const ExactOptions& options_;
  double upper_;
  double x_;
  const Stopwatch& clock_;
  const std::atomic<bool>& stop_;
  std::vector<OpenCell> cells_;
  std::size_t open_ = 0;
  std::vector<int> labels_;
  std::vector<double> s_cache_;
  double partial_ = 0.0;
  Point point_;
  std::vector<double> cell_h_, cell_p_, cell_dp_;
  Outcome outcome_;
};

// Local search: moves a symbol to another cell, or swaps two symbols of
// different cells, while that lowers the cost (first improvement).
double improve(const Instance& in, std::vector<int>& labels, std::uint64_t& solves) {
  std::vector<std::vector<int>> cells(in.K);
  for (std::size_t t = 0; t < in.n; ++t) cells[labels[t]].push_back(static_cast<int>(t));
  std::vector<double> cost(in.K);
  for (std::size_t j = 0; j < in.K; ++j) cost[j] = solve_cell(in, cells[j], nullptr, solves).cost;
  auto without = [](std::vector<int> c, int a) {
    c.erase(std::find(c.begin(), c.end(), a));
    return c;
  };
  auto with = [](std::vector<int> c, int a) {
    c.insert(std::upper_bound(c.begin(), c.end(), a), a);
    return c;
  };
  for (int pass = 0; pass < 100; ++pass) {
    bool improved = false;
    const double total = std::accumulate(cost.begin(), cost.end(), 0.0);
    const double eps = 1e-14 * total;
    // Replaces cells i and j by `ci` and `cj` if that lowers the cost.
    auto accept = [&](std::size_t i, std::vector<int> ci, std::size_t j, std::vector<int> cj) {
      const double ni = solve_cell(in, ci, nullptr, solves).cost;
      const double nj = solve_cell(in, cj, nullptr, solves).cost;
      if (!(ni + nj < cost[i] + cost[j] - eps)) return false;
      cells[i] = std::move(ci);
      cells[j] = std::move(cj);
      cost[i] = ni;
      cost[j] = nj;
      return improved = true;
    };
    for (std::size_t a = 0; a < in.n; ++a) {  // moves
      const auto i = static_cast<std::size_t>(labels[a]);
      if (cells[i].size() < 2) continue;
      for (std::size_t j = 0; j < in.K; ++j) {
        if (j != i && accept(i, without(cells[i], static_cast<int>(a)), j,
                             with(cells[j], static_cast<int>(a)))) {
          labels[a] = static_cast<int>(j);
          break;
        }
      }
    }
    for (std::size_t a = 0; a < in.n; ++a) {  // swaps
      for (std::size_t b = a + 1; b < in.n; ++b) {
        const auto i = static_cast<std::size_t>(labels[a]), j = static_cast<std::size_t>(labels[b]);
        if (i == j || in.r[a] == in.r[b]) continue;
        if (accept(i, with(without(cells[i], static_cast<int>(a)), static_cast<int>(b)), j,
                   with(without(cells[j], static_cast<int>(b)), static_cast<int>(a))))
          std::swap(labels[a], labels[b]);
      }
    }
    if (!improved) break;
  }
  return std::accumulate(cost.begin(), cost.end(), 0.0);
}

// Cells relabelled in order of first appearance (the search's convention).
std::vector<int> canonical(std::vector<int> labels) {
  std::vector<int> map(labels.size() + 1, -1);
  int next = 0;
  for (int& l : labels) {
    if (map[l] < 0) map[l] = next++;
    l = map[l];
  }
  return labels;
}

// The scheme (26) for F (on the original alphabet), as sorted-symbol labels.
std::vector<int> scheme_labels(const Instance& in, const Problem& problem,
                               const std::vector<double>& F) {
  std::vector<int> label_of(problem.size(), 0);
  const auto cells = scheme_partition(F, problem.messages());
  for (std::size_t j = 0; j < cells.size(); ++j)
    for (std::size_t a : cells[j]) label_of[a] = static_cast<int>(j);
  std::vector<int> labels(in.n);
  for (std::size_t t = 0; t < in.n; ++t) labels[t] = label_of[in.symbol[t]];
  return canonical(labels);
}

}  // namespace

void BnbSearch::check_feasible(const Problem&, const ExactOptions&) const {
  // Any size is accepted: limits bound the work, and the result says whether
  // the optimum was certified.
}

ExactResult BnbSearch::search(const Problem& problem, const CellSolver& solver,
                              const ExactOptions& options) const {
  const Stopwatch clock;
  const int threads = resolve_threads(options.threads);
  Instance in = make_instance(problem);
  std::uint64_t solves = 0, nodes = 0;
  std::atomic<bool> stop{false};

  // ---- incumbent: the scheme with F = R and an optimised F, then local search
  std::vector<int> best_labels;
  double upper = kInf;
  if (in.n > in.K) {
    std::vector<std::vector<double>> starts{problem.pmf()};
    starts.push_back(optimise_fx(problem, 2000).F);
    for (const auto& F : starts) {
      std::vector<int> labels = scheme_labels(in, problem, F);
      const double value = improve(in, labels, solves);
      if (value < upper) {
        upper = value;
        best_labels = canonical(labels);
      }
    }
  } else {
    best_labels.resize(in.n);
    std::iota(best_labels.begin(), best_labels.end(), 0);
    upper = 0.0;
  }
  auto report = [&](double lower, const std::string& stage) {
    if (options.progress)
      options.progress("bnb: " + stage + ", d* in [" + fmt(lower) + ", " + fmt(upper) +
                       "] nats, gap " + fmt_short(upper > 0 ? (upper - lower) / upper : 0.0) +
                       ", " + std::to_string(nodes) + " nodes, " + fmt_short(clock.seconds()) +
                       " s");
  };

  double pruned = kInf, unexplored = kInf, root_bound = 0.0;
  set_tail(in, options.rel_gap, upper);
  if (in.n > in.K) {
    // ---- the root bound and the split into subproblems
    // θ starts at the multiplier of the Lagrangian converse.
    std::vector<double> p(in.n), q(in.n);
    const BudgetSolution dual =
        solve_budget(in.r.data(), in.n, in.gamma, static_cast<double>(in.K), p.data(), q.data());
    Search root(in, options, upper, std::isfinite(dual.mu) ? dual.mu : 0.0, clock, stop);
    root_bound = root.bound(0, kInf, nullptr);
    std::vector<std::vector<int>> subproblems;
    std::vector<double> bounds;
    std::size_t depth = 1;
    for (; depth < in.n; ++depth) {
      subproblems.clear();
      bounds.clear();
      Search splitter(in, options, upper, root.x(), clock, stop);
      splitter.split(0, depth, subproblems, bounds);
      pruned = std::min(pruned, splitter.outcome().pruned);
      solves += splitter.outcome().solves;
      if (subproblems.size() >= kSubproblems || subproblems.empty()) break;
    }
    // Most promising first: the subproblem with the least bound is the likeliest
    // to hold the optimum, and a good incumbent early prunes the rest.
    {
      std::vector<std::size_t> order(subproblems.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return bounds[a] < bounds[b]; });
      std::vector<std::vector<int>> sorted_subproblems;
      std::vector<double> sorted_bounds;
      for (std::size_t i : order) {
        sorted_subproblems.push_back(std::move(subproblems[i]));
        sorted_bounds.push_back(bounds[i]);
      }
      subproblems.swap(sorted_subproblems);
      bounds.swap(sorted_bounds);
    }
    report(std::min(root_bound, upper), "root bound and " + std::to_string(subproblems.size()) +
                                            " subproblems at depth " + std::to_string(depth));

    // ---- waves of subproblems, merged in order
    std::size_t next = 0;
    for (; next < subproblems.size(); next += kWave) {
      if (stop) break;
      const std::size_t end = std::min(subproblems.size(), next + kWave);
      std::vector<Outcome> outcomes(end - next);
      const double wave_upper = upper;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
      for (std::size_t i = next; i < end; ++i) {
        Outcome& out = outcomes[i - next];
        const double threshold = wave_upper - options.rel_gap * wave_upper;
        if (bounds[i] >= threshold) {  // pruned by the bound computed at the split
          out.pruned = bounds[i] < wave_upper ? bounds[i] : kInf;
          continue;
        }
        Search search(in, options, wave_upper, root.x(), clock, stop);
        search.replay(subproblems[i]);
        out = search.run(subproblems[i].size(), bounds[i]);
        if (out.aborted) stop = true;
      }
      for (const Outcome& out : outcomes) {
        nodes += out.nodes;
        solves += out.solves;
        pruned = std::min(pruned, out.pruned);
        unexplored = std::min(unexplored, out.unexplored);
        if (out.best < upper) {
          upper = out.best;
          best_labels = out.labels;
        }
      }
      double lower = std::min(pruned, unexplored);
      for (std::size_t i = end; i < subproblems.size(); ++i) lower = std::min(lower, bounds[i]);
      report(std::min(lower, upper), "wave " + std::to_string(next / kWave + 1) + " of " +
                                         std::to_string((subproblems.size() + kWave - 1) / kWave));
      if (options.node_limit > 0 && static_cast<double>(nodes) >= options.node_limit) {
        next = end;
        break;
      }
    }
    for (std::size_t i = next; i < subproblems.size(); ++i)
      unexplored = std::min(unexplored, bounds[i]);
  }

  // ---- the code: sorted labels back to the alphabet; zero-mass symbols join cell 0
  std::vector<std::vector<std::size_t>> blocks(in.K);
  for (std::size_t t = 0; t < in.n; ++t) blocks[best_labels[t]].push_back(in.symbol[t]);
  const std::vector<double>& r = problem.pmf();
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] == 0.0) blocks[0].push_back(a);
  blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                              [](const std::vector<std::size_t>& b) { return b.empty(); }),
               blocks.end());
  ExactResult result;
  SolveStatus status = SolveStatus::converged;
  result.code = make_code(problem, blocks, solver, &status);
  result.value = 0.0;
  for (const focalrd::Cell& c : result.code.cells) result.value += c.distortion;
  result.lower_bound = std::min({result.value, pruned, unexplored});
  result.certified = result.value - result.lower_bound <= options.rel_gap * result.value &&
                     status == SolveStatus::converged;
  result.method = to_string(method());
  result.status = status;
  if (!result.certified)
    result.message = "stopped at a limit: the optimum lies in [" + fmt(result.lower_bound) + ", " +
                     fmt(result.value) + "] nats";
  result.stats.nodes = nodes;
  result.stats.cells_optimised = solves;
  result.stats.threads = threads;
  return result;
}

}  // namespace focalrd::detail
