#include "cli/mpi.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#ifdef FOCALRD_HAVE_MPI
#include <mpi.h>
#endif

#include "bnb/instance.hpp"
#include "bnb/subtree.hpp"
#include "bnb/wave.hpp"
#include "detail/control.hpp"
#include "detail/format.hpp"
#include "detail/json.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/report.hpp"
#include "focalrd/status.hpp"

namespace focalrd::cli {

namespace {

// The launcher's world size from the environment (OpenMPI, then PMI as set
// by MPICH's hydra and by Slurm); 0 where none is named.
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return std::getenv("PMIX_RANK") ? 1 : 0;  // PMIx names no size: MPI_Init tells
}

#ifndef FOCALRD_HAVE_MPI
int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}
#endif

}  // namespace

Ranks::Ranks([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
  const int launched = launcher_size();
  if (launched == 0) return;
#ifdef FOCALRD_HAVE_MPI
  int provided = 0;
  // Only the main thread calls MPI; OpenMP threads compute.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#else
  rank_ = launcher_rank();
  launched_without_mpi_ = launched > 1;
#endif
}

void Ranks::abort([[maybe_unused]] int code) const {
#ifdef FOCALRD_HAVE_MPI
  if (initialised_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
}

Ranks::~Ranks() {
#ifdef FOCALRD_HAVE_MPI
  if (initialised_) MPI_Finalize();
#endif
}

#ifndef FOCALRD_HAVE_MPI

std::vector<SweepPoint> distribute_points(const Ranks&, const std::vector<Problem>&,
                                          const SweepOptions&, const std::vector<char>&,
                                          const std::function<detail::Record(const SweepPoint&)>&,
                                          const std::function<void(const detail::Record&)>&, int,
                                          DistributionStats*) {
  throw std::logic_error("distribute_points: this focalrd was built without MPI");
}

int run_rank_bench(const Ranks&, bool, bool, std::ostream&) {
  throw invalid_input("bench --ranks: this focalrd was built without MPI");
}

std::function<void(detail::WaveTasks&)> wave_runner_over(const Ranks&) {
  throw std::logic_error("wave_runner_over: this focalrd was built without MPI");
}
void bnb_worker(const Ranks&, const Problem&, const ExactOptions&) {
  throw std::logic_error("bnb_worker: this focalrd was built without MPI");
}
void end_bnb_workers(const Ranks&) {}

#else

namespace {

constexpr int kTagReport = 1;  // worker -> rank 0: a finished point (or the first hello)
constexpr int kTagOrder = 2;   // rank 0 -> worker: the next point, or kStop
constexpr std::uint64_t kStop = UINT64_MAX;
constexpr int kTagTask = 3;    // rank 0 -> worker: a branch-and-bound search, or the end
constexpr int kTagResult = 4;  // worker -> rank 0: its result

// Waits for a message with `tag` from `source` and returns its status,
// polling gently (a rank may share a core with a worker): sleeps from 10 us,
// doubling to 1 ms while none comes, calling `idle` between polls.
MPI_Status await(int source, int tag, const std::function<void()>& idle = {}) {
  std::chrono::microseconds nap(10);
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(source, tag, MPI_COMM_WORLD, &arrived, &status);
    if (arrived) return status;
    if (idle) idle();
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(1000));
  }
}

// Receives the message `status` announced, as bytes.
std::string receive(const MPI_Status& status) {
  int bytes = 0;
  MPI_Get_count(&status, MPI_BYTE, &bytes);
  std::string buffer(static_cast<std::size_t>(bytes), '\0');
  MPI_Recv(buffer.data(), bytes, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return buffer;
}

void send_bytes(const std::string& bytes, int rank, int tag) {
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, rank, tag, MPI_COMM_WORLD);
}

// A worker's report, itself a record: the point, whether it finished, its
// status and note, its row's bytes, or the failure that stopped it.
struct Report {
  std::uint64_t index = kStop;  // kStop: the hello before the first point
  double busy = 0.0;            // seconds this worker has spent on points so far
  bool done = false;
  Status status = Status::certified;
  std::string note, row, failure;
};

std::string encode(const Report& r) {
  detail::Record rec;
  rec.add("index", static_cast<long long>(r.index)).add("done", r.done);
  rec.add("status", static_cast<long long>(r.status)).add("note", r.note);
  rec.add("row", r.row).add("failure", r.failure).add("busy", r.busy);
  return detail::encode_record(rec);
}

Report decode(const std::string& bytes) {
  const detail::Record rec = detail::decode_record(bytes);
  if (rec.fields.size() != 7) throw std::runtime_error("a malformed report from a rank");
  Report r;
  r.index = static_cast<std::uint64_t>(std::get<long long>(rec.fields[0].second));
  r.done = std::get<bool>(rec.fields[1].second);
  r.status = static_cast<Status>(std::get<long long>(rec.fields[2].second));
  r.note = std::get<std::string>(rec.fields[3].second);
  r.row = std::get<std::string>(rec.fields[4].second);
  r.failure = std::get<std::string>(rec.fields[5].second);
  r.busy = std::get<double>(rec.fields[6].second);
  return r;
}

void send_report(const Report& r) { send_bytes(encode(r), 0, kTagReport); }

void send_order(int worker, std::uint64_t index) {
  MPI_Send(&index, 1, MPI_UINT64_T, worker, kTagOrder, MPI_COMM_WORLD);
}

// A worker: hello, then each point it is handed, until it is told to stop.
void work(const std::vector<Problem>& problems, const SweepOptions& options,
          const std::function<detail::Record(const SweepPoint&)>& row) {
  const auto start = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  Report report;
  double busy = 0.0;
  for (;;) {
    report.busy = busy;
    send_report(report);
    std::uint64_t index = kStop;
    (void)await(0, kTagOrder);
    MPI_Recv(&index, 1, MPI_UINT64_T, 0, kTagOrder, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (index == kStop || index >= problems.size()) return;
    report = Report{};
    report.index = index;
    // The point alone, under what is left of the run's time.
    SweepOptions one = options;
    one.on_point = nullptr;
    one.threads = options.point_threads;
    if (options.limits.time_limit_seconds > 0.0) {
      one.limits.time_limit_seconds = options.limits.time_limit_seconds - since(start);
      if (one.limits.time_limit_seconds <= 0.0) continue;  // not done
    }
    one.limits.progress = nullptr;
    const auto began = std::chrono::steady_clock::now();
    struct Busy {  // counts the point's time however it ends
      double& total;
      std::chrono::steady_clock::time_point began;
      ~Busy() {
        total += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      }
    } counted{busy, began};
    try {
      std::vector<SweepPoint> points = run_points({problems[index]}, one);
      SweepPoint& p = points.at(0);
      p.index = index;
      if (!p.done) continue;
      report.done = true;
      report.status = p.result.status;
      report.note = p.result.exact_note;
      report.row = detail::encode_record(row(p));
    } catch (const std::exception& e) {
      report.failure = e.what();
    }
  }
}

}  // namespace

std::vector<SweepPoint> distribute_points(
    const Ranks& ranks, const std::vector<Problem>& problems, const SweepOptions& options,
    const std::vector<char>& skip, const std::function<detail::Record(const SweepPoint&)>& row,
    const std::function<void(const detail::Record&)>& emit, int workers, DistributionStats* stats) {
  if (ranks.rank() != 0) {
    work(problems, options, row);
    return {};
  }
  const std::size_t total = problems.size();
  std::vector<SweepPoint> points;
  for (std::size_t i = 0; i < total; ++i)
    points.push_back(SweepPoint{
        i, static_cast<long long>(problems[i].messages()), problems[i].gamma(), false, {}});
  std::vector<std::string> rows(total);
  auto skipped = [&](std::size_t i) { return i < skip.size() && skip[i]; };
  const auto start = std::chrono::steady_clock::now();
  const detail::Control control(options.limits);
  std::size_t next = 0, next_out = 0, finished = 0, messages = 0;
  std::vector<std::size_t> worker_points(static_cast<std::size_t>(ranks.size() - 1), 0);
  std::vector<double> worker_busy(worker_points.size(), 0.0);
  std::string failure;
  // Rows in grid order, as far as they are contiguous.
  auto emit_ready = [&] {
    while (next_out < total && (points[next_out].done || skipped(next_out))) {
      if (points[next_out].done) emit(detail::decode_record(rows[next_out]));
      rows[next_out].clear();
      ++next_out;
    }
  };
  emit_ready();
  int working = ranks.size() - 1;
  while (working > 0) {
    const MPI_Status status = await(MPI_ANY_SOURCE, kTagReport, [&] { (void)control.stop(); });
    const Report report = decode(receive(status));
    const auto w = static_cast<std::size_t>(status.MPI_SOURCE - 1);
    worker_busy[w] = report.busy;
    messages += 2;  // the report and the order that answers it
    if (!report.failure.empty() && failure.empty()) failure = report.failure;
    if (report.index < total && report.done) {
      SweepPoint& p = points[report.index];
      p.done = true;
      p.result.status = report.status;
      p.result.exact_note = report.note;
      rows[report.index] = report.row;
      ++finished;
      ++worker_points[w];
      Progress progress;
      progress.phase = "point " + std::to_string(report.index + 1) + " of " + std::to_string(total);
      progress.done = static_cast<double>(finished);
      progress.total = static_cast<double>(total);
      control.report(progress, false);
      emit_ready();
    }
    while (next < total && skipped(next)) ++next;
    const bool serves = workers <= 0 || status.MPI_SOURCE <= workers;
    if (serves && next < total && failure.empty() && !control.stop()) {
      send_order(status.MPI_SOURCE, next++);
    } else {
      send_order(status.MPI_SOURCE, kStop);
      --working;
    }
  }
  if (stats)
    *stats = {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              messages, worker_points, worker_busy};
  if (!failure.empty()) throw std::runtime_error(failure);
  // After a stop: every finished point still held, in order, past the gaps.
  for (; next_out < total; ++next_out)
    if (points[next_out].done) emit(detail::decode_record(rows[next_out]));
  return points;
}

// ---- branch-and-bound over ranks

namespace {

std::vector<double> as_reals(const std::vector<int>& labels) {
  return std::vector<double>(labels.begin(), labels.end());
}

std::vector<int> as_labels(const std::vector<double>& reals) {
  return std::vector<int>(reals.begin(), reals.end());
}

template <typename T>
const T& field(const detail::Record& rec, std::size_t i) {
  return std::get<T>(rec.fields.at(i).second);
}

// A task: the search below `node` (or, with `end`, the end of the search),
// with what the worker's instance needs from rank 0.
std::string encode_task(const detail::WaveTasks* w, const bnb::OpenNode* node) {
  detail::Record rec;
  rec.add("end", w == nullptr);
  if (w) {
    rec.add("tail", static_cast<long long>(w->in.tail)).add("rel_gap", w->rel_gap).add("x", w->x);
    // The time the search has left (0: no limit), 50 ms more: rank 0's
    // limit comes first, so a task its limit stopped finds it passed there.
    const double limit =
        w->control.has_deadline() ? std::max(1e-3, w->control.seconds_left() + 0.05) : 0.0;
    rec.add("seconds", limit);
    rec.add("upper", w->upper).add("budget", static_cast<long long>(w->budget));
    rec.add("bound", node->bound).add("labels", as_reals(node->labels));
  }
  return detail::encode_record(rec);
}

std::string encode_result(const bnb::TaskResult& r, const std::string& failure) {
  std::vector<double> bounds, lengths, labels;
  for (const bnb::OpenNode& node : r.open) {
    bounds.push_back(node.bound);
    lengths.push_back(static_cast<double>(node.labels.size()));
    labels.insert(labels.end(), node.labels.begin(), node.labels.end());
  }
  detail::Record rec;
  rec.add("best", r.best).add("labels", as_reals(r.labels)).add("pruned", r.pruned);
  rec.add("bounds", bounds).add("lengths", lengths).add("open_labels", labels);
  rec.add("nodes", static_cast<long long>(r.nodes)).add("solves", static_cast<long long>(r.solves));
  rec.add("stopped", r.stopped).add("failure", failure);
  return detail::encode_record(rec);
}

bnb::TaskResult decode_result(const std::string& bytes) {
  const detail::Record rec = detail::decode_record(bytes);
  if (const std::string& failure = field<std::string>(rec, 9); !failure.empty())
    throw std::runtime_error(failure);
  bnb::TaskResult r;
  r.best = field<double>(rec, 0);
  r.labels = as_labels(field<std::vector<double> >(rec, 1));
  r.pruned = field<double>(rec, 2);
  const auto& bounds = field<std::vector<double> >(rec, 3);
  const auto& lengths = field<std::vector<double> >(rec, 4);
  const auto& labels = field<std::vector<double> >(rec, 5);
  std::size_t at = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const auto n = static_cast<std::size_t>(lengths.at(i));
    if (n > labels.size() - at) throw std::runtime_error("a malformed search result from a rank");
    r.open.push_back(
        bnb::OpenNode{as_labels({labels.begin() + static_cast<std::ptrdiff_t>(at),
                                 labels.begin() + static_cast<std::ptrdiff_t>(at + n)}),
                      bounds[i]});
    at += n;
  }
  r.nodes = static_cast<std::uint64_t>(field<long long>(rec, 6));
  r.solves = static_cast<std::uint64_t>(field<long long>(rec, 7));
  r.stopped = field<bool>(rec, 8);
  return r;
}

}  // namespace

std::function<void(detail::WaveTasks&)> wave_runner_over(const Ranks& ranks) {
  const int workers = ranks.size() - 1;
  return [workers](detail::WaveTasks& w) {
    // Each worker holds at most one task; the next goes to the first free.
    std::vector<std::size_t> held(static_cast<std::size_t>(workers) + 1, 0);
    std::vector<int> free;
    for (int r = workers; r >= 1; --r) free.push_back(r);
    std::size_t next = 0, running = 0;
    while (next < w.nodes.size() || running > 0) {
      while (!free.empty() && next < w.nodes.size()) {
        const int rank = free.back();
        free.pop_back();
        send_bytes(encode_task(&w, &w.nodes[next]), rank, kTagTask);
        held[static_cast<std::size_t>(rank)] = next++;
        ++running;
      }
      const MPI_Status status = await(MPI_ANY_SOURCE, kTagResult);
      w.results[held[static_cast<std::size_t>(status.MPI_SOURCE)]] = decode_result(receive(status));
      --running;
      free.push_back(status.MPI_SOURCE);
    }
  };
}

void bnb_worker(const Ranks& ranks, const Problem& problem, const ExactOptions& options) {
  if (ranks.rank() == 0) return;
  bnb::Instance in = bnb::make_instance(problem);
  for (;;) {
    const detail::Record task = detail::decode_record(receive(await(0, kTagTask)));
    if (field<bool>(task, 0)) return;
    bnb::set_tail_at(in, static_cast<std::size_t>(field<long long>(task, 1)));
    // Rank 0's time left, and this process's own cancel flag (mpirun passes
    // Ctrl-C on to every rank); rank 0 reports progress.
    Limits limits;
    limits.time_limit_seconds = field<double>(task, 4);
    limits.cancel = options.limits.cancel;
    const detail::Control control(limits);
    bnb::Subtree search(in, field<double>(task, 2), control, field<double>(task, 3));
    bnb::TaskResult result;
    std::string failure;
    try {
      result = search.run(
          bnb::OpenNode{as_labels(field<std::vector<double> >(task, 8)), field<double>(task, 7)},
          field<double>(task, 5), static_cast<std::uint64_t>(field<long long>(task, 6)));
    } catch (const std::exception& e) {
      failure = e.what();
    }
    send_bytes(encode_result(result, failure), 0, kTagResult);
  }
}

void end_bnb_workers(const Ranks& ranks) {
  if (ranks.rank() != 0 || !ranks.distributed()) return;
  const std::string end = encode_task(nullptr, nullptr);
  for (int r = 1; r < ranks.size(); ++r) send_bytes(end, r, kTagTask);
}

int run_rank_bench(const Ranks& ranks, bool quick, bool json, std::ostream& out) {
  if (!ranks.distributed())
    throw invalid_input(
        "bench --ranks measures sweeps over MPI ranks: run it as mpirun -np N "
        "focalrd bench --ranks, N >= 2 (rank 0 coordinates)");
  // A fixed sweep: exact d* of 12 Dirichlet sources of 18-21 symbols (12-15
  // with `quick`), M = 3 and 4, γ = 1: points of uneven cost, about a tenth
  // of a second to a few seconds.
  const int smallest = quick ? 12 : 18;
  std::vector<Problem> problems;
  for (int n = smallest; n <= smallest + 3; ++n)
    for (int seed = 1; seed <= 3; ++seed)
      for (long long M : {3LL, 4LL})
        problems.emplace_back(
            Source::family("dirichlet:" + std::to_string(n) + "," + std::to_string(seed)), M, 1.0);
  SweepOptions options;
  options.quantities = {Quantity::exact};
  options.point_threads = 1;
  OutputOptions output;
  auto row = [&](const SweepPoint& p) { return sweep_record(p, options.quantities, output); };
  struct Phase {
    int workers;
    DistributionStats stats;
    std::vector<std::string> rows;
  };
  std::vector<Phase> phases;
  for (int workers : {1, ranks.size() - 1}) {
    Phase phase{workers, {}, {}};
    distribute_points(
        ranks, problems, options, {}, row,
        [&](const detail::Record& r) {
          detail::Record untimed;  // the exact search's seconds differ from run to run
          for (const auto& f : r.fields)
            if (f.first.find("seconds") == std::string::npos) untimed.fields.push_back(f);
          phase.rows.push_back(detail::encode_record(untimed));
        },
        workers, &phase.stats);
    phases.push_back(std::move(phase));
    // Every rank waits for the phase to end, gently (ranks idle in this
    // phase would otherwise spin in MPI_Barrier on the workers' cores).
    MPI_Request barrier;
    MPI_Ibarrier(MPI_COMM_WORLD, &barrier);
    for (int over = 0; !over;) {
      MPI_Test(&barrier, &over, MPI_STATUS_IGNORE);
      if (!over) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (ranks.rank() != 0) return kExitCertified;
  const bool same =
      phases.front().rows == phases.back().rows && phases.front().rows.size() == problems.size();
  const double base = phases.front().stats.seconds;
  if (json) {
    detail::JsonWriter j(out);
    j.begin_object().member("ranks", ranks.size()).member("points", problems.size());
    j.member("rows_identical", same).key("phases").begin_array();
    for (const Phase& p : phases) {
      j.begin_object().member("workers", p.workers).member("seconds", p.stats.seconds);
      j.member("speed_up", base / p.stats.seconds).member("messages", p.stats.messages);
      j.key("idle").begin_array();
      for (int w = 0; w < p.workers; ++w)
        j.value(1.0 - p.stats.busy_seconds[static_cast<std::size_t>(w)] / p.stats.seconds);
      j.end_array().end_object();
    }
    j.end_array().end_object();
    out << '\n';
  } else {
    out << "focalrd bench --ranks: " << ranks.size() << " ranks (rank 0 coordinates), a sweep of "
        << problems.size() << " exact points (dirichlet:" << smallest << ".." << smallest + 3
        << ",1..3, M = 3, 4, gamma = 1)\n"
        << "  workers  seconds  speed-up  points/s  messages/s  idle per worker\n";
    for (const Phase& p : phases) {
      char line[160];
      std::snprintf(line, sizeof line, "  %7d  %7.2f  %7.2fx  %8.1f  %10.1f ", p.workers,
                    p.stats.seconds, base / p.stats.seconds,
                    static_cast<double>(problems.size()) / p.stats.seconds,
                    static_cast<double>(p.stats.messages) / p.stats.seconds);
      out << line;
      for (int w = 0; w < p.workers; ++w)
        out << " "
            << detail::fmt_short(100.0 * (1.0 - p.stats.busy_seconds[static_cast<std::size_t>(w)] /
                                                    p.stats.seconds))
            << "%";
      out << '\n';
    }
    out << "  rows identical with 1 and " << ranks.size() - 1
        << " workers: " << (same ? "yes" : "NO") << '\n';
  }
  return same ? kExitCertified : kExitUncertified;
}

#endif

}  // namespace focalrd::cli
