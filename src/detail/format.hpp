// Number formatting shared by messages and reports.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace focalrd::detail {

// Shortest round-trip form for messages: %.17g trimmed to what is needed.
inline std::string fmt(double x) {
  char buf[40];
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

// Three significant digits, for sizes and times in messages.
inline std::string fmt_short(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

// Full precision (17 significant digits), for JSON and CSV.
inline std::string fmt17(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

}  // namespace focalrd::detail
