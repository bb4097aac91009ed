// Enum values by name, shared by the library and the CLI (as Ceres does with
// StringToLinearSolverType): one lookup, one message naming the choices.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"

namespace focalrd::detail {

// The value of `all` whose to_string is `name`. Throws invalid_input
// "<what> '<name>' is not known; use one of a, b, c" otherwise.
template <typename T>
T from_name(const std::string& name, const std::vector<T>& all, const std::string& what,
            const std::string& also = "") {
  std::string known = also;
  for (const T& t : all) {
    if (to_string(t) == name) return t;
    known += (known.empty() ? "" : ", ") + to_string(t);
  }
  throw invalid_input(what + " " + quoted(name) + " is not known; use one of " + known);
}

}  // namespace focalrd::detail
