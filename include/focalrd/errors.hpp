// Errors by kind, so that callers in any language can react differently
// (pagmo2 and HiGHS keep the same split). Every message names the value and
// the rule it broke.
#pragma once

#include <stdexcept>

namespace focalrd {

// Bad input: a value that breaks a documented rule ("probability of symbol 3
// is -0.1; probabilities must be in [0, 1]"). The CLI exits with status 2.
class invalid_input : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Valid input beyond what the chosen method (or a documented size limit)
// accepts; the message says how much work it would be and what to use
// instead. Also exit status 2.
class too_large : public invalid_input {
 public:
  using invalid_input::invalid_input;
};

// A broken invariant inside focalrd: a bug, to be reported (exit status 3).
class internal_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace focalrd
