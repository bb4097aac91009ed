#include "detail/cell_table.hpp"

#include <algorithm>
#include <atomic>
#include <limits>

#include "detail/small_buffer.hpp"

namespace focalrd::detail {

double solve_mask(const std::vector<double>& r, double gamma, const CellSolver& solver,
                  std::uint64_t mask, SolveStatus* status) {
  SmallBuffer<double> masses(64);
  std::size_t k = 0;
  for (std::uint64_t m = mask; m; m &= m - 1) masses[k++] = r[__builtin_ctzll(m)];
  const CellSolution s = solver.solve(masses.data(), k, gamma, nullptr);
  if (status) *status = s.status;
  return s.cost;
}

std::uint64_t reverse_mask(std::uint64_t mask, std::size_t n) {
  std::uint64_t out = 0;
  for (; mask; mask &= mask - 1) out |= std::uint64_t{1} << (n - 1 - __builtin_ctzll(mask));
  return out;
}

CellTable::CellTable(const std::vector<double>& r, double gamma, const CellSolver& solver,
                     std::size_t max_size, int threads, const Control& control, MaskOrder order)
    : cost_(std::size_t{1} << r.size(), std::numeric_limits<double>::infinity()) {
  const std::int64_t count = static_cast<std::int64_t>(cost_.size());
  cost_[0] = 0.0;
  std::uint64_t solves = 0;
  int worst = static_cast<int>(SolveStatus::converged);
  std::atomic<bool> stopped{false};
#pragma omp parallel num_threads(threads) reduction(+ : solves) reduction(max : worst)
  {
    Poll poll(control, 256);
#pragma omp for schedule(dynamic, 256)
    for (std::int64_t m = 1; m < count; ++m) {
      if (stopped.load(std::memory_order_relaxed)) continue;
      if (poll.stop()) {
        stopped = true;
        continue;
      }
      const auto mask = static_cast<std::uint64_t>(m);
      if (static_cast<std::size_t>(__builtin_popcountll(mask)) > max_size) continue;
      SolveStatus status = SolveStatus::converged;
      cost_[m] = solve_mask(r, gamma, solver,
                            order == MaskOrder::natural ? mask : reverse_mask(mask, r.size()),
                            &status);
      solves += (mask & (mask - 1)) != 0;  // singletons cost 0 without solving
      worst = std::max(worst, static_cast<int>(status));
    }
  }
  solves_ = solves;
  worst_ = static_cast<SolveStatus>(worst);
  stopped_ = stopped;
}

}  // namespace focalrd::detail
