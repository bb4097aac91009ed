// focalrd: the command-line tool. Parses, validates, makes one library call,
// prints, and returns a status: 0 success, 1 a result that did not converge,
// 2 bad input (one line on stderr), 3 an internal error.
#include <boost/program_options/errors.hpp>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "focalrd/focalrd.hpp"

namespace {

const char* kUsage =
    "focalrd: lossy source coding under the focal loss (Dytso and Cardone)\n"
    "usage: focalrd <command> [options]   (focalrd <command> --help for its options)\n"
    "commands:\n"
    "  exact    the exact d*(M; gamma) of eq. (5) and an optimal code, for small alphabets\n";

int run_exact(const std::vector<std::string>& args) {
  const auto request = focalrd::cli::parse_exact(args, std::cout);
  if (!request) return 0;
  const focalrd::ExactResult result = focalrd::solve_exact(request->problem, request->options);
  focalrd::write_exact(std::cout, result, request->problem.pmf(), request->format,
                       request->units);
  if (result.status != focalrd::SolveStatus::converged) {
    std::cerr << "focalrd: warning: " << result.message << '\n';
    return 1;
  }
  return 0;
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
        focalrd::cli::attach_negative_values(std::vector<std::string>(argv + 2, argv + argc));
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version") {
      std::cout << "focalrd " << FOCALRD_VERSION << '\n';
      return 0;
    }
    if (command == "exact") return run_exact(args);
    throw std::invalid_argument("unknown command '" + command + "'; use exact, or --help");
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
