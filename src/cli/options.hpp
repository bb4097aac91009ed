// Command-line options of the focalrd tool: their definitions, parsing and
// validation into library objects. Only the CLI uses Boost.Program_options.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/bench.hpp"
#include "focalrd/bounds.hpp"
#include "focalrd/nletter.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/report.hpp"
#include "focalrd/search.hpp"
#include "focalrd/sweep.hpp"
#include "focalrd/units.hpp"
#include "focalrd/verify.hpp"

namespace focalrd::cli {

// The format and units; main() adds the provenance.
using Output = OutputOptions;

struct ExactRequest {
  Problem problem;
  ExactOptions options;
  Output output;
};

struct BoundsRequest {
  Problem problem;
  BoundsOptions options;
  Output output;
};

struct SweepRequest {
  Source source;
  SweepOptions options;
  Output output;
  std::string output_path;  // empty: standard output
  bool progress = true;
};

struct DatasetRequest {
  std::vector<Source> sources;  // expanded family grids, then lists, then files
  SweepOptions options;         // messages, gammas, quantities, limits ...
  Output output;
  std::string output_path;  // empty: standard output
  bool resume = false;
  bool progress = true;
};

struct VerifyRequest {
  std::vector<std::string> files;
  VerifyOptions options;
  bool verbose = false;  // also a line per skipped value
};

struct HGammaRequest {
  std::vector<long long> ns;
  std::vector<double> gammas;
  int threads = 0;
  Output output;
  Limits limits;
};

struct ExcessRequest {
  std::optional<Source> source;  // absent for blocks counted by types
  std::optional<ExcessDistortion> solver;
  std::string label;  // the source as given
  MessageGrid messages;  // from -M, or from --rate
  std::vector<double> gammas;
  std::vector<double> levels;  // D values, or ε targets with `inverse`
  bool inverse = false;
  Output output;
  Limits limits;
};

struct NLetterRequest {
  std::vector<std::string> letters;  // P1, ..., Pk as written
  std::vector<long long> ns;
  std::vector<double> gammas;
  NLetterOptions options;
  Output output;
};

struct CheckRequest {
  CheckOptions options;
  Output output;
};

// Each parses the arguments after `focalrd <command>`. They return nothing
// when --help was asked for (the help is written to `help`), and throw
// std::invalid_argument (or a Boost.Program_options error) with a one-line
// message on bad input.
std::optional<ExactRequest> parse_exact(const std::vector<std::string>& args, std::ostream& help);
std::optional<BoundsRequest> parse_bounds(const std::vector<std::string>& args, std::ostream& help);
std::optional<SweepRequest> parse_sweep(const std::vector<std::string>& args, std::ostream& help);
std::optional<DatasetRequest> parse_dataset(const std::vector<std::string>& args,
                                            std::ostream& help);
std::optional<VerifyRequest> parse_verify(const std::vector<std::string>& args, std::ostream& help);
std::optional<ExcessRequest> parse_excess(const std::vector<std::string>& args, std::ostream& help);
std::optional<NLetterRequest> parse_nletter(const std::vector<std::string>& args, std::ostream& help);
std::optional<HGammaRequest> parse_h_gamma(const std::vector<std::string>& args,
                                           std::ostream& help);
std::optional<CheckRequest> parse_check(const std::vector<std::string>& args, std::ostream& help);
std::optional<BenchRequest> parse_bench(const std::vector<std::string>& args, std::ostream& help);

// Rewrites "--opt -1" as "--opt=-1" (and "-M -1" as "-M-1") so that negative
// numbers reach the validation that explains why they are refused, instead of
// being taken for options.
std::vector<std::string> attach_negative_values(const std::vector<std::string>& args);

}  // namespace focalrd::cli
