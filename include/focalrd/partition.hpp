// Set partitions of the alphabet {0, ..., n-1} into exactly k non-empty
// blocks, as restricted growth strings (RGS): a[0] = 0 and
// a[i] <= 1 + max(a[0..i-1]), with labels 0..k-1 all used. Each partition
// has exactly one RGS (blocks are labelled in order of their smallest
// symbol), so enumerating RGSs lists every partition once, without
// relabelled duplicates.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace focalrd {

// Stirling number of the second kind S(n, k): the number of partitions of n
// symbols into k non-empty blocks. As a double (+inf beyond its range).
double stirling2(std::size_t n, std::size_t k);

using Rgs = std::vector<int>;

// Calls visit(rgs) for every partition of n symbols into exactly k blocks, in
// lexicographic order of the RGS.
void for_each_partition(std::size_t n, std::size_t k, const std::function<void(const Rgs&)>& visit);

// The RGS prefixes of the given length that extend to at least one partition
// into k blocks, in lexicographic order. The partitions completing the
// prefixes, prefix by prefix, are exactly those of for_each_partition, in the
// same order: this is how the enumeration is split across threads.
std::vector<Rgs> partition_prefixes(std::size_t n, std::size_t k, std::size_t length);

// Calls visit(rgs) for every partition into k blocks whose RGS starts with prefix.
void for_each_completion(std::size_t n, std::size_t k, const Rgs& prefix,
                         const std::function<void(const Rgs&)>& visit);

}  // namespace focalrd
