// Replays focalrd's own outputs (and the reference tables in data/reference/)
// on the current build: certified values must agree to a tolerance, codes are
// checked by recomputing their distortion (equal-cost codes may differ), and
// heuristics by their guarantees (README, "focalrd verify").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "focalrd/control.hpp"

namespace focalrd {

struct VerifyOptions {
  double tolerance = 1e-9;  // relative, for certified values
  // A certified d* is recomputed (method auto) with at most this many
  // branch-and-bound nodes (0: none); one not certified within it is counted
  // as skipped, not as a disagreement.
  double exact_node_limit = 0.0;
  int threads = 0;
  Limits limits;  // records not reached are counted as skipped
};

struct VerifyReport {
  std::size_t records = 0;                 // records read
  std::size_t certified = 0;               // certified values that agree
  std::size_t heuristic = 0;               // heuristic values whose guarantees hold
  std::size_t codes = 0;                   // codes whose distortion was recomputed
  std::size_t skipped = 0;                 // values or records not checked (limits), see notes
  std::vector<std::string> disagreements;  // one line each
  std::vector<std::string> notes;          // why something was skipped
  bool ok() const { return disagreements.empty(); }
};

// Checks the text of one file: a JSON document, JSON lines or CSV written by
// focalrd (sweep, bounds, exact, hgamma, dataset), or a reference table.
// `name` prefixes each line. Throws invalid_input when the text is none of
// these.
VerifyReport verify(const std::string& text, const std::string& name,
                    const VerifyOptions& options = {});

}  // namespace focalrd
