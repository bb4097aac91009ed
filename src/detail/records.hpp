// Flat records (name -> value) written as CSV rows, JSON or JSON lines, or a
// table: one mechanism for every tabular report, each led by its provenance.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "detail/json.hpp"
#include "focalrd/report.hpp"

namespace focalrd::detail {

// null (absent), a real, an integer, a flag, text, or a list of reals (a PMF:
// a JSON array, space-separated in CSV).
using Field =
    std::variant<std::monostate, double, long long, bool, std::string, std::vector<double>>;

struct Record {
  std::vector<std::pair<std::string, Field>> fields;

  Record& add(const std::string& name, Field value) {
    fields.emplace_back(name, std::move(value));
    return *this;
  }
  // A distortion in nats, scaled to the output units; absent stays null.
  Record& add(const std::string& name, const std::optional<double>& nats, double scale) {
    return add(name, nats ? Field(*nats * scale) : Field());
  }
};

// A record as bytes and back, exactly (reals by their bits): how a rank of a
// distributed run hands a finished row to the one that writes (cli/mpi.hpp).
// decode_record throws invalid_input on bytes that are not such a record.
std::string encode_record(const Record& record);
Record decode_record(const std::string& bytes);

// The provenance as a JSON object (version, commit, command, date, units,
// source, pmf, and the kinds of the quantities, if any).
void write_provenance(JsonWriter& j, const Provenance& p, Units units,
                      const std::vector<std::pair<std::string, std::string>>& kinds);

// The same as "#" comment lines, for CSV.
void write_provenance_comments(std::ostream& out, const Provenance& p, Units units,
                               const std::vector<std::pair<std::string, std::string>>& kinds);

// Records written as they come, each flushed. CSV: the provenance comments
// and the header before the first row (or at finish() when there is none),
// then one row each (fields with commas, quotes or line breaks quoted; empty
// for null). JSON: {"provenance": ..., "<title>": [rows]}. JSON lines: the
// provenance line, then one object per row. Table: at finish(), since its
// columns are aligned over all rows (a key/value list for one record).
class RecordStream {
 public:
  RecordStream(std::ostream& out, const OutputOptions& options, std::vector<std::string> columns,
               std::string title = "rows",
               std::vector<std::pair<std::string, std::string>> kinds = {});
  void write(const Record& record);
  void finish();

 private:
  void begin();
  std::ostream& out_;
  OutputOptions options_;
  std::vector<std::string> columns_;
  std::string title_;
  std::vector<std::pair<std::string, std::string>> kinds_;
  std::vector<Record> table_;       // rows of a table, until finish()
  std::optional<JsonWriter> json_;  // the document, in JSON format
  bool begun_ = false;
};

// One record as a JSON object, or its fields as members of an open object.
void write_record_object(JsonWriter& j, const Record& record);
void write_record_members(JsonWriter& j, const Record& record);
// A field as CSV or table text (full precision for CSV).
std::string field_text(const Field& f, bool full_precision);

}  // namespace focalrd::detail
