#include "detail/control.hpp"

#include <algorithm>
#include <cmath>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"

namespace focalrd {

std::string to_string(Status status) {
  switch (status) {
    case Status::certified:
      return "certified";
    case Status::time_limit:
      return "time_limit";
    case Status::node_limit:
      return "node_limit";
    case Status::interrupted:
      return "interrupted";
    case Status::not_converged:
      return "not_converged";
    case Status::skipped:
      return "skipped";
  }
  return "?";
}

Status worse(Status a, Status b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

void Limits::validate() const {
  // A week is far beyond any run this tool is for; larger values are typos.
  constexpr double kMaxSeconds = 7.0 * 24 * 3600;
  if (!(time_limit_seconds >= 0.0 && time_limit_seconds <= kMaxSeconds))
    throw invalid_input("time limit is " + detail::fmt(time_limit_seconds) +
                        " s; violated constraint: 0 <= time limit <= 604800 (a week; 0: none)");
  if (!(node_limit >= 0.0 && node_limit <= 1e18) || node_limit != std::floor(node_limit))
    throw invalid_input("node limit is " + detail::fmt(node_limit) +
                        "; violated constraint: node limit is an integer in [0, 1e18] (0: none)");
}

namespace detail {

Control::Control(const Limits& limits)
    : start_(Clock::now()),
      deadline_(Clock::time_point::max()),
      node_limit_(limits.node_limit),
      cancel_(limits.cancel),
      progress_(limits.progress ? &limits.progress : nullptr) {
  if (limits.time_limit_seconds > 0.0)
    deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(limits.time_limit_seconds));
}

Control::Control(const Control& parent, const Limits& own, bool forward_progress) : Control(own) {
  deadline_ = std::min(deadline_, parent.deadline_);
  parent_ = &parent;
  forward_progress_ = forward_progress;
}

bool Control::stop() const {
  if (reason_.load(std::memory_order_relaxed) != static_cast<int>(Status::certified)) return true;
  Status why = Status::certified;
  if (cancel_ && cancel_->load(std::memory_order_relaxed))
    why = Status::interrupted;
  else if (parent_ && parent_->stop())
    why = parent_->reason();
  else if (deadline_ != Clock::time_point::max() || progress_) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline_) why = Status::time_limit;
    if (progress_) tick(std::chrono::duration<double>(now - start_).count());
  }
  if (why == Status::certified) return false;
  int expected = static_cast<int>(Status::certified);
  reason_.compare_exchange_strong(expected, static_cast<int>(why));
  return true;
}

double Control::seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double Control::seconds_left() const {
  if (!has_deadline()) return std::numeric_limits<double>::infinity();
  return std::chrono::duration<double>(deadline_ - Clock::now()).count();
}

void Control::report(Progress p, bool force) const {
  if (!progress_) {
    if (parent_ && forward_progress_) parent_->report(std::move(p), force);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(report_mutex_);
    snapshot_ = std::move(p);
  }
  if (force) last_report_ = -1e9;
  tick(seconds());
}

void Control::tick(double now) const {
  if (now - last_report_.load(std::memory_order_relaxed) < 1.0) return;
  std::unique_lock<std::mutex> lock(report_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_report_.load() < 1.0) return;
  last_report_ = now;
  Progress p = snapshot_;
  p.seconds = now;
  (*progress_)(p);
}

}  // namespace detail
}  // namespace focalrd
