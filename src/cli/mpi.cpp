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

std::function<void(detail::WaveTasks&)> wave_runner_over(const Ranks&, int, DistributionStats*) {
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
// doubling to 200 us while none comes (a few thousand probes a second at
// most; a result waits at most that long), calling `idle` between polls.
MPI_Status await(int source, int tag, const std::function<void()>& idle = {}) {
  std::chrono::microseconds nap(10);
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(source, tag, MPI_COMM_WORLD, &arrived, &status);
    if (arrived) return status;
    if (idle) idle();
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(200));
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

std::string encode_result(const bnb::TaskResult& r, const std::string& failure, double busy) {
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
  rec.add("stopped", r.stopped).add("failure", failure).add("busy", busy);
  return detail::encode_record(rec);
}

// The result, and in `busy` the seconds the worker spent on it.
bnb::TaskResult decode_result(const std::string& bytes, double& busy) {
  const detail::Record rec = detail::decode_record(bytes);
  busy = field<double>(rec, 10);
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

std::function<void(detail::WaveTasks&)> wave_runner_over(const Ranks& ranks, int workers,
                                                         DistributionStats* stats) {
  if (workers <= 0 || workers > ranks.size() - 1) workers = ranks.size() - 1;
  if (stats)
    *stats = {0.0, 0, std::vector<std::size_t>(static_cast<std::size_t>(workers), 0),
              std::vector<double>(static_cast<std::size_t>(workers), 0.0)};
  return [workers, stats](detail::WaveTasks& w) {
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
      double busy = 0.0;
      w.results[held[static_cast<std::size_t>(status.MPI_SOURCE)]] =
          decode_result(receive(status), busy);
      if (stats) {
        const auto i = static_cast<std::size_t>(status.MPI_SOURCE - 1);
        stats->messages += 2;
        ++stats->points[i];
        stats->busy_seconds[i] += busy;
      }
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
    const auto began = std::chrono::steady_clock::now();
    try {
      result = search.run(
          bnb::OpenNode{as_labels(field<std::vector<double> >(task, 8)), field<double>(task, 7)},
          field<double>(task, 5), static_cast<std::uint64_t>(field<long long>(task, 6)));
    } catch (const std::exception& e) {
      failure = e.what();
    }
    const double busy =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    send_bytes(encode_result(result, failure, busy), 0, kTagResult);
  }
}

void end_bnb_workers(const Ranks& ranks) {
  if (ranks.rank() != 0 || !ranks.distributed()) return;
  const std::string end = encode_task(nullptr, nullptr);
  for (int r = 1; r < ranks.size(); ++r) send_bytes(end, r, kTagTask);
}

namespace {

// Every rank waits for the others, gently (a rank idle in a bench phase
// would otherwise spin in MPI_Barrier on a worker's core).
void gentle_barrier() {
  MPI_Request barrier;
  MPI_Ibarrier(MPI_COMM_WORLD, &barrier);
  for (int over = 0; !over;) {
    MPI_Test(&barrier, &over, MPI_STATUS_IGNORE);
    if (!over) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// One timed run of the bench: its work units (points or searches) went to
// ranks 1..workers; `outcome` is what must not depend on `workers`.
struct Phase {
  int workers = 1;
  DistributionStats stats;
  std::string outcome;
};

}  // namespace

int run_rank_bench(const Ranks& ranks, bool quick, bool json, std::ostream& out) {
  if (!ranks.distributed())
    throw invalid_input(
        "bench --ranks measures runs over MPI ranks: run it as mpirun -np N "
        "focalrd bench --ranks, N >= 2 (rank 0 coordinates)");
  const int all = ranks.size() - 1;
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
  std::vector<Phase> sweeps, searches;
  for (int workers : {1, all}) {
    Phase phase{workers, {}, {}};
    distribute_points(
        ranks, problems, options, {}, row,
        [&](const detail::Record& r) {
          detail::Record untimed;  // the exact search's seconds differ from run to run
          for (const auto& f : r.fields)
            if (f.first.find("seconds") == std::string::npos) untimed.fields.push_back(f);
          phase.outcome += detail::encode_record(untimed);
        },
        workers, &phase.stats);
    sweeps.push_back(std::move(phase));
    gentle_barrier();
  }
  // One branch-and-bound: Binomial(100, 0.5), M = 8, γ = 2 (about 30 s on
  // one thread; γ = 1, about 1 s, with `quick`), rank 0 on one thread.
  const double gamma = quick ? 1.0 : 2.0;
  const Problem hard(Source::family("binomial:100,0.5"), 8, gamma);
  ExactOptions exact;
  exact.method = SearchMethod::bnb;
  exact.threads = 1;
  for (int workers : {1, all}) {
    Phase phase{workers, {}, {}};
    if (ranks.rank() == 0) {
      exact.wave_runner = wave_runner_over(ranks, workers, &phase.stats);
      const auto start = std::chrono::steady_clock::now();
      const ExactResult r = solve_exact(hard, exact);
      phase.stats.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      end_bnb_workers(ranks);
      phase.outcome = detail::fmt(r.value) + " " + detail::fmt(r.lower_bound) + " " +
                      std::to_string(r.stats.nodes) + " " + to_string(r.status);
      for (const focalrd::Cell& c : r.code.cells)
        for (std::size_t a : c.symbols) phase.outcome += " " + std::to_string(a);
    } else {
      bnb_worker(ranks, hard, exact);
    }
    searches.push_back(std::move(phase));
    gentle_barrier();
  }
  if (ranks.rank() != 0) return kExitCertified;
  auto same = [](const std::vector<Phase>& p) { return p.front().outcome == p.back().outcome; };
  struct Part {
    const char* name;
    std::string what;
    const char* unit;
    const std::vector<Phase>& phases;
  };
  const Part parts[] = {{"sweep",
                         "a sweep of " + std::to_string(problems.size()) +
                             " exact points (dirichlet:" + std::to_string(smallest) + ".." +
                             std::to_string(smallest + 3) + ",1..3, M = 3, 4, gamma = 1)",
                         "points", sweeps},
                        {"bnb",
                         "branch-and-bound of binomial:100,0.5, M = 8, gamma = " +
                             detail::fmt(gamma) + " (each wave's searches to the workers)",
                         "searches", searches}};
  auto idle = [](const Phase& p, int w) {
    return 1.0 - p.stats.busy_seconds[static_cast<std::size_t>(w)] / p.stats.seconds;
  };
  auto units = [](const Phase& p) {
    std::size_t n = 0;
    for (std::size_t k : p.stats.points) n += k;
    return static_cast<double>(n);
  };
  if (json) {
    detail::JsonWriter j(out);
    j.begin_object().member("ranks", ranks.size());
    for (const Part& part : parts) {
      j.key(part.name).begin_object().member("what", part.what);
      j.member("identical", same(part.phases)).key("phases").begin_array();
      for (const Phase& p : part.phases) {
        j.begin_object().member("workers", p.workers).member("seconds", p.stats.seconds);
        j.member("speed_up", part.phases.front().stats.seconds / p.stats.seconds);
        j.member(part.unit, units(p)).member("messages", p.stats.messages);
        j.key("idle").begin_array();
        for (int w = 0; w < p.workers; ++w) j.value(idle(p, w));
        j.end_array().end_object();
      }
      j.end_array().end_object();
    }
    j.end_object();
    out << '\n';
  } else {
    out << "focalrd bench --ranks: " << ranks.size() << " ranks (rank 0 coordinates)\n";
    for (const Part& part : parts) {
      out << part.what << ":\n"
          << "  workers  seconds  speed-up  " << part.unit << "/s  messages/s  idle per worker\n";
      for (const Phase& p : part.phases) {
        char line[160];
        std::snprintf(line, sizeof line, "  %7d  %7.2f  %7.2fx  %8.1f  %10.1f ", p.workers,
                      p.stats.seconds, part.phases.front().stats.seconds / p.stats.seconds,
                      units(p) / p.stats.seconds,
                      static_cast<double>(p.stats.messages) / p.stats.seconds);
        out << line;
        for (int w = 0; w < p.workers; ++w)
          out << " " << detail::fmt_short(100.0 * idle(p, w)) << "%";
        out << '\n';
      }
      out << "  the same " << (part.phases.front().outcome.empty() ? "(nothing)" : "result")
          << " with 1 and " << all << " workers: " << (same(part.phases) ? "yes" : "NO") << '\n';
    }
  }
  return same(sweeps) && same(searches) ? kExitCertified : kExitUncertified;
}

#endif

}  // namespace focalrd::cli
