// Branch-and-bound, part 3: the depth-first search below one open node.
//
// Branching: the next symbol joins each open cell, or opens a new one; a
// symbol equal in mass to its predecessor never goes to an earlier cell
// (swapping two equal symbols gives the same cost). Children are visited in
// order of their bounds, each bounded at the parent's θ in O(1). Pruning:
// the Lagrangian bound (node_bound.hpp) and monotonicity (a cell's cost
// only grows as symbols join it). Tail closure: past the light tail a node is
// completed greedily when its bound proves the rest harmless.
//
// A search stops after a node budget, which makes it deterministic, or when
// the run is stopped; it then returns every node it left unexplored, in
// depth-first order, each with a valid lower bound on its subtree. It also
// leaves open every node kMaxDepth symbols below its own: each level of the
// recursion takes about 4 KB of stack, and a search that dove through 10^5
// symbols overflowed a thread's 8 MB (found by the timed robustness test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bnb/instance.hpp"
#include "bnb/node_bound.hpp"
#include "detail/control.hpp"

namespace focalrd::bnb {

constexpr std::size_t kMaxDepth = 256;  // levels a search goes below its node

// A node: the cells of the first labels.size() sorted symbols (in order of
// opening), and a lower bound on every completion.
struct OpenNode {
  std::vector<int> labels;
  double bound = 0.0;
};

struct TaskResult {
  double best = kInf;       // best complete assignment found below the starting upper bound
  std::vector<int> labels;  // its cells
  double pruned = kInf;     // least bound of a node pruned within the gap (below the upper bound)
  std::vector<OpenNode> open;  // left unexplored, in depth-first order
  std::uint64_t nodes = 0, solves = 0;
  bool stopped = false;  // by the run control, not by the budget
};

class Subtree {
 public:
  // x0: ln θ to start each node's bound from (the root's optimum).
  Subtree(const Instance& in, double rel_gap, const detail::Control& control, double x0);

  // Searches below `node` with incumbent value `upper`, for at most `budget` nodes.
  TaskResult run(const OpenNode& node, double upper, std::uint64_t budget);

  // The Lagrangian bound of the root (no symbol placed), and its ln θ.
  double root_bound();
  double x() const { return bound_.x(); }

 private:
  struct Undo {
    std::size_t cell;
    CellValue value;
    double cost;
  };

  double threshold() const { return upper_ - rel_gap_ * upper_; }
  void prune(double bound) {
    if (bound < upper_) out_.pruned = std::min(out_.pruned, bound);
  }
  void reset();
  // A joined cell solved ahead (solve_pair): its value and logits.
  struct Joined {
    CellValue value;
    std::vector<double> logits;
  };
  // `start`: a starting logit for t's solve in cell j, if known (NaN if not);
  // `joined`: that solve, if done already.
  Undo place(std::size_t t, std::size_t j, double start = kNaN, const Joined* joined = nullptr);
  // The cells j1 and j2 with t joined, solved together (kkt_cell_pair).
  void solve_pair(std::size_t t, std::size_t j1, double start1, std::size_t j2, double start2,
                  Joined& first, Joined& second);
  void unplace(std::size_t t, const Undo& undo);
  void dfs(std::size_t t, double parent_lb, const NodeBound::Point* start);
  bool close_with_tail(std::size_t t, double lb);
  void leaf(std::size_t t);
  // Records the node made of the first t labels (and cell j for symbol t, if
  // j >= 0) as open, with `bound`.
  void emit(std::size_t t, int j, double bound);

  const Instance& in_;
  const double rel_gap_;
  const detail::Control& control_;
  const double x0_;
  Partial node_;
  std::vector<std::vector<double>> saved_logits_;  // per depth t: the cell's logits before t joined
  NodeBound bound_;
  double upper_ = kInf;
  std::uint64_t budget_ = 0;
  std::size_t depth_limit_ = 0;  // the node's depth + kMaxDepth
  bool halted_ = false;
  TaskResult out_;
};

}  // namespace focalrd::bnb
