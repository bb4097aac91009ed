// Result types in their printed forms: a table for people, JSON and CSV
// (17 significant digits) for programs.
#pragma once

#include <ostream>
#include <string>

#include "focalrd/result.hpp"
#include "focalrd/units.hpp"

namespace focalrd {

enum class Format { table, json, csv };
std::string to_string(Format format);
// Throws std::invalid_argument listing the accepted names.
Format format_from_string(const std::string& name);

// The exact optimum and its code. Distortions are converted to `units`.
// JSON: one object with "dstar", "M", "gamma", "cells" (each with "symbols"
// and "pmf"), "stats" and the search's metadata. CSV: a header and one row,
// the code in two columns ("0 1|2" and the matching PMFs).
void write_exact(std::ostream& out, const ExactResult& result, const std::vector<double>& pmf,
                 Format format, Units units);

}  // namespace focalrd
