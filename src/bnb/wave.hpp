// Branch-and-bound, the searches of one wave as a unit of work (part 4's
// driver builds it; ExactOptions::wave_runner may run it elsewhere): each
// task searches below one open node from the wave's incumbent value for at
// most `budget` nodes (Subtree::run), and its result depends on nothing
// else, so any runner that fills `results[i]` from `nodes[i]` gives the
// result of the threads.
#pragma once

#include <cstdint>
#include <vector>

#include "bnb/instance.hpp"
#include "bnb/subtree.hpp"
#include "detail/control.hpp"

namespace focalrd::detail {

struct WaveTasks {
  const Control& control;  // the search's: its limits bound every task
  const bnb::Instance& in;
  double rel_gap = 0.0;
  double x = 0.0;  // ln θ each search's bound starts from
  const std::vector<bnb::OpenNode>& nodes;
  double upper = 0.0;
  std::uint64_t budget = 0;
  std::vector<bnb::TaskResult>& results;  // one per node, filled by the runner
};

}  // namespace focalrd::detail
