// How a computation ended: one set of statuses for every result and command
// (as HiGHS's model status and SCIP's status codes), and the exit status the
// command-line tool derives from it.
#pragma once

#include <string>

namespace focalrd {

enum class Status {
  certified,      // complete: an optimum proved within the requested gap, or a
                  // bound evaluated in full
  time_limit,     // stopped at the time limit: the best code found and a
                  // certified interval [lower, upper] holding the optimum
  node_limit,     // stopped at the node limit: likewise
  interrupted,    // stopped by the cancellation flag (Ctrl-C): likewise
  not_converged,  // a numerical solve stopped at its iteration limit: the
                  // value is a valid code's distortion, not a certified one
  skipped,        // not computed: beyond the method's limits (a note says why)
};

std::string to_string(Status status);

// The more serious of two statuses (certified < time_limit < node_limit <
// interrupted < not_converged < skipped), for the summary of several results.
Status worse(Status a, Status b);

// Exit statuses of the focalrd tool, the same for every command.
inline constexpr int kExitCertified = 0;    // every result certified
inline constexpr int kExitUncertified = 1;  // a valid result that is not (or an interrupt, or a
                                            // check that found a violation)
inline constexpr int kExitBadInput = 2;     // bad input: one line on stderr
inline constexpr int kExitInternal = 3;     // an internal error (a bug)

inline int exit_code(Status status) {
  return status == Status::certified ? kExitCertified : kExitUncertified;
}

}  // namespace focalrd
