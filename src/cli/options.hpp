// Command-line options of the focalrd tool: their definitions, parsing and
// validation into library objects. Only the CLI uses Boost.Program_options.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "focalrd/problem.hpp"
#include "focalrd/report.hpp"
#include "focalrd/search.hpp"
#include "focalrd/units.hpp"

namespace focalrd::cli {

struct ExactRequest {
  Problem problem;
  ExactOptions options;
  Format format;
  Units units;
};

// Parses the arguments after `focalrd exact`. Returns nothing when --help was
// asked for (the help is written to `help`). Throws std::invalid_argument (or
// a Boost.Program_options error) with a one-line message on bad input.
std::optional<ExactRequest> parse_exact(const std::vector<std::string>& args, std::ostream& help);

// Rewrites "--opt -1" as "--opt=-1" (and "-M -1" as "-M-1") so that negative
// numbers reach the validation that explains why they are refused, instead of
// being taken for options.
std::vector<std::string> attach_negative_values(const std::vector<std::string>& args);

}  // namespace focalrd::cli
