#include "focalrd/partition.hpp"

#include <stdexcept>
#include <string>

#include "detail/rgs.hpp"
#include "focalrd/errors.hpp"

namespace focalrd {

namespace {
void check_size(std::size_t n, std::size_t k) {
  if (n > 64)
    throw invalid_input("partition enumeration handles at most 64 symbols, not " +
                        std::to_string(n));
  if (k < 1 || k > n)
    throw invalid_input("cannot partition " + std::to_string(n) + " symbols into " +
                        std::to_string(k) + " non-empty blocks");
}
}  // namespace

double stirling2(std::size_t n, std::size_t k) {
  if (k > n) return 0.0;
  // Row by row: S(i, j) = j S(i-1, j) + S(i-1, j-1).
  std::vector<double> row(k + 1, 0.0);
  row[0] = 1.0;  // S(0, 0)
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = std::min(i, k); j >= 1; --j) row[j] = j * row[j] + row[j - 1];
    row[0] = 0.0;
  }
  return row[k];
}

void for_each_completion(std::size_t n, std::size_t k, const Rgs& prefix,
                         const std::function<void(const Rgs&)>& visit) {
  check_size(n, k);
  if (prefix.size() > n || (!prefix.empty() && prefix[0] != 0))
    throw invalid_input("not a restricted growth string prefix");
  auto leaf = [&](const Rgs& rgs, const std::vector<std::uint64_t>&) {
    visit(rgs);
    return true;
  };
  detail::complete_prefix(n, k, prefix, leaf);
}

void for_each_partition(std::size_t n, std::size_t k,
                        const std::function<void(const Rgs&)>& visit) {
  for_each_completion(n, k, Rgs{0}, visit);
}

std::vector<Rgs> partition_prefixes(std::size_t n, std::size_t k, std::size_t length) {
  check_size(n, k);
  if (length < 1 || length > n) throw invalid_input("prefix length must be in [1, n]");
  // RGSs of this length with at most k labels, in lexicographic order, kept
  // when the remaining symbols can still open the missing blocks.
  std::vector<Rgs> out;
  Rgs a(length, 0);
  std::function<void(std::size_t, std::size_t)> extend = [&](std::size_t pos, std::size_t used) {
    if (pos == length) {
      if (n - length >= k - used) out.push_back(a);
      return;
    }
    for (std::size_t j = 0; j <= used && j < k; ++j) {
      a[pos] = static_cast<int>(j);
      extend(pos + 1, j == used ? used + 1 : used);
    }
  };
  extend(1, 1);
  return out;
}

}  // namespace focalrd
