// Flat records (name -> value) written as CSV rows, JSON lines or a table:
// one mechanism for every tabular report.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "focalrd/report.hpp"

namespace focalrd::detail {

// null (absent), a real, an integer, a flag, or text.
using Field = std::variant<std::monostate, double, long long, bool, std::string>;

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

// Records written as they come, each flushed: CSV (the header with the first
// row, or at finish() when there is none; then one row each; numbers in shortest round-trip form,
// empty for null; fields with commas, quotes or line breaks quoted), JSON lines (one object per
// line), or a table (at finish(), since its columns are aligned over all rows: a key/value list for
// one record, columns for several).
class RecordStream {
 public:
  RecordStream(std::ostream& out, Format format, std::vector<std::string> columns);
  void write(const Record& record);
  void finish();

 private:
  std::ostream& out_;
  Format format_;
  std::vector<std::string> columns_;
  std::vector<Record> table_;  // rows of a table, until finish()
  bool begun_ = false;
  void begin();
};

// All records at once; the columns are those of the first record.
void write_records(std::ostream& out, const std::vector<Record>& records, Format format);

}  // namespace focalrd::detail
