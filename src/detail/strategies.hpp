// The search strategies behind SearchStrategy::create, and what they share.
#pragma once

#include <cstdint>
#include <vector>

#include "focalrd/search.hpp"

namespace focalrd::detail {

// Plain exhaustive enumeration: the simple reference the others are tested against.
class EnumerateSearch final : public SearchStrategy {
 public:
  SearchMethod method() const override { return SearchMethod::enumerate; }
  void check_feasible(const Problem& problem, const ExactOptions& options) const override;
  ExactResult search(const Problem& problem, const CellSolver& solver,
                     const ExactOptions& options) const override;
};

// The code whose cells are the given blocks (bit masks over the alphabet),
// each with its optimal PMF from `solver`; records the worst solver status.
Code make_code(const Problem& problem, const std::vector<std::uint64_t>& blocks,
               const CellSolver& solver, SolveStatus* worst);

}  // namespace focalrd::detail
