// The scheme (26)-(28) with F = R over runs of equal masses (n-letter blocks
// by types, nletter.hpp): eq. (28) in nats, 0 when the runs hold at most M
// symbols. M and the counts are doubles: exact below 2^53, beyond that the
// partition is the greedy's to the rounding of its counts.
#pragma once

#include <vector>

#include "focalrd/excess.hpp"  // MassRun

namespace focalrd::detail {

double achievability_28_of_runs(const std::vector<MassRun>& runs, double M, double gamma);

}  // namespace focalrd::detail
