// focalrd: the command-line tool. Parses, validates, makes one library call,
// prints, and returns a status, the same for every command:
//   0  every result certified
//   1  a valid result that is not certified (a limit, an interrupt, a cell
//      solve that did not converge, a skipped quantity), or a check that
//      found violations
//   2  bad input: one line on stderr
//   3  an internal error (a bug)
// The first SIGINT or SIGTERM asks the running computation to stop: it ends
// with its best code and a certified interval (exit 1). A second one kills.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options/errors.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/dataset.hpp"
#include "cli/mpi.hpp"
#include "cli/options.hpp"
#include "detail/format.hpp"
#include "focalrd/focalrd.hpp"

namespace {

using namespace focalrd;

const char* kUsage =
    "focalrd: lossy source coding under the focal loss (Dytso and Cardone)\n"
    "usage: focalrd <command> [options]   (focalrd <command> --help for its options)\n"
    "commands:\n"
    "  exact    the exact d*(M; gamma) of eq. (5) and an optimal code\n"
    "  bounds   the paper's converse and achievability bounds for one source, M and gamma\n"
    "  sweep    quantities over a grid of gamma and M, to CSV or JSON lines\n"
    "  dataset  regression data: every source, gamma and M of the grids, one record each\n"
    "  verify   replay outputs (or reference tables) on this build: agreement, guarantees\n"
    "  hgamma   h_gamma(n) of eq. (15) and its bound (16)\n"
    "  excess   the least excess-distortion probability epsilon*(M, D; gamma), closed form\n"
    "  nletter  blocks of n letters at rate R: d_n*/n, its converse by types, Theorem 3\n"
    "  check    random instances against converse <= exact <= (28) <= (22) <= (23)\n"
    "  bench    timings of the exact strategies on a fixed suite\n"
    "exit status: 0 certified, 1 valid but not certified (a limit, Ctrl-C, a check that\n"
    "found violations), 2 bad input (one line on stderr), 3 internal error\n";

// Set by the first SIGINT or SIGTERM; every limit of the library polls it.
std::atomic<bool> g_cancel{false};

// The command line, for the provenance of every output.
std::string g_command;
// The ranks of a run started by mpirun or srun (one process otherwise).
const cli::Ranks* g_ranks = nullptr;

extern "C" void on_signal(int) { g_cancel.store(true); }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the second signal takes the default action
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Ten significant digits: enough to see an interval close.
std::string digits(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

// Progress lines on stderr in the result's units: the first after 3 seconds,
// then one every 5 seconds, each naming the phase and the interval so far.
class ProgressLines {
 public:
  explicit ProgressLines(Units units, bool enabled = true) : units_(units), enabled_(enabled) {}

  void operator()(const Progress& p) {
    if (!enabled_ || p.seconds < 3.0 || p.seconds - last_ < 5.0) return;
    last_ = p.seconds;
    std::string line = "focalrd: [" + detail::fmt_short(p.seconds) + " s] " + p.phase;
    const double scale = per_nat(units_);
    if (std::isfinite(p.lower) && std::isfinite(p.upper)) {
      line += ": d* in [" + digits(p.lower * scale) + ", " + digits(p.upper * scale) + "] " +
              to_string(units_);
      if (p.upper > 0) line += ", gap " + detail::fmt_short((p.upper - p.lower) / p.upper);
    } else if (std::isfinite(p.upper)) {
      line += ": d* <= " + digits(p.upper * scale) + " " + to_string(units_);
    }
    if (p.nodes) line += ", " + std::to_string(p.nodes) + " nodes";
    if (p.total > 0)
      line += ", " + detail::fmt_short(p.done) + " of " + detail::fmt_short(p.total) + " done";
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }

 private:
  Units units_;
  bool enabled_;
  double last_ = -1e9;
};

void attach(Limits& limits, ProgressLines& lines) {
  limits.cancel = &g_cancel;
  limits.progress = [&lines](const Progress& p) { lines(p); };
}

std::string interval(const ExactResult& r, Units units) {
  const double scale = per_nat(units);
  return "d* in [" + detail::fmt(r.lower_bound * scale) + ", " + detail::fmt(r.value * scale) +
         "] " + to_string(units);
}

int run_exact(const std::vector<std::string>& args) {
  auto request = cli::parse_exact(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(request->output.units);
  attach(request->options.limits, lines);
  request->output.provenance = make_provenance(g_command, &request->problem.source());
  if (g_ranks->distributed()) {  // branch-and-bound's waves over the ranks
    if (request->options.method != SearchMethod::bnb)
      throw invalid_input("over MPI ranks, focalrd exact runs --method bnb only");
    if (g_ranks->rank() != 0) {
      cli::bnb_worker(*g_ranks, request->problem, request->options);
      return kExitCertified;
    }
    request->options.wave_runner = cli::wave_runner_over(*g_ranks);
  }
  const ExactResult result = solve_exact(request->problem, request->options);
  cli::end_bnb_workers(*g_ranks);
  write_exact(std::cout, result, request->output);
  if (!result.certified)
    std::cerr << "focalrd: warning: not certified (" << to_string(result.status)
              << "): " << interval(result, request->output.units) << '\n';
  return exit_code(result.status);
}

// One line on stderr when a bounds result is not certified.
void warn_bounds(const BoundsResult& b, Units units) {
  if (b.status == Status::certified) return;
  std::string why = "not certified (" + to_string(b.status) + ")";
  if (b.exact && !b.exact->certified) why += ": exact " + interval(*b.exact, units);
  if (!b.exact_note.empty()) why += ": exact skipped: " + b.exact_note;
  if (b.status == Status::time_limit || b.status == Status::interrupted)
    why += "; quantities not reached are absent";
  std::cerr << "focalrd: warning: " << why << '\n';
}

int run_bounds(const std::vector<std::string>& args) {
  auto request = cli::parse_bounds(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(request->output.units);
  attach(request->options.limits, lines);
  request->output.provenance = make_provenance(g_command, &request->problem.source());
  const BoundsResult result = evaluate_bounds(request->problem, request->options);
  write_bounds(std::cout, result, request->output);
  warn_bounds(result, request->output.units);
  return exit_code(result.status);
}

// The exit status of a sweep or dataset, with one warning line: how many
// points are missing (a stop) or not certified. Points marked in `kept` (a
// resumed dataset's) count as done and certified.
int summarise(const std::vector<SweepPoint>& points, const std::vector<char>& kept,
              const std::string& what, const std::string& hint) {
  std::size_t missing = 0, uncertified = 0;
  Status worst = Status::certified;
  std::string note;
  for (const SweepPoint& p : points) {
    if (p.index < kept.size() && kept[p.index]) continue;
    if (!p.done) {
      ++missing;
      continue;
    }
    worst = worse(worst, p.result.status);
    uncertified += p.result.status != Status::certified;
    if (!p.result.exact_note.empty()) note = p.result.exact_note;
  }
  if (missing) {
    worst = worse(worst, g_cancel ? Status::interrupted : Status::time_limit);
    std::cerr << "focalrd: warning: stopped (" << (g_cancel ? "interrupted" : "time_limit")
              << "): " << points.size() - missing << " of " << points.size() << ' ' << what
              << " written, " << missing << " missing" << hint << '\n';
  } else if (uncertified) {
    std::cerr << "focalrd: warning: " << uncertified << " of " << points.size() << ' ' << what
              << " not certified (worst status " << to_string(worst) << ")"
              << (note.empty() ? "" : "; exact skipped: " + note) << '\n';
  }
  return exit_code(worst);
}

int run_sweep(const std::vector<std::string>& args) {
  auto request = cli::parse_sweep(args, std::cout);
  if (!request) return kExitCertified;
  const bool writes = g_ranks->rank() == 0;  // over MPI ranks, rank 0 writes
  std::ofstream file;
  if (!request->output_path.empty() && writes) {
    file.open(request->output_path);
    if (!file) throw invalid_input("--output: cannot write " + quoted(request->output_path));
  }
  std::ostream& out = file.is_open() ? file : std::cout;
  ProgressLines lines(request->output.units, request->progress && writes);
  attach(request->options.limits, lines);
  request->output.provenance = make_provenance(g_command, &request->source);
  SweepWriter writer(out, request->options.quantities, request->output);
  std::vector<SweepPoint> points;
  if (g_ranks->distributed()) {
    const std::vector<Problem> problems = sweep_problems(request->source, request->options);
    points = cli::distribute_points(
        *g_ranks, problems, request->options, {},
        [&](const SweepPoint& p) {
          return sweep_record(p, request->options.quantities, request->output);
        },
        [&](const detail::Record& row) { writer.write(row); });
    if (!writes) return kExitCertified;
  } else {
    request->options.on_point = [&writer](const SweepPoint& p) { writer.write(p); };
    points = focalrd::run_sweep(request->source, request->options);
  }
  writer.finish();
  return summarise(points, {}, "points", "");
}

int run_dataset(const std::vector<std::string>& args) {
  auto request = cli::parse_dataset(args, std::cout);
  if (!request) return kExitCertified;
  const bool writes = g_ranks->rank() == 0;  // over MPI ranks, rank 0 writes
  const std::vector<Problem> problems = cli::dataset_problems(*request);
  const std::string fingerprint = cli::dataset_fingerprint(*request, problems);
  std::vector<char> done;
  if (request->resume && writes)
    done = cli::finished_records(request->output_path, fingerprint, problems.size());
  const std::size_t kept = static_cast<std::size_t>(std::count(done.begin(), done.end(), 1));
  const bool appending = request->resume && kept > 0;
  std::ofstream file;
  if (!request->output_path.empty() && writes) {
    file.open(request->output_path, appending ? std::ios::app : std::ios::trunc);
    if (!file) throw invalid_input("--output: cannot write " + quoted(request->output_path));
  }
  std::ostream& out = file.is_open() ? file : std::cout;
  ProgressLines lines(request->output.units, request->progress && writes);
  attach(request->options.limits, lines);
  request->output.provenance = make_provenance(g_command, nullptr);
  std::optional<DatasetWriter> writer;
  if (writes)
    writer.emplace(out, request->options.quantities, request->output, fingerprint, problems.size(),
                   !appending);
  std::vector<SweepPoint> points;
  if (g_ranks->distributed()) {
    points = cli::distribute_points(
        *g_ranks, problems, request->options, done,
        [&](const SweepPoint& p) {
          detail::Record row;
          row.add("json", dataset_record_json(p, problems[p.index].source(),
                                              request->options.quantities, request->output.units));
          return row;
        },
        [&](const detail::Record& row) {
          writer->write(std::get<std::string>(row.fields.at(0).second));
        });
    if (!writes) return kExitCertified;
  } else {
    request->options.on_point = [&](const SweepPoint& p) {
      writer->write(p, problems[p.index].source());
    };
    points = run_points(problems, request->options, done);
  }
  writer->finish();
  file.close();
  const bool missing = std::any_of(points.begin(), points.end(), [&](const SweepPoint& p) {
    return !p.done && !(p.index < done.size() && done[p.index]);
  });
  if (appending && !missing) cli::sort_records(request->output_path);
  if (kept) std::cerr << "focalrd: resumed: " << kept << " records kept\n";
  return summarise(points, done, "records", "; --resume continues");
}

int run_verify(const std::vector<std::string>& args) {
  auto request = cli::parse_verify(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(Units::bits);
  attach(request->options.limits, lines);
  bool ok = true;
  for (const std::string& path : request->files) {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
      throw invalid_input("verify: " + quoted(path) + " is not a regular file");
    if (static_cast<std::uint64_t>(info.st_size) > (std::uint64_t{1} << 32))
      throw too_large("verify: " + quoted(path) + " is larger than 4 GiB");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const VerifyReport report = verify(text.str(), path, request->options);
    for (const std::string& d : report.disagreements)
      std::cout << "disagreement: " << printable(d) << '\n';
    if (request->verbose)
      for (const std::string& n : report.notes) std::cout << "skipped: " << printable(n) << '\n';
    std::cout << "verify " << printable(path) << ": " << report.records << " records; "
              << report.certified << " certified values agree, " << report.heuristic
              << " heuristic values keep their guarantees, " << report.codes << " codes checked; "
              << report.disagreements.size() << " disagreement"
              << (report.disagreements.size() == 1 ? "" : "s") << ", " << report.skipped
              << " skipped" << std::endl;
    ok = ok && report.ok();
  }
  return ok ? kExitCertified : kExitUncertified;
}

// The exit status of a table of `asked` rows of which `written` were done,
// with a warning when a limit or Ctrl-C cut it short.
int table_status(std::size_t written, std::size_t asked) {
  if (written == asked) return kExitCertified;
  std::cerr << "focalrd: warning: stopped (" << (g_cancel ? "interrupted" : "time_limit")
            << "): " << written << " of " << asked << " rows written\n";
  return kExitUncertified;
}

int run_h_gamma(const std::vector<std::string>& args) {
  auto request = cli::parse_h_gamma(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(request->output.units);
  attach(request->limits, lines);
  const std::vector<HGammaPoint> table =
      h_gamma_table(request->ns, request->gammas, request->threads, request->limits);
  request->output.provenance = make_provenance(g_command, nullptr);
  write_h_gamma(std::cout, table, request->output);
  return table_status(table.size(), request->ns.size() * request->gammas.size());
}

int run_excess(const std::vector<std::string>& args) {
  auto request = cli::parse_excess(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(request->output.units);
  attach(request->limits, lines);
  const std::vector<ExcessRow> rows =
      excess_table(*request->solver, request->messages, request->gammas, request->levels,
                   request->inverse, request->output.units, request->limits);
  request->output.provenance =
      make_provenance(g_command, request->source ? &*request->source : nullptr);
  if (!request->source) request->output.provenance.source = request->label;
  write_excess(std::cout, rows, request->inverse, request->output);
  return table_status(rows.size(), request->messages.counts.size() * request->gammas.size() *
                                       request->levels.size());
}

int run_nletter(const std::vector<std::string>& args) {
  auto request = cli::parse_nletter(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(request->output.units);
  attach(request->options.limits, lines);
  const std::vector<NLetterRow> rows =
      nletter_table(request->letters, request->ns, request->gammas, request->options);
  request->output.provenance = make_provenance(g_command, nullptr);
  write_nletter(std::cout, rows, request->output);
  const int status = table_status(rows.size(), request->ns.size() * request->gammas.size());
  std::size_t uncertified = 0;
  for (const NLetterRow& r : rows) uncertified += r.exact && !r.exact->certified;
  if (uncertified == 0) return status;
  std::cerr << "focalrd: warning: " << uncertified
            << " exact d_n* not certified in time; they keep their certified interval\n";
  return kExitUncertified;
}

int run_bench(const std::vector<std::string>& args) {
  const auto request = cli::parse_bench(args, std::cout);
  if (!request) return kExitCertified;
  if (request->ranks)
    return cli::run_rank_bench(*g_ranks, request->quick, request->json, std::cout);
  if (g_ranks->distributed())
    throw invalid_input("over MPI ranks, focalrd bench runs with --ranks only");
  return cli::run_bench(*request, std::cout);
}

int run_check(const std::vector<std::string>& args) {
  auto request = cli::parse_check(args, std::cout);
  if (!request) return kExitCertified;
  ProgressLines lines(request->output.units);
  attach(request->options.limits, lines);
  const CheckReport report = focalrd::run_check(request->options);
  request->output.provenance = make_provenance(g_command, nullptr);
  write_check(std::cout, report, request->output);
  if (report.trials < request->options.trials)
    std::cerr << "focalrd: warning: stopped (" << (g_cancel ? "interrupted" : "time_limit")
              << "): " << report.trials << " of " << request->options.trials << " trials run\n";
  // A failed relation that is not proved here (γ < 0) is a finding, not a defect.
  const bool clean = std::none_of(report.violations.begin(), report.violations.end(),
                                  [](const CheckViolation& v) { return v.proved; });
  return clean && report.trials == request->options.trials ? kExitCertified : kExitUncertified;
}

// The one line an error gets: escaped, so that input echoed in it cannot break it.
// Over MPI ranks, rank 0's alone (every rank meets the same bad input).
void error_line(const std::string& prefix, const std::string& message) {
  if (g_ranks && g_ranks->rank() != 0) return;
  // In one write: over MPI ranks, the launcher's own report may follow at once.
  const std::string line = "focalrd: " + prefix + printable(message) + '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

int dispatch(int argc, char** argv, const cli::Ranks& ranks) {
  try {
    install_signal_handlers();
    g_command = command_line(argc, argv);
    if (argc < 2) {
      std::cerr << kUsage;
      return kExitBadInput;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args =
        cli::attach_negative_values(std::vector<std::string>(argv + 2, argv + argc));
    const bool first = ranks.rank() == 0;  // over MPI ranks, rank 0 prints
    if (command == "-h" || command == "--help" || command == "help") {
      if (first) std::cout << kUsage;
      return kExitCertified;
    }
    if (command == "--version") {
      if (first) std::cout << "focalrd " << version() << " (commit " << git_commit() << ")\n";
      return kExitCertified;
    }
    using Run = int (*)(const std::vector<std::string>&);
    static const std::pair<const char*, Run> kCommands[] = {
        {"exact", run_exact},     {"bounds", run_bounds},   {"sweep", run_sweep},
        {"dataset", run_dataset}, {"verify", run_verify},   {"hgamma", run_h_gamma},
        {"excess", run_excess},   {"nletter", run_nletter}, {"check", run_check},
        {"bench", run_bench}};
    Run run = nullptr;
    std::string names;
    for (const auto& [name, fn] : kCommands) {
      if (command == name) run = fn;
      names += std::string(names.empty() ? "" : ", ") + name;
    }
    if (!run)
      throw invalid_input("unknown command " + quoted(command) + "; use " + names + " or --help");
    if (ranks.launched_without_mpi())
      throw invalid_input(
          "started by an MPI launcher, but this focalrd was built without MPI "
          "(install libopenmpi-dev and rebuild), or run it as one process");
    if (ranks.distributed() && command != "exact" && command != "sweep" && command != "dataset" &&
        command != "bench")
      throw invalid_input("focalrd " + command +
                          " runs as one process; over MPI ranks, exact --method bnb, sweep, "
                          "dataset and bench --ranks run");
    return run(args);
  } catch (const std::invalid_argument& e) {
    error_line("error: ", e.what());
    return kExitBadInput;
  } catch (const boost::program_options::error& e) {
    error_line("error: ", e.what());
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    error_line("error: ", "out of memory; lower --memory-budget or use a smaller instance");
    return kExitInternal;
  } catch (const std::exception& e) {
    error_line("internal error: ", e.what());
    return kExitInternal;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const cli::Ranks ranks(&argc, &argv);
  g_ranks = &ranks;
  const int code = dispatch(argc, argv, ranks);
  // An error on one rank ends them all: the others would wait for it.
  if (code >= kExitBadInput) ranks.abort(code);
  return code;
}
