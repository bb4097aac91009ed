// Sizes focalrd refuses beyond, in one place: each bounds the memory or the
// work that one input can ask for (the README's "Limits" lists them).
#pragma once

#include <cstddef>
#include <cstdint>

namespace focalrd::limits {

// Symbols of any source: lists, files and families.
inline constexpr std::size_t kMaxSymbols = 1000000;
// Bytes read from a PMF file (regular files only).
inline constexpr std::uint64_t kMaxFileBytes = std::uint64_t{64} << 20;
// Values of one grid (M, γ, n, ...), and points of one sweep or dataset.
inline constexpr std::size_t kMaxGridPoints = 1000000;
// Threads of any parallel region (0 still means "all available").
inline constexpr int kMaxThreads = 1024;
// Characters of input echoed into an error message.
inline constexpr std::size_t kMaxEchoChars = 80;

}  // namespace focalrd::limits
