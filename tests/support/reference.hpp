// Reads the independent reference tables in data/reference/ (JSON, via
// Boost.PropertyTree, which keeps every number as its decimal string).
#pragma once

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "focalrd/source.hpp"

namespace focalrd::test {

using Tree = boost::property_tree::ptree;

inline std::string data_path(const std::string& relative) {
  return std::string(FOCALRD_DATA_DIR) + "/" + relative;
}

// The top-level array of a reference file, one tree per record.
inline std::vector<Tree> read_records(const std::string& relative) {
  Tree root;
  boost::property_tree::read_json(data_path(relative), root);
  std::vector<Tree> out;
  for (const auto& child : root) out.push_back(child.second);
  return out;
}

// A reference value as written (subnormal values included, which focalrd's
// input rule refuses); fractions a/b as parse_number reads them.
inline double number(const Tree& t, const std::string& key) {
  const std::string text = t.get<std::string>(key);
  return text.find('/') == std::string::npos ? std::strtod(text.c_str(), nullptr)
                                             : parse_number(text, key);
}

inline std::vector<double> numbers(const Tree& t, const std::string& key) {
  std::vector<double> out;
  for (const auto& child : t.get_child(key)) out.push_back(parse_number(child.second.data(), key));
  return out;
}

inline std::vector<std::vector<std::size_t>> partition(const Tree& t) {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& block : t.get_child("partition")) {
    out.emplace_back();
    for (const auto& a : block.second) out.back().push_back(a.second.get_value<std::size_t>());
  }
  return out;
}

}  // namespace focalrd::test
