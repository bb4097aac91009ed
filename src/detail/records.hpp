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

// CSV: a header from the first record, then one row each (17 digits, empty
// for null). JSON: one object per line. Table: a key/value list for one
// record, aligned columns for several.
void write_records(std::ostream& out, const std::vector<Record>& records, Format format);

}  // namespace focalrd::detail
