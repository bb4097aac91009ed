// focalrd: the command-line tool. Parses, validates, makes one library call,
// prints, and returns a status: 0 success, 1 a result that did not converge
// or a check that found violations, 2 bad input (one line on stderr), 3 an
// internal error.
#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "detail/threads.hpp"
#include "focalrd/focalrd.hpp"

namespace {

using namespace focalrd;

const char* kUsage =
    "focalrd: lossy source coding under the focal loss (Dytso and Cardone)\n"
    "usage: focalrd <command> [options]   (focalrd <command> --help for its options)\n"
    "commands:\n"
    "  exact    the exact d*(M; gamma) of eq. (5) and an optimal code, for small alphabets\n"
    "  bounds   the paper's converse and achievability bounds for one source, M and gamma\n"
    "  sweep    quantities over a grid of gamma and M, to CSV or JSON lines\n"
    "  hgamma   h_gamma(n) of eq. (15) and its bound (16)\n"
    "  check    random instances against converse <= exact <= (28) <= (22) <= (23)\n"
    "  bench    timings of the exact strategies on a fixed suite\n";

// Status lines on stderr, once a run has taken a few seconds.
class StatusLine {
 public:
  void operator()(const std::string& line) {
    if (clock_.seconds() >= 3.0) std::cerr << "focalrd: " << line << std::endl;
  }

 private:
  detail::Stopwatch clock_;
};

int run_exact(const std::vector<std::string>& args) {
  auto request = cli::parse_exact(args, std::cout);
  if (!request) return 0;
  StatusLine status;
  request->options.progress = [&status](const std::string& line) { status(line); };
  const ExactResult result = solve_exact(request->problem, request->options);
  write_exact(std::cout, result, request->problem.pmf(), request->output.format,
              request->output.units);
  if (result.status != SolveStatus::converged) {
    std::cerr << "focalrd: warning: " << result.message << '\n';
    return 1;
  }
  return 0;
}

int run_bounds(const std::vector<std::string>& args) {
  const auto request = cli::parse_bounds(args, std::cout);
  if (!request) return 0;
  const BoundsResult result = evaluate_bounds(request->problem, request->options);
  write_bounds(std::cout, result, request->problem.source().label(), request->output.format,
               request->output.units);
  return 0;
}

// Progress on stderr for sweeps that run longer than a couple of seconds.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void operator()(std::size_t done, std::size_t total) {
    const double t = clock_.seconds();
    if (!enabled_ || t < 2.0 || (t - last_ < 1.0 && done < total)) return;
    last_ = t;
    const double left =
        done ? t * static_cast<double>(total - done) / static_cast<double>(done) : 0;
    std::fprintf(stderr, "sweep: %zu/%zu points, %.0f s elapsed, about %.0f s left\n", done, total,
                 t, left);
  }

 private:
  bool enabled_;
  detail::Stopwatch clock_;
  double last_ = 0.0;
};

int run_sweep(const std::vector<std::string>& args) {
  auto request = cli::parse_sweep(args, std::cout);
  if (!request) return 0;
  std::ofstream file;
  if (!request->output_path.empty()) {
    file.open(request->output_path);
    if (!file) throw std::invalid_argument("--output: cannot write '" + request->output_path + "'");
  }
  Progress progress(request->progress);
  request->options.progress = [&progress](std::size_t done, std::size_t total) {
    progress(done, total);
  };
  const std::vector<SweepPoint> points = focalrd::run_sweep(request->source, request->options);
  std::size_t skipped = 0;
  std::string why;
  for (const SweepPoint& p : points)
    if (!p.result.exact_note.empty()) {
      ++skipped;
      why = p.result.exact_note;
    }
  if (skipped)
    std::cerr << "focalrd: note: exact d* left empty at " << skipped << " points: " << why << '\n';
  write_sweep(file.is_open() ? file : std::cout, points, request->options.quantities,
              request->source.label(), request->output.format, request->output.units);
  return 0;
}

int run_h_gamma(const std::vector<std::string>& args) {
  const auto request = cli::parse_h_gamma(args, std::cout);
  if (!request) return 0;
  write_h_gamma(std::cout, h_gamma_table(request->ns, request->gammas, request->threads),
                request->output.format, request->output.units);
  return 0;
}

int run_bench(const std::vector<std::string>& args) {
  const auto request = cli::parse_bench(args, std::cout);
  if (!request) return 0;
  return cli::run_bench(*request, std::cout);
}

int run_check(const std::vector<std::string>& args) {
  const auto request = cli::parse_check(args, std::cout);
  if (!request) return 0;
  const CheckReport report = focalrd::run_check(request->options);
  write_check(std::cout, report, request->output.format, request->output.units);
  return report.violations.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::cerr << kUsage;
      return 2;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args =
        cli::attach_negative_values(std::vector<std::string>(argv + 2, argv + argc));
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version") {
      std::cout << "focalrd " << FOCALRD_VERSION << '\n';
      return 0;
    }
    if (command == "exact") return run_exact(args);
    if (command == "bounds") return run_bounds(args);
    if (command == "sweep") return run_sweep(args);
    if (command == "hgamma") return run_h_gamma(args);
    if (command == "check") return run_check(args);
    if (command == "bench") return run_bench(args);
    throw std::invalid_argument("unknown command '" + command +
                                "'; use exact, bounds, sweep, hgamma, check or bench, or --help");
  } catch (const std::invalid_argument& e) {
    std::cerr << "focalrd: error: " << e.what() << '\n';
    return 2;
  } catch (const boost::program_options::error& e) {
    std::cerr << "focalrd: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "focalrd: internal error: " << e.what() << '\n';
    return 3;
  }
}
