// What may stop a long computation before it completes, and what it reports
// while it runs. The library never installs a signal handler: a caller (the
// CLI on SIGINT, a future Python layer on KeyboardInterrupt) sets `cancel`,
// and every loop of every phase polls it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace focalrd {

// A snapshot of a running computation, for progress lines.
struct Progress {
  std::string phase;  // "incumbent", "root bound", "wave 3 of 12", "cell table", ...
  // The certified interval on the optimum so far (nats); NaN when there is none yet.
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;            // since the call started
  std::uint64_t nodes = 0;         // branch-and-bound nodes so far
  double done = 0.0, total = 0.0;  // units of work (points, cells, ...), when known
};

struct Limits {
  // Wall-clock seconds for the whole call, every phase included (0: none).
  double time_limit_seconds = 0.0;
  // Branch-and-bound nodes (0: none). Deterministic: the same count stops
  // the search at the same place on any machine and thread count.
  double node_limit = 0.0;
  // Set to true from any thread, or from a signal handler, to stop at the
  // next poll; the result then has status `interrupted`.
  const std::atomic<bool>* cancel = nullptr;
  // Called from one thread at a time, at most about once a second.
  std::function<void(const Progress&)> progress;

  // Throws invalid_input naming the violated constraint.
  void validate() const;
};

}  // namespace focalrd
