// focalrd bench: a fixed suite of exact problems, each solved by every
// applicable strategy in the same run, timed with all threads and with one.
// Each solve runs in a child process (this binary, `exact --format json`), so
// that its peak memory is its own (wait4's ru_maxrss).
#include "cli/bench.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <algorithm>
#include <chrono>
#include <map>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/format.hpp"
#include "detail/json.hpp"
#include "detail/logit_batch.hpp"
#include "detail/threads.hpp"
#include "focalrd/cell_solver.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"

extern char** environ;

namespace focalrd::cli {

namespace {

struct Case {
  std::string name;
  std::string source;
  int M;
  double gamma;
  std::vector<std::string> methods;
};

// The suite. Quick: seconds, for smoke tests. Full: the figures in the README.
std::vector<Case> suite(bool quick) {
  if (quick)
    return {{"dirichlet n=9", "dirichlet:9,1", 3, 1.0, {"enumerate", "dp", "bnb"}},
            {"uniform n=9 (ties)", "uniform:9", 3, 0.5, {"enumerate", "dp", "bnb"}}};
  return {
      {"dirichlet n=12", "dirichlet:12,1", 3, 1.0, {"enumerate", "dp", "bnb"}},
      {"uniform n=12 (ties)", "uniform:12", 4, 0.5, {"enumerate", "dp", "bnb"}},
      {"geometric n=14", "geometric:0.3,14", 4, 2.0, {"enumerate", "dp", "bnb"}},
      {"dirichlet n=16", "dirichlet:16,2", 4, 1.0, {"enumerate", "dp", "bnb"}},
      {"dirichlet n=20", "dirichlet:20,3", 4, 1.0, {"dp", "bnb"}},
      {"dirichlet n=22, M=4", "dirichlet:22,4", 4, 1.0, {"dp", "bnb"}},
      {"dirichlet n=22, M=8", "dirichlet:22,4", 8, 1.0, {"dp", "bnb"}},
      {"dirichlet n=24", "dirichlet:24,1", 4, 1.0, {"bnb"}},
      {"binomial(100,0.1)", "binomial:100,0.1", 8, 4.0, {"bnb"}},
      {"binomial(100,0.5)", "binomial:100,0.5", 8, 1.0, {"bnb"}},
  };
}

struct Run {
  std::string method;
  int threads = 0;
  double seconds = 0.0, table_seconds = 0.0;
  double dstar = 0.0;
  bool certified = false;
  double work = 0.0;  // partitions, transitions or nodes
  std::string work_unit;
  double cells = 0.0;
  double peak_mib = 0.0;
  bool refused = false;  // exit 2: too large for the method
};

std::string self_path() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("bench: cannot find its own executable");
  buf[n] = '\0';
  return buf;
}

// Runs `focalrd exact ...` in a child process; returns its JSON (empty when
// it refused the instance, exit 2) and peak memory. Exit 1, a valid result
// not certified within the limits, is a result.
std::string run_child(const std::vector<std::string>& args, double& peak_mib) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("bench: pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    throw std::runtime_error("bench: cannot start " + args[0]);
  }
  std::string text;
  char buf[4096];
  ssize_t got;
  while ((got = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(got));
  close(out[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 2)
    throw std::runtime_error("bench: a solve failed: " + args[2] + " " + args[3] + " ...");
  peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
  return WEXITSTATUS(status) == 2 ? std::string() : text;
}

constexpr double kRepeatBelow = 0.5;  // seconds
constexpr int kRepeats = 5;

Run solve(const Case& c, const std::string& method, int threads, double time_limit,
          double rel_gap = 1e-12) {
  // clang-format off
  const std::vector<std::string> args{
      self_path(), "exact", "--source", c.source, "-M", std::to_string(c.M),
      "--gamma", detail::fmt(c.gamma), "--method", method, "--threads", std::to_string(threads),
      "--time-limit", detail::fmt(time_limit), "--rel-gap", detail::fmt(rel_gap),
      "--format", "json", "--units", "nats", "--force"};
  // clang-format on
  Run run;
  run.method = method;
  run.threads = threads;
  const std::string text = run_child(args, run.peak_mib);
  if (text.empty()) {  // refused (too large for the method)
    run.refused = true;
    return run;
  }
  std::istringstream json(text);
  boost::property_tree::ptree t;
  boost::property_tree::read_json(json, t);
  run.seconds = t.get<double>("stats.wall_seconds");
  run.table_seconds = t.get<double>("stats.table_seconds");
  run.dstar = t.get<double>("dstar");
  run.certified = t.get<bool>("certified");
  run.cells = t.get<double>("stats.cells_optimised");
  if (method == "enumerate") {
    run.work = t.get<double>("stats.partitions");
    run.work_unit = "partitions";
  } else if (method == "dp") {
    run.work = t.get<double>("stats.transitions");
    run.work_unit = "transitions";
  } else {
    run.work = t.get<double>("stats.nodes");
    run.work_unit = "nodes";
  }
  return run;
}

// Nanoseconds per cell of each cell solver on the same random cells (masses
// drawn i.i.d. exponential), one thread, the best of three repetitions: the
// KKT solver on each math path of its inner loop (detail/logit_batch.hpp),
// the scalar path being the baseline measured in the same run; NLopt at γ = 1.
struct CellRate {
  std::string solver, path;  // path: scalar, avx2 or avx512 (kkt), "-" (nlopt)
  std::size_t size;
  double gamma;
  double ns_per_cell;
  bool in_use;  // the path focalrd takes on this machine
};

std::vector<CellRate> cell_rates(bool quick) {
  std::vector<CellRate> out;
  const detail::MathPath saved = detail::math_path();
  std::vector<detail::MathPath> paths{detail::MathPath::scalar};
  for (detail::MathPath path : {detail::MathPath::avx2, detail::MathPath::avx512})
    if (detail::set_math_path(path)) paths.push_back(path);
  for (double gamma : {1.0, 4.0})
    for (std::size_t k : {std::size_t{2}, std::size_t{5}, std::size_t{8}, std::size_t{12},
                          std::size_t{30}}) {
      std::mt19937_64 g(k);
      std::exponential_distribution<double> e(1.0);
      const int count = quick ? 200 : 4000;
      std::vector<std::vector<double>> cells(count, std::vector<double>(k));
      for (auto& c : cells)
        for (double& x : c) x = e(g) / 20.0;
      auto time = [&](const CellSolver& solver) {
        double best = HUGE_VAL;
        for (int rep = 0; rep < 3; ++rep) {
          const detail::Stopwatch clock;
          double sink = 0.0;
          for (const auto& c : cells) sink += solver.solve(c, gamma, nullptr).cost;
          best = std::min(best, clock.seconds());
          if (!(sink > 0.0)) throw std::runtime_error("bench: a cell cost is not positive");
        }
        return best / count * 1e9;
      };
      const auto kkt = CellSolver::create(CellSolverType::kkt);
      for (detail::MathPath path : paths) {
        detail::set_math_path(path);
        out.push_back({"kkt", detail::to_string(path), k, gamma, time(*kkt), path == saved});
      }
      detail::set_math_path(saved);
      if (gamma == 1.0 && (k == 5 || k == 12 || k == 30))
        out.push_back({"nlopt", "-", k, gamma, time(*CellSolver::create(CellSolverType::nlopt)),
                       true});
    }
  return out;
}

// --reach: the largest n of Dirichlet(1) sources (dirichlet:N,1), γ = 1,
// certified (to the relative gap `rel_gap`) within `seconds` on one thread,
// per M and strategy, for n = M + 2, M + 4, ... up to 64; a strategy stops
// after four n in a row that it does not certify in time.
struct Reach {
  int M = 0;
  std::string method;
  std::size_t n = 0;                // the largest n certified (0: none)
  double seconds = 0.0;             // the time for that n
  std::vector<std::size_t> failed;  // the n not certified in time (or refused)
  bool gave_up = false;             // stopped after four failures in a row
};

std::vector<Reach> reach(double seconds, double rel_gap, bool progress) {
  std::vector<Reach> out;
  for (int M : {2, 3, 4, 8})
    for (const std::string method : {"auto", "bnb", "dp"}) {
      Reach r;
      r.M = M;
      r.method = method;
      int in_a_row = 0;
      for (std::size_t n = static_cast<std::size_t>(M) + 2; n <= 64 && in_a_row < 4; n += 2) {
        const Case c{"", "dirichlet:" + std::to_string(n) + ",1", M, 1.0, {}};
        if (progress) std::fprintf(stderr, "bench: reach, M = %d, %s, n = %zu\n", M, method.c_str(), n);
        const Run run = solve(c, method, 1, seconds, rel_gap);
        if (run.refused || !run.certified) {
          r.failed.push_back(n);
          ++in_a_row;
          continue;
        }
        in_a_row = 0;
        r.n = n;
        r.seconds = run.seconds;
      }
      r.gave_up = in_a_row >= 4;
      out.push_back(r);
    }
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// An earlier bench file (--compare): its cell rates by (solver, k, γ), on the
// path it used, and its seconds by (case, method). Files from before the
// per-path rates (cells_per_second, γ = 1) are read as well.
struct Earlier {
  std::map<std::string, double> ns_per_cell, seconds;
  static std::string cell_key(const std::string& solver, std::size_t k, double gamma) {
    return solver + " k=" + std::to_string(k) + " gamma=" + detail::fmt(gamma);
  }
};

Earlier read_earlier(const std::string& path) {
  namespace pt = boost::property_tree;
  pt::ptree t;
  try {
    pt::read_json(path, t);
    Earlier e;
    for (const auto& [key, c] : t.get_child("cell_solvers")) {
      (void)key;
      if (!c.get<bool>("in_use", true)) continue;
      const double ns = c.count("ns_per_cell") ? c.get<double>("ns_per_cell")
                                               : 1e9 / c.get<double>("cells_per_second");
      e.ns_per_cell[Earlier::cell_key(c.get<std::string>("solver"), c.get<std::size_t>("cell_size"),
                                      c.get<double>("gamma", 1.0))] = ns;
    }
    for (const auto& [key, c] : t.get_child("cases")) {
      (void)key;
      e.seconds[c.get<std::string>("case") + " / " + c.get<std::string>("method")] =
          c.get<double>("seconds");
    }
    return e;
  } catch (const pt::ptree_error& error) {
    throw invalid_input("--compare: " + quoted(path) + " is not a bench JSON file (" +
                        printable(error.what()) + ")");
  }
}

// "old / new" as a speed-up, or "-" where the earlier file has no such entry.
std::string ratio(const std::map<std::string, double>& earlier, const std::string& key,
                  double now) {
  const auto it = earlier.find(key);
  if (it == earlier.end() || !(now > 0.0)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", it->second / now);
  return buf;
}

}  // namespace

// The JSON of a bench run: to --json-out's file, and to `out` with
// --format json (then returns true: nothing else to print).
bool emit_json(const BenchRequest& request, const std::string& text, std::ostream& out) {
  if (!request.json_path.empty()) {
    std::ofstream file(request.json_path);
    if (!file) throw invalid_input("--json-out: cannot write " + quoted(request.json_path));
    file << text;
  }
  if (request.json) out << text;
  return request.json;
}

int run_reach(const BenchRequest& request, std::ostream& out) {
  const std::vector<Reach> rows = reach(request.reach_seconds, request.reach_rel_gap, request.progress);
  if (request.json || !request.json_path.empty()) {
    std::ostringstream text;
    detail::JsonWriter j(text);
    j.begin_object().member("cpu", cpu_model()).member("reach_seconds", request.reach_seconds);
    j.member("rel_gap", request.reach_rel_gap);
    j.member("source", "dirichlet:N,1").member("gamma", 1.0).member("threads", 1);
    j.key("reach").begin_array();
    for (const Reach& r : rows)
      j.begin_object()
          .member("M", r.M)
          .member("method", r.method)
          .member("largest_n", r.n)
          .member("seconds", r.seconds)
          .member("gave_up", r.gave_up)
          .key("not_certified")
          .array(r.failed)
          .end_object();
    j.end_array().end_object();
    text << '\n';
    if (emit_json(request, text.str(), out)) return 0;
  }
  out << "focalrd bench --reach on " << cpu_model() << ": the largest n of dirichlet:N,1 (gamma = 1)\n"
      << "certified to a relative gap of " << detail::fmt(request.reach_rel_gap) << " within "
      << detail::fmt(request.reach_seconds)
      << " s on one thread, n = M+2, M+4, ... up to 64 (a strategy stops after four n in a\n"
      << "row not certified in time):\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %2s  %-6s %10s %9s %s\n", "M", "method", "largest n",
                "seconds", "not certified in time");
  out << line;
  for (const Reach& r : rows) {
    std::string failed;
    for (std::size_t n : r.failed) failed += (failed.empty() ? "" : ", ") + std::to_string(n);
    if (failed.empty()) failed = "none up to 64";
    if (r.gave_up) failed += " (stopped)";
    std::snprintf(line, sizeof line, "  %2d  %-6s %10zu %9s %s\n", r.M, r.method.c_str(), r.n,
                  fixed(r.seconds, 2).c_str(), failed.c_str());
    out << line;
  }
  return 0;
}

// The headline per-unit rate of a one-thread run: ns per partition,
// transition or node, the cell table's time left out (it has its own rate);
// 0 when there was no work.
double ns_per_unit(const Run& single) {
  return single.work > 0 ? 1e9 * (single.seconds - single.table_seconds) / single.work : 0.0;
}

int run_bench(const BenchRequest& request, std::ostream& out) {
  if (request.reach_seconds > 0.0) return run_reach(request, out);
  // Read first, so that a bad file fails before minutes of work.
  const Earlier earlier = request.compare_path.empty() ? Earlier{} : read_earlier(request.compare_path);
  const int all = detail::resolve_threads(request.threads);
  const std::vector<Case> cases = suite(request.quick);
  const std::vector<CellRate> rates = cell_rates(request.quick);
  struct Row {
    const Case* c;
    Run run;
    Run single;
    double vs_enumerate = 0.0;
  };
  std::vector<Row> rows;
  for (const Case& c : cases) {
    double enumerate_seconds = 0.0;
    for (const std::string& method : c.methods) {
      if (request.progress) std::fprintf(stderr, "bench: %s, %s\n", c.name.c_str(), method.c_str());
      // Certified runs under kRepeatBelow seconds, where waking threads and
      // first touches of memory weigh, are timed kRepeats times and the best
      // certified one kept.
      auto timed = [&](int threads) {
        Run best = solve(c, method, threads, request.time_limit);
        for (int rep = 1; rep < kRepeats && best.certified && best.seconds < kRepeatBelow; ++rep) {
          const Run again = solve(c, method, threads, request.time_limit);
          if (again.certified && again.seconds < best.seconds) best = again;  // (found in review)
        }
        return best;
      };
      Row row{&c, timed(all), {}, 0.0};
      if (request.single_thread && all > 1) row.single = timed(1);
      if (method == "enumerate") enumerate_seconds = row.run.seconds;
      if (enumerate_seconds > 0) row.vs_enumerate = enumerate_seconds / row.run.seconds;
      rows.push_back(row);
    }
  }

  auto write_json = [&](std::ostream& out) {
    detail::JsonWriter j(out);
    j.begin_object();
    j.member("cpu", cpu_model()).member("threads", all);
    j.key("cell_solvers").begin_array();
    for (const CellRate& r : rates)
      j.begin_object()
          .member("solver", r.solver)
          .member("path", r.path)
          .member("cell_size", r.size)
          .member("gamma", r.gamma)
          .member("ns_per_cell", r.ns_per_cell)
          .member("in_use", r.in_use)
          .end_object();
    j.end_array();
    j.key("cases").begin_array();
    for (const Row& row : rows) {
      j.begin_object();
      j.member("case", row.c->name).member("source", row.c->source).member("M", row.c->M);
      j.member("gamma", row.c->gamma).member("method", row.run.method);
      j.member("dstar_nats", row.run.dstar).member("certified", row.run.certified);
      j.member("seconds", row.run.seconds).member("table_seconds", row.run.table_seconds);
      j.member(row.run.work_unit + "_per_second", row.run.work / row.run.seconds);
      j.member("cells_per_second", row.run.cells / row.run.seconds);
      j.member("peak_mib", row.run.peak_mib);
      if (row.vs_enumerate > 0) j.member("speedup_vs_enumerate", row.vs_enumerate);
      if (row.single.threads == 1) {
        j.member("seconds_one_thread", row.single.seconds);
        j.member("speedup_vs_one_thread", row.single.seconds / row.run.seconds);
        j.member("ns_per_unit_one_thread", ns_per_unit(row.single)).member("unit", row.run.work_unit);
        if (row.run.table_seconds > 0)
          j.member("table_speedup_vs_one_thread", row.single.table_seconds / row.run.table_seconds);
      }
      j.end_object();
    }
    j.end_array().end_object();
    out << '\n';
  };
  if (request.json || !request.json_path.empty()) {
    std::ostringstream text;
    write_json(text);
    if (emit_json(request, text.str(), out)) return 0;
  }

  out << "focalrd bench on " << cpu_model() << ", " << all << " threads\n\n";
  const bool compare = !request.compare_path.empty();
  out << "cell solvers, ns per cell (one thread, random cells, best of 3; the KKT solver on\n"
         "each path of its inner loop, * the one in use; vs scalar: the speed-up over the\n"
         "scalar path"
      << (compare ? "; vs old: over " + request.compare_path : std::string()) << "):\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-6s %-7s %5s %3s %10s %10s %s\n", "solver", "path", "gamma",
                "k", "ns/cell", "vs scalar", compare ? "vs old" : "");
  out << line;
  std::map<std::string, double> scalar_ns;
  for (const CellRate& r : rates)
    if (r.path == "scalar") scalar_ns[Earlier::cell_key(r.solver, r.size, r.gamma)] = r.ns_per_cell;
  for (const CellRate& r : rates) {
    const std::string key = Earlier::cell_key(r.solver, r.size, r.gamma);
    const std::string vs_scalar =
        r.path != "scalar" && r.path != "-" ? ratio(scalar_ns, key, r.ns_per_cell) : "-";
    std::snprintf(line, sizeof line, "  %-6s %-7s %5s %3zu %10.0f %10s %s\n", r.solver.c_str(),
                  (r.path + (r.in_use && r.solver == "kkt" ? "*" : "")).c_str(),
                  detail::fmt(r.gamma).c_str(), r.size, r.ns_per_cell, vs_scalar.c_str(),
                  compare && r.in_use ? ratio(earlier.ns_per_cell, key, r.ns_per_cell).c_str() : "");
    out << line;
  }
  out << "\nexact strategies (" << all << " threads; x1: the same with one thread"
      << (compare ? "; vs old: the speed-up over " + request.compare_path : std::string())
      << "; ns/unit x1: one thread, ns per partition, transition or node, the cell table left "
         "out;\n"
         "runs under "
      << detail::fmt(kRepeatBelow) << " s: the best of " << kRepeats << "):\n";
  std::snprintf(line, sizeof line, "  %-20s %-9s %9s %7s %7s %8s %22s %11s %9s %8s %s%s\n", "case",
                "method", "seconds", "vs enum", "vs x1", "table x1", "work per second",
                "ns/unit x1", "cells/s", "peak MiB", "certified d* (nats)", compare ? "  vs old" : "");
  out << line;
  for (const Row& row : rows) {
    const Run& r = row.run;
    const std::string vs_enum = row.vs_enumerate > 0 ? fixed(row.vs_enumerate, 2) : "-";
    const std::string vs_one =
        row.single.threads == 1 ? fixed(row.single.seconds / r.seconds, 2) : "-";
    const std::string table = row.single.threads == 1 && r.table_seconds > 0.05
                                  ? fixed(row.single.table_seconds / r.table_seconds, 2)
                                  : "-";
    const std::string vs_old =
        compare ? "  " + ratio(earlier.seconds, row.c->name + " / " + r.method, r.seconds) : "";
    const std::string per_unit =
        row.single.threads == 1 && row.single.work > 0 ? fixed(ns_per_unit(row.single), 2) : "-";
    std::snprintf(line, sizeof line,
                  "  %-20s %-9s %9s %7s %7s %8s %22s %11s %9s %8s %-3s %-20s%s\n",
                  row.c->name.c_str(), r.method.c_str(), fixed(r.seconds, 3).c_str(),
                  vs_enum.c_str(), vs_one.c_str(), table.c_str(),
                  (detail::fmt_short(r.work / r.seconds) + " " + r.work_unit).c_str(),
                  per_unit.c_str(),
                  detail::fmt_short(r.cells / r.seconds).c_str(), fixed(r.peak_mib, 0).c_str(),
                  r.certified ? "yes" : "NO", detail::fmt(r.dstar).c_str(), vs_old.c_str());
    out << line;
  }
  return 0;
}

}  // namespace focalrd::cli
