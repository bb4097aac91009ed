// Branch-and-bound, part 5: checkpoints. The whole state of a search at the
// end of a wave, in a documented, versioned JSON file (README, "Checkpoints"):
//
//   {"format": "focalrd-bnb-checkpoint", "format_version": 2,
//    "focalrd": "0.2.0", "commit": "...",
//    "instance": {"n": 101, "M": 8, "gamma": 4, "rel_gap": 1e-09, "fingerprint": "<16 hex>"},
//    "state": {"tail": 63, "x": -3.2, "waves": 12, "nodes": 80211, "solves": 912345,
//              "upper": 0.0449, "incumbent": [0, 1, ...], "pruned": 0.0448 | null,
//              "open": [{"bound": 0.0448, "labels": [0, 1, 1]}, ...]},
//    "checksum": "<16 hex>"}
//
// Labels are the cells of the symbols in decreasing order of mass (ties by
// index), cells numbered in order of opening. Values in nats, in their
// shortest round-trip form, so a resumed search continues exactly.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "bnb/instance.hpp"
#include "bnb/subtree.hpp"
#include "focalrd/problem.hpp"

namespace focalrd::bnb {

struct SearchState {
  std::size_t tail = 0;
  double x = 0.0;  // ln θ every subproblem starts its bound from
  std::uint64_t waves = 0, nodes = 0, solves = 0;
  double upper = kInf;
  std::vector<int> incumbent;  // cells of the sorted symbols
  double pruned = kInf;        // least bound of a node pruned within the gap
  std::deque<OpenNode> open;
};

// What a checkpoint must match to be resumed: the PMF, M, γ and the gap.
std::string fingerprint(const Problem& problem, double rel_gap);

// Writes the state to `path` atomically (a temporary file, then a rename).
void write_checkpoint(const std::string& path, const Problem& problem, double rel_gap,
                      const SearchState& state);

// Reads a checkpoint for this problem and gap; throws invalid_input when it
// is not one, or belongs to another instance or another focalrd version.
SearchState read_checkpoint(const std::string& path, const Problem& problem, double rel_gap,
                            const Instance& in);

// Throws invalid_input unless a file can be written at `path`.
void check_writable(const std::string& path);

}  // namespace focalrd::bnb
