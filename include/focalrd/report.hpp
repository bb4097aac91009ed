// Result types in their printed forms: a table for people, JSON and CSV
// (17 significant digits) for programs.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "focalrd/bounds.hpp"
#include "focalrd/result.hpp"
#include "focalrd/sweep.hpp"
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

// Every bound for one (source, M, γ). JSON keys: "entropy", "h_gamma",
// "h_gamma_bound", "converse", "achievability_28", "achievability_22",
// "achievability_23", "achievability_optimised_fx", "optimised_fx_gain",
// "achievability_reoptimised", "exact" (null when not computed), ...
void write_bounds(std::ostream& out, const BoundsResult& result, const std::string& source,
                  Format format, Units units);

// A sweep as it runs: the header at once, then each point as it finishes,
// flushed (a table is aligned, so it is printed at finish()).
class SweepWriter {
 public:
  SweepWriter(std::ostream& out, const std::vector<Quantity>& quantities, const std::string& source,
              Format format, Units units);
  ~SweepWriter();
  void write(const SweepPoint& point);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A whole sweep (its finished points): CSV with a header row and one row per
// point, or JSON lines (one object per point), or an aligned table.
// Quantities not computed are empty (CSV) or null (JSON).
void write_sweep(std::ostream& out, const std::vector<SweepPoint>& points,
                 const std::vector<Quantity>& quantities, const std::string& source, Format format,
                 Units units);

void write_h_gamma(std::ostream& out, const std::vector<HGammaPoint>& points, Format format,
                   Units units);

// Every violation with its instance, then a summary line.
void write_check(std::ostream& out, const CheckReport& report, Format format, Units units);

}  // namespace focalrd
