// Shared by the libFuzzer harnesses: a parser may refuse its input with
// invalid_input (or too_large), nothing else. Any other exception, a crash,
// a leak, undefined behaviour or a hang is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

#include "focalrd/errors.hpp"

namespace focalrd::fuzz {

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `f`; refusals are fine, anything else aborts with the message.
template <typename F>
void expect_refusal_or_success(F f) {
  try {
    f();
  } catch (const focalrd::invalid_input& e) {
    // A one-line message that names the rule.
    const std::string m = e.what();
    if (m.empty() || m.find('\n') != std::string::npos) std::abort();
  } catch (const std::exception& e) {
    __builtin_trap();
  }
}

// The invariant of a check: abort (a finding) when it fails.
inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace focalrd::fuzz
