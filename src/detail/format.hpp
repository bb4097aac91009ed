// Number formatting shared by messages and reports.
#pragma once

#include <charconv>
#include <cstdio>
#include <string>

namespace focalrd::detail {

// The shortest decimal that reads back as the same double (std::to_chars):
// 0.1 prints as 0.1, and every printed number round-trips exactly. Used for
// JSON, CSV and messages alike.
inline std::string fmt(double x) {
  char buf[40];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  return std::string(buf, end);
}

// Three significant digits, for sizes and times in messages.
inline std::string fmt_short(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

}  // namespace focalrd::detail
