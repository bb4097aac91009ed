// The run-time side of Limits: one clock, one deadline, the cancellation flag
// and rate-limited progress, shared by every phase of one library call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <utility>

#include "focalrd/control.hpp"
#include "focalrd/status.hpp"

namespace focalrd::detail {

class Control {
 public:
  // Starts the clock of a call with these limits.
  explicit Control(const Limits& limits);
  // A sub-computation of `parent` (an exact search inside a bounds call): the
  // parent's deadline and flag, and the tighter of its own limits. Its
  // progress goes to the parent's callback unless `forward_progress` is
  // false (the points of a sweep, which reports per point).
  Control(const Control& parent, const Limits& own, bool forward_progress = true);
  Control(const Control&) = delete;
  Control& operator=(const Control&) = delete;

  // Whether to stop now: the deadline has passed or the flag is set (sticky
  // once true). Thread-safe; costs a clock read and an atomic load. Also
  // passes the current progress snapshot on, when one is due (so every loop
  // that polls keeps the progress lines coming).
  bool stop() const;
  // Why it stopped: time_limit or interrupted (certified while running).
  Status reason() const { return static_cast<Status>(reason_.load(std::memory_order_relaxed)); }
  double seconds() const;
  double node_limit() const { return node_limit_; }
  bool has_deadline() const { return deadline_ != Clock::time_point::max(); }
  // Seconds until the deadline (negative once past; +inf without one).
  double seconds_left() const;

  // Makes `p` the progress snapshot and passes it (with the elapsed time
  // filled in) to the progress callback at once if `force` (a new phase),
  // otherwise when one is due (about once a second). Thread-safe.
  void report(Progress p, bool force = false) const;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_, deadline_;
  double node_limit_ = 0.0;
  const std::atomic<bool>* cancel_ = nullptr;
  const Control* parent_ = nullptr;
  bool forward_progress_ = true;
  const std::function<void(const Progress&)>* progress_ = nullptr;
  mutable std::atomic<int> reason_{static_cast<int>(Status::certified)};
  // The snapshot, and when it was last passed on (under report_mutex_).
  void tick(double now) const;
  mutable std::mutex report_mutex_;
  mutable Progress snapshot_;
  mutable std::atomic<double> last_report_{-1e9};
};

// Polls `control.stop()` at the first call and then once every `period`
// calls (a power of two), for loops whose iterations cost less than a clock
// read.
class Poll {
 public:
  Poll(const Control& control, std::uint32_t period = 1024)
      : control_(control), mask_(period - 1) {}
  bool stop() { return (count_++ & mask_) == 0 ? (stopped_ = control_.stop()) : stopped_; }

 private:
  const Control& control_;
  std::uint32_t mask_;
  std::uint32_t count_ = 0;
  bool stopped_ = false;
};

}  // namespace focalrd::detail
