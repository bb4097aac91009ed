// Codes and the results of the exact search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "focalrd/cell_solver.hpp"
#include "focalrd/status.hpp"

namespace focalrd {

// One message: the symbols sent to it and its reconstruction PMF (on those
// symbols, same order; mass elsewhere is 0).
struct Cell {
  std::vector<std::size_t> symbols;  // ascending, 0-based
  std::vector<double> pmf;
  double distortion = 0.0;  // Σ_{a in cell} R(a) d(a; pmf), eq. (8), in nats
};

// A code (f, g) of eqs. (2)-(3): message m is cells[m].
struct Code {
  std::vector<Cell> cells;
};

// The expected distortion E[d(X; g(f(X)))] of eq. (4), recomputed from the
// code's PMFs (nats). Throws std::invalid_argument if the code is not a
// partition of the alphabet of r.
double code_distortion(const std::vector<double>& r, const Code& code, double gamma);

// Work done by a search.
struct SearchStats {
  double partitions = 0.0;            // complete partitions evaluated (enumeration)
  double transitions = 0.0;           // (state, cell) pairs evaluated (DP)
  std::uint64_t nodes = 0;            // search-tree nodes bounded (branch-and-bound)
  std::uint64_t waves = 0;            // parallel waves of subproblems (branch-and-bound)
  std::uint64_t cells_optimised = 0;  // per-cell solver calls
  double table_bytes = 0.0;           // memory of the cost and value tables
  double table_seconds = 0.0;         // time spent tabulating cell costs
  double wall_seconds = 0.0;
  int threads = 1;
};

struct ExactResult {
  std::size_t n = 0;  // alphabet size
  std::size_t M = 0;  // messages allowed
  double gamma = 0.0;
  double value = 0.0;        // d*(M; γ) in nats when certified: the distortion of `code`
  double lower_bound = 0.0;  // certified interval [lower_bound, value] holding d*
  Status status = Status::certified;
  bool certified = true;  // status == certified: value is d* within the requested gap
  Code code;
  std::string method;  // search strategy used
  CellSolverType cell_solver = CellSolverType::kkt;
  SolveStatus cell_status = SolveStatus::converged;  // worst status of any cell solve
  std::string message;  // why the result is not certified, when it is not
  SearchStats stats;
};

}  // namespace focalrd
