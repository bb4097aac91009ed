// Optimal costs c(S) of cells S given as bit masks over the alphabet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "detail/aligned.hpp"
#include "detail/control.hpp"
#include "focalrd/cell_solver.hpp"

namespace focalrd::detail {

// c(S) for one mask, solved on the spot: gathers the masses of S's symbols.
double solve_mask(const std::vector<double>& r, double gamma, const CellSolver& solver,
                  std::uint64_t mask, SolveStatus* status);

// Bit i of a table's mask stands for symbol i (natural) or n - 1 - i (reversed).
enum class MaskOrder { natural, reversed };

// The mask of the same symbols in the other order (the lowest n bits reversed).
std::uint64_t reverse_mask(std::uint64_t mask, std::size_t n);

// The dense table of c(S) for every S with at most max_size symbols (others
// hold +inf), filled in parallel. Memory: 8 * 2^n bytes. Polls `control`:
// once it says stop, the table is incomplete (stopped() is true). Either
// order gives bit-identical costs: a cell's masses go to the solver in the
// symbols' order.
class CellTable {
 public:
  CellTable(const std::vector<double>& r, double gamma, const CellSolver& solver,
            std::size_t max_size, int threads, const Control& control,
            MaskOrder order = MaskOrder::natural);
  bool stopped() const { return stopped_; }
  double operator[](std::uint64_t mask) const { return cost_[mask]; }
  const double* data() const { return cost_.data(); }
  std::uint64_t solves() const { return solves_; }
  SolveStatus worst_status() const { return worst_; }
  static double bytes(std::size_t n) { return 8.0 * static_cast<double>(std::uint64_t{1} << n); }

 private:
  AlignedDoubles cost_;
  std::uint64_t solves_ = 0;
  SolveStatus worst_ = SolveStatus::converged;
  bool stopped_ = false;
};

// The worse of two statuses (converged < iteration_limit < failed).
inline SolveStatus worse(SolveStatus a, SolveStatus b) { return a > b ? a : b; }

}  // namespace focalrd::detail
