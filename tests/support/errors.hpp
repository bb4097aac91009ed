// The message of the std::invalid_argument that f throws, or "accepted".
#pragma once

#include <stdexcept>
#include <string>

namespace focalrd::test {

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace focalrd::test
