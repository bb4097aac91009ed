// focalrd bench: timings of the exact strategies on a fixed suite.
#pragma once

#include <ostream>
#include <string>

namespace focalrd::cli {

struct BenchRequest {
  bool quick = false;         // the seconds-long suite, for smoke tests
  bool json = false;          // JSON instead of a table
  bool single_thread = true;  // also time each solve on one thread
  bool progress = true;       // a line on stderr per solve
  int threads = 0;            // 0: all
  double time_limit = 600.0;  // per branch-and-bound solve, seconds
  std::string json_path;      // also write the JSON here (empty: no)
  std::string compare_path;   // an earlier bench JSON file: speed-ups against it (empty: no)
  double reach_seconds = 0.0;  // > 0: only the reach table (largest n certified in this time)
  double reach_rel_gap = 1e-12;  // the certificate's relative gap in the reach table
  bool ranks = false;            // only the sweep over MPI ranks (cli/mpi.hpp: run_rank_bench)
};

// Runs the suite and prints the figures; returns the exit status.
int run_bench(const BenchRequest& request, std::ostream& out);

}  // namespace focalrd::cli
