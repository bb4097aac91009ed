// NLopt, wrapped once: runs an optimisation and turns NLopt's result codes and
// exceptions into a SolveStatus (pagmo2 does the same in algorithms/nlopt.cpp).
#pragma once

#include <nlopt.hpp>
#include <string>
#include <vector>

#include "focalrd/cell_solver.hpp"

namespace focalrd::detail {

struct NloptOutcome {
  SolveStatus status = SolveStatus::failed;
  double value = 0.0;  // objective at x on return
  std::string message;
};

// On return x holds the best point NLopt found. Meaning of each outcome:
//  - success, ftol/xtol/stopval reached: converged;
//  - roundoff_limited: progress stopped at the level of rounding errors, which
//    with our tolerances (tol::kNloptFtolRel) is convergence: converged;
//  - maxeval/maxtime reached: iteration_limit (the best point is returned);
//  - generic failure with a finite best value: iteration_limit, with the message;
//  - forced_stop, invalid arguments, out of memory, non-finite value: failed.
// focalrd's objectives do not throw; NLopt would map an exception from an
// objective onto one of the codes above (nlopt.hpp catches it and forces a stop).
NloptOutcome run_nlopt(nlopt::opt& opt, std::vector<double>& x);

}  // namespace focalrd::detail
