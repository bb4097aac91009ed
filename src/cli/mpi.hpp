// focalrd over MPI ranks (README, "Over MPI ranks"): sweeps and datasets,
// whose points rank 0 hands out one at a time to the other ranks as they
// finish and writes in grid order, and branch-and-bound, whose waves' searches
// it hands out the same way; the output is the one-process run's (byte for
// byte apart from timing fields) for any number of ranks.
#pragma once

#include <functional>
#include <vector>

#include "detail/records.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/search.hpp"
#include "focalrd/sweep.hpp"

namespace focalrd::cli {

// MPI, started only where a launcher (mpirun, srun) started this process: its
// environment names the job; else one process and no MPI at all, so the same
// binary runs alone at no cost. Finalises MPI on destruction.
class Ranks {
 public:
  Ranks(int* argc, char*** argv);
  ~Ranks();
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // More than one rank: a distributed run.
  bool distributed() const { return size_ > 1; }
  // Started by a launcher with more than one process, in a build without MPI.
  bool launched_without_mpi() const { return launched_without_mpi_; }
  // Over more than one rank, ends every rank with exit status `code`
  // (MPI_Abort); else returns.
  void abort(int code) const;

 private:
  int rank_ = 0, size_ = 1;
  bool initialised_ = false, launched_without_mpi_ = false;
};

// What rank 0 saw of a distributed run: its wall time, the messages it
// received and sent, and per worker rank (index rank - 1) the points it
// finished and the seconds it spent evaluating them (the rest is idle:
// waiting for its next point, or for the run to end).
struct DistributionStats {
  double seconds = 0.0;
  std::size_t messages = 0;
  std::vector<std::size_t> points;
  std::vector<double> busy_seconds;
};

// The points over the ranks (at least two): rank 0 coordinates (it computes
// nothing) and each other rank evaluates the points it is handed, one at a
// time with the sweep's per-point threads, under the run's limits. Rank 0
// passes each finished point's `row` to `emit` in grid order and returns
// every point with its done flag, status and exact note (the rest of its
// result is not sent); the other ranks return nothing. Points marked in
// `skip` are not handed out. With `workers` > 0, only ranks 1..workers get
// points (a baseline for the bench); `stats`, where given, is filled on rank 0.
std::vector<SweepPoint> distribute_points(
    const Ranks& ranks, const std::vector<Problem>& problems, const SweepOptions& options,
    const std::vector<char>& skip, const std::function<detail::Record(const SweepPoint&)>& row,
    const std::function<void(const detail::Record&)>& emit, int workers = 0,
    DistributionStats* stats = nullptr);

// Branch-and-bound over ranks (exact --method bnb under mpirun): rank 0 runs
// the search and hands each wave's searches (bnb/wave.hpp) to ranks 1..N-1
// as they finish; a search's result depends on its task alone, so the value,
// code and node count are those of one process. wave_runner_over gives rank
// 0's runner; the other ranks call bnb_worker, which returns when rank 0
// calls end_bnb_workers after its search.
// With `workers` > 0 only ranks 1..workers get searches (the bench's
// baseline); `stats` counts messages, tasks and busy seconds per worker.
std::function<void(detail::WaveTasks&)> wave_runner_over(const Ranks& ranks, int workers = 0,
                                                         DistributionStats* stats = nullptr);
void bnb_worker(const Ranks& ranks, const Problem& problem, const ExactOptions& options);
void end_bnb_workers(const Ranks& ranks);

// focalrd bench --ranks (under mpirun with N >= 2 ranks): a fixed sweep of
// exact points and a branch-and-bound (smaller with `quick`), each with one
// worker rank, then with all N - 1, on rank 0: seconds,
// speed-up, points and messages per second, and each worker's idle fraction.
int run_rank_bench(const Ranks& ranks, bool quick, bool json, std::ostream& out);

}  // namespace focalrd::cli
