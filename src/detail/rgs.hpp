// The restricted-growth-string enumerator behind partition.hpp, as a template
// so that the exhaustive search's per-partition work is inlined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace focalrd::detail {

// Completes the RGS rgs[0..pos) (labels 0..used-1 used so far) to all RGSs of
// length n with exactly k labels, in lexicographic order, keeping masks[j] =
// the bit set of block j (n <= 64). Calls visit(rgs, masks) at each one;
// visit returns false to stop the enumeration, and then so does this.
template <typename Visit>
bool complete_rgs(std::size_t n, std::size_t k, std::vector<int>& rgs,
                  std::vector<std::uint64_t>& masks, std::size_t pos, std::size_t used,
                  Visit& visit) {
  if (pos == n) return visit(rgs, masks);
  const std::size_t left = n - pos;  // symbols still to place, this one included
  // An existing block only if the remaining symbols can still open the
  // missing blocks; a new block only if fewer than k are open.
  const std::size_t existing = left - 1 >= k - used ? used : 0;
  const std::uint64_t bit = std::uint64_t{1} << pos;
  for (std::size_t j = 0; j < existing; ++j) {
    rgs[pos] = static_cast<int>(j);
    masks[j] |= bit;
    const bool more = complete_rgs(n, k, rgs, masks, pos + 1, used, visit);
    masks[j] &= ~bit;
    if (!more) return false;
  }
  if (used < k) {
    rgs[pos] = static_cast<int>(used);
    masks[used] |= bit;
    const bool more = complete_rgs(n, k, rgs, masks, pos + 1, used + 1, visit);
    masks[used] &= ~bit;
    if (!more) return false;
  }
  return true;
}

// Starts complete_rgs from a prefix (which must itself be a valid RGS prefix).
template <typename Visit>
bool complete_prefix(std::size_t n, std::size_t k, const std::vector<int>& prefix, Visit& visit) {
  std::vector<int> rgs(n, 0);
  std::vector<std::uint64_t> masks(k, 0);
  std::size_t used = 0;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    rgs[i] = prefix[i];
    masks[prefix[i]] |= std::uint64_t{1} << i;
    if (static_cast<std::size_t>(prefix[i]) + 1 > used) used = prefix[i] + 1;
  }
  if (used > k || n - prefix.size() < k - used) return true;  // cannot reach k blocks
  return complete_rgs(n, k, rgs, masks, prefix.size(), used, visit);
}

}  // namespace focalrd::detail
