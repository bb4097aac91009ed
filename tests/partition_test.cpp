#include "focalrd/partition.hpp"

#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <vector>

using namespace focalrd;

namespace {
// A partition as a set of blocks (each a set of symbols): independent of labels.
std::set<std::set<int>> blocks_of(const Rgs& rgs) {
  std::vector<std::set<int>> blocks;
  for (std::size_t i = 0; i < rgs.size(); ++i) {
    if (static_cast<std::size_t>(rgs[i]) >= blocks.size()) blocks.resize(rgs[i] + 1);
    blocks[rgs[i]].insert(static_cast<int>(i));
  }
  return {blocks.begin(), blocks.end()};
}
}  // namespace

TEST_CASE("Stirling numbers of the second kind") {
  CHECK(stirling2(0, 0) == 1.0);
  CHECK(stirling2(5, 0) == 0.0);
  CHECK(stirling2(3, 2) == 3.0);
  CHECK(stirling2(10, 3) == 9330.0);
  CHECK(stirling2(12, 3) == 86526.0);
  CHECK(stirling2(20, 4) == 45232115901.0);
  CHECK(stirling2(4, 5) == 0.0);
}

TEST_CASE("the enumerator yields exactly S(n, k) distinct partitions") {
  for (std::size_t n = 1; n <= 9; ++n) {
    for (std::size_t k = 1; k <= n; ++k) {
      std::set<std::set<std::set<int>>> seen;
      std::size_t count = 0;
      Rgs previous;
      bool ordered = true;
      for_each_partition(n, k, [&](const Rgs& rgs) {
        ++count;
        const auto b = blocks_of(rgs);
        CHECK(b.size() == k);  // exactly k non-empty blocks
        seen.insert(b);
        if (!previous.empty() && !(previous < rgs)) ordered = false;
        previous = rgs;
      });
      INFO("n=" << n << " k=" << k);
      CHECK(count == stirling2(n, k));
      CHECK(seen.size() == count);  // no relabelled duplicates
      CHECK(ordered);               // lexicographic order
    }
  }
}

TEST_CASE("prefix slices cover every partition exactly once, in order") {
  for (std::size_t n : {5u, 8u}) {
    for (std::size_t k : {2u, 3u, 5u}) {
      std::vector<Rgs> whole;
      for_each_partition(n, k, [&](const Rgs& rgs) { whole.push_back(rgs); });
      for (std::size_t length = 1; length <= n; ++length) {
        std::vector<Rgs> sliced;
        for (const Rgs& prefix : partition_prefixes(n, k, length))
          for_each_completion(n, k, prefix, [&](const Rgs& rgs) { sliced.push_back(rgs); });
        INFO("n=" << n << " k=" << k << " prefix length " << length);
        CHECK(sliced == whole);
      }
    }
  }
}

TEST_CASE("partition enumeration refuses impossible sizes") {
  CHECK_THROWS_AS(for_each_partition(3, 4, [](const Rgs&) {}), std::invalid_argument);
  CHECK_THROWS_AS(for_each_partition(65, 2, [](const Rgs&) {}), std::invalid_argument);
}
