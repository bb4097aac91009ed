// Result types in their printed forms: a table for people; JSON, JSON lines
// and CSV for programs, every number in its shortest round-trip form and
// every output led by its provenance (README, "Output formats").
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "focalrd/bounds.hpp"
#include "focalrd/excess.hpp"
#include "focalrd/nletter.hpp"
#include "focalrd/result.hpp"
#include "focalrd/source.hpp"
#include "focalrd/sweep.hpp"
#include "focalrd/units.hpp"

namespace focalrd {

namespace detail {
struct Record;  // a flat row (src/detail/records.hpp)
}

// table: for reading. json: one JSON document. jsonl: one JSON object per
// line, the first being {"provenance": ...}. csv: "#" comment lines with the
// provenance, a header row (always, even with no rows), one row per record.
enum class Format { table, json, jsonl, csv };
std::string to_string(Format format);
// Throws invalid_input listing the accepted names.
Format format_from_string(const std::string& name);

// What made an output: focalrd's version and git commit (filled in when
// written), the command line, the date, and the source as given with the
// PMF actually used.
struct Provenance {
  std::string command;      // the command line, words quoted as needed
  std::string date;         // UTC, ISO 8601
  std::string source;       // a family spec, a file path, "pmf", or empty
  std::vector<double> pmf;  // R_X as used (after weights); empty without a source
  // An i.i.d. block source (iid:N,...): N and the letters k; 0 otherwise.
  std::size_t block_length = 0, letters = 0;
};
// The provenance of a run of `command` now, on `source` (null: none).
Provenance make_provenance(const std::string& command, const Source* source);
// argv as one line, each word quoted for a POSIX shell when it needs it.
std::string command_line(int argc, const char* const* argv);

struct OutputOptions {
  Format format = Format::table;
  Units units = Units::bits;
  Provenance provenance;
};

// What a quantity's value is: "certified" (a closed form, an exact code's
// distortion or a bound proved and evaluated in full) or "heuristic" (the
// best found by a search, valid but not optimal: the optimised F_X).
std::string kind(Quantity q);

// The exact optimum and its code. JSON: "provenance", "dstar", "M", "gamma",
// "lower_bound", "upper_bound", "certified", "status", "cells" (each
// "symbols", "pmf", "distortion"), "stats". CSV: one row, the code in two
// columns ("0 1|2" and the matching PMFs).
void write_exact(std::ostream& out, const ExactResult& result, const OutputOptions& options);

// Every bound for one (source, M, γ), with its kind; absent quantities are
// null (JSON) or empty (CSV).
void write_bounds(std::ostream& out, const BoundsResult& result, const OutputOptions& options);

// A sweep as it runs: the header (and provenance) before the first row, then
// each point as it finishes, flushed (a table is aligned, so it is printed at
// finish()).
class SweepWriter {
 public:
  SweepWriter(std::ostream& out, const std::vector<Quantity>& quantities,
              const OutputOptions& options);
  ~SweepWriter();
  void write(const SweepPoint& point);
  // A point's row made elsewhere (sweep_record; another rank of a distributed run).
  void write(const detail::Record& record);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A point's row as SweepWriter writes it.
detail::Record sweep_record(const SweepPoint& point, const std::vector<Quantity>& quantities,
                            const OutputOptions& options);

// A whole sweep (its finished points).
void write_sweep(std::ostream& out, const std::vector<SweepPoint>& points,
                 const std::vector<Quantity>& quantities, const OutputOptions& options);

// A dataset (focalrd dataset): one record per instance with its full input,
// every quantity with its kind and status, the optimised F_X and the code
// (README, "focalrd dataset"). JSON lines (the provenance line first, unless
// `header` is false: a resumed file has it already) or one JSON document.
// The provenance carries the dataset's `fingerprint` and size.
class DatasetWriter {
 public:
  DatasetWriter(std::ostream& out, const std::vector<Quantity>& quantities,
                const OutputOptions& options, const std::string& fingerprint, std::size_t instances,
                bool header = true);
  ~DatasetWriter();
  void write(const SweepPoint& point, const Source& source);
  // A record made elsewhere by dataset_record_json (another rank).
  void write(const std::string& record);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A dataset record as the JSON text DatasetWriter writes.
std::string dataset_record_json(const SweepPoint& point, const Source& source,
                                const std::vector<Quantity>& quantities, Units units);

// The rows of an excess-distortion table (excess.hpp); `inverse` adds the
// target ε of each row.
void write_excess(std::ostream& out, const std::vector<ExcessRow>& rows, bool inverse,
                  const OutputOptions& options);
// The rows of focalrd nletter (nletter.hpp), every distortion per letter.
void write_nletter(std::ostream& out, const std::vector<NLetterRow>& rows,
                   const OutputOptions& options);
void write_h_gamma(std::ostream& out, const std::vector<HGammaPoint>& points,
                   const OutputOptions& options);

// Every violation with its instance, and a summary (JSON: "summary" and
// "violations"; JSON lines: the violations, then {"summary": ...}; CSV: the
// summary as comment lines, then a row per violation).
void write_check(std::ostream& out, const CheckReport& report, const OutputOptions& options);

}  // namespace focalrd
