// The scheme (26)-(28) with F = R for a source given as runs of equal masses
// (the type classes of an n-letter block), without listing its symbols.
//
// (26) gives the first M symbols (by mass, descending) a message each, and
// then each later symbol to the least loaded message (lowest message on
// ties). For c symbols of one mass r this picks, one at a time, the least of
// the keys (L_m + j r, m) over messages m and j >= 0 (L_m the load before the
// run): a k-way merge, so the run's symbols go to the c least keys. Messages
// with equal load and equal history form a group (a range of message
// indices); each run is placed in bulk: the key value W at which the count
// of keys below W passes c is found by bisection, every group takes its keys
// below W, and the rest go to the groups whose next key is W, lowest message
// first (splitting at most one group). So a run costs O(groups) per
// bisection step and adds at most one group.
//
// (28) is then Σ over groups of |group| Σ_{(run, k) in its cells} k r
// (1 - r/L)^γ ln(L/r), L the group's final load, 1 - r/L from the other
// members' mass where r dominates (loads are kept as double-doubles).
#include "detail/scheme_by_runs.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "detail/sum.hpp"

namespace focalrd::detail {

namespace {

// An unevaluated sum hi + lo (TwoSum), for loads whose 1 - r/L matters.
struct Wide {
  double hi = 0.0, lo = 0.0;
  void add(double x) {
    const double s = hi + x, bb = s - hi;
    lo += (hi - (s - bb)) + (x - bb);
    hi = s;
  }
  double value() const { return hi + lo; }
};

struct Node {  // one entry of a group's history: k symbols of run `run`
  std::size_t run;
  double k;
  int parent;
};

struct Group {
  Wide load;
  double size = 0.0;   // messages
  double first = 0.0;  // index of its first message (ties go to lower indices)
  int history = -1;    // last Node
};

}  // namespace

double achievability_28_of_runs(const std::vector<MassRun>& runs, double M, double gamma) {
  std::vector<Node> nodes;
  std::vector<Group> groups;
  double total = 0.0;
  for (const MassRun& r : runs) total += r.count;
  if (total <= M) return 0.0;  // a message per symbol: point masses, loss 0
  // (26a): the first M symbols, each its own message.
  std::size_t i = 0;
  double left = M, index = 0.0, pending = 0.0;  // `pending`: run i's symbols not yet placed
  for (; left > 0.0 && i < runs.size(); ++i) {
    const double c = std::min(runs[i].count, left);
    nodes.push_back({i, 1.0, -1});
    Group g;
    g.load.add(runs[i].mass);
    g.size = c;
    g.first = index;
    g.history = static_cast<int>(nodes.size()) - 1;
    groups.push_back(g);
    index += c;
    left -= c;
    if (c < runs[i].count) {
      pending = runs[i].count - c;
      break;
    }
  }
  // (26b): every later run in bulk, from the rest of run i.
  const std::size_t start = i;
  std::vector<double> below;
  for (std::size_t run = start; run < runs.size(); ++run) {
    const double r = runs[run].mass;
    const double c = run == start && pending > 0.0 ? pending : runs[run].count;
    // Keys of group g below W: j >= 0 with L_g + j r < W (checked in doubles).
    auto keys_below = [&](const Group& g, double W) {
      const double L = g.load.value();
      if (!(W > L)) return 0.0;
      // ceil((W - L) / r), moved by a step or two to agree with the keys as
      // computed (L + j r in doubles; where r is below L's rounding they
      // do not move, and the quotient stands).
      double j = std::ceil((W - L) / r);
      for (int step = 0; step < 2 && j > 0.0 && L + (j - 1.0) * r >= W; ++step) j -= 1.0;
      for (int step = 0; step < 2 && L + j * r < W; ++step) j += 1.0;
      return j;
    };
    auto count_below = [&](double W) {
      double n = 0.0;
      for (const Group& g : groups) n += g.size * keys_below(g, W);
      return n;
    };
    double lo = std::numeric_limits<double>::infinity(), high = 0.0, messages = 0.0;
    for (const Group& g : groups) {
      lo = std::min(lo, g.load.value());
      high = std::max(high, g.load.value());
      messages += g.size;
    }
    double hi = high + r * (c / messages + 2.0);  // every group has more than c / messages keys below
    for (int it = 0; it < 4000; ++it) {  // lo: at most c keys below; hi: more than c
      const double mid = 0.5 * (lo + hi);
      if (!(mid > lo && mid < hi)) break;
      (count_below(mid) <= c ? lo : hi) = mid;
    }
    // Every group takes its keys below lo; the rest go to the least next keys
    // (those equal to lo), lowest message first. Every symbol is placed: the
    // order by next key holds even where rounding blurs "equal to lo" (a
    // symbol left out would lower (28); one too many only raises it).
    double rest = c;
    below.assign(groups.size(), 0.0);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      below[g] = keys_below(groups[g], lo);
      rest -= groups[g].size * below[g];
    }
    if (rest >= messages) {  // only if the bisection fell short: whole rounds first
      const double rounds = std::floor(rest / messages);
      for (std::size_t g = 0; g < groups.size(); ++g) below[g] += rounds;
      rest -= rounds * messages;
    }
    std::vector<double> extra(groups.size(), 0.0);
    if (rest > 0.0) {
      std::vector<std::size_t> order(groups.size());
      for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
      auto next_key = [&](std::size_t g) { return groups[g].load.value() + below[g] * r; };
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return next_key(a) < next_key(b) || (next_key(a) == next_key(b) && groups[a].first < groups[b].first);
      });
      for (std::size_t g : order) {
        if (rest <= 0.0) break;
        extra[g] = std::min(rest, groups[g].size);
        rest -= extra[g];
      }
    }
    const std::size_t before = groups.size();
    for (std::size_t g = 0; g < before; ++g) {
      if (extra[g] > 0.0 && extra[g] < groups[g].size) {  // split: the first extra[g] get one more
        Group tail = groups[g];
        tail.first += extra[g];
        tail.size -= extra[g];
        groups[g].size = extra[g];
        if (below[g] > 0.0) {
          nodes.push_back({run, below[g], tail.history});
          tail.history = static_cast<int>(nodes.size()) - 1;
          tail.load.add(below[g] * r);
          tail.load.add(std::fma(below[g], r, -(below[g] * r)));
        }
        groups.push_back(tail);
      }
      const double k = below[g] + (extra[g] > 0.0 ? 1.0 : 0.0);
      if (k > 0.0) {
        nodes.push_back({run, k, groups[g].history});
        groups[g].history = static_cast<int>(nodes.size()) - 1;
        groups[g].load.add(k * r);
        groups[g].load.add(std::fma(k, r, -(k * r)));  // k r exactly, as hi + lo
      }
    }
  }
  // (28): each group's cell, all its messages alike.
  CompensatedSum sum;
  for (const Group& g : groups) {
    const double L = g.load.value();
    CompensatedSum cell;
    for (int at = g.history; at >= 0; at = nodes[at].parent) {
      const Node& e = nodes[at];
      const double r = runs[e.run].mass;
      // 1 - r/L, and ln(L/r) = ln(1 + others/r), others = L - r.
      const double others = r > 0.5 * L ? (g.load.hi - r) + g.load.lo : L - r;
      const double q = others / L;
      const double log_term = std::log1p(others / r);
      cell.add(e.k * r * (gamma == 0.0 ? 1.0 : std::pow(q, gamma)) * log_term);
    }
    sum.add(g.size * cell.value());
  }
  return sum.value();
}

}  // namespace focalrd::detail
