// Reads the CSV files focalrd writes: "#" comment lines (the provenance), a
// header row, quoted fields allowed.
#pragma once

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "detail/csv.hpp"

namespace focalrd::test {

using CsvRow = std::map<std::string, std::string>;

inline std::vector<CsvRow> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<CsvRow> rows;
  do {
    if (!std::getline(in, line)) return rows;
  } while (!line.empty() && line[0] == '#');
  const std::vector<std::string> header = detail::csv_fields(line);
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = detail::csv_fields(line);
    CsvRow row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(row);
  }
  return rows;
}

}  // namespace focalrd::test
