// focalrd dataset: the instances of the grids, their fingerprint, and the
// resumption of an interrupted JSON-lines file.
#pragma once

#include <atomic>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/options.hpp"

namespace focalrd::cli {

// Every (source, gamma, M) of the request, source-major, then gamma, then M.
std::vector<Problem> dataset_problems(const DatasetRequest& request);

// What a resumed file must match: the instances and everything that changes
// their values (16 hex digits).
std::string dataset_fingerprint(const DatasetRequest& request,
                                const std::vector<Problem>& problems);

// The records already in a JSON-lines dataset at `path`: done[id] = 1.
// Throws invalid_input if the file is another dataset's; cuts a last line
// that a stop left incomplete. An absent file is an empty dataset.
std::vector<char> finished_records(const std::string& path, const std::string& fingerprint,
                                   std::size_t instances);

// Rewrites the JSON-lines dataset at `path` with its records in id order
// (after a resumed run appended the missing ones), atomically.
void sort_records(const std::string& path);

}  // namespace focalrd::cli
