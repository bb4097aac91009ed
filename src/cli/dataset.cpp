#include "cli/dataset.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "detail/json_read.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"

namespace focalrd::cli {

namespace {

std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::uint64_t fnv1a(std::uint64_t h, const std::string& s) {
  h = fnv1a(h, s.data(), s.size());
  return fnv1a(h, "\0", 1);
}

}  // namespace

std::vector<Problem> dataset_problems(const DatasetRequest& request) {
  std::vector<Problem> problems;
  for (const Source& source : request.sources)
    for (double gamma : request.options.gammas)
      for (long long M : request.options.messages) problems.emplace_back(source, M, gamma);
  return problems;
}

std::string dataset_fingerprint(const DatasetRequest& request,
                                const std::vector<Problem>& problems) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const Problem& p : problems) {
    h = fnv1a(h, p.source().label());
    h = fnv1a(h, p.pmf().data(), p.pmf().size() * sizeof(double));
    const std::uint64_t M = p.messages();
    const double gamma = p.gamma();
    h = fnv1a(h, &M, sizeof M);
    h = fnv1a(h, &gamma, sizeof gamma);
  }
  for (Quantity q : request.options.quantities) h = fnv1a(h, to_string(q));
  const BoundsOptions& b = request.options.bounds;
  const ExactOptions& e = b.exact_options;
  h = fnv1a(h, to_string(b.fx));
  h = fnv1a(h, b.fx_given.data(), b.fx_given.size() * sizeof(double));
  h = fnv1a(h, &b.fx_evaluations, sizeof b.fx_evaluations);
  h = fnv1a(h, to_string(e.method));
  h = fnv1a(h, to_string(e.cell_solver));
  h = fnv1a(h, &e.rel_gap, sizeof e.rel_gap);
  h = fnv1a(h, &e.limits.node_limit, sizeof e.limits.node_limit);
  h = fnv1a(h, &b.limits.time_limit_seconds, sizeof b.limits.time_limit_seconds);
  h = fnv1a(h, to_string(request.output.units));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<char> finished_records(const std::string& path, const std::string& fingerprint,
                                   std::size_t instances) {
  std::vector<char> done(instances, 0);
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return done;  // nothing yet
  const std::string what = "--resume " + quoted(path);
  if (!S_ISREG(info.st_mode)) throw invalid_input(what + " is not a regular file");
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::uint64_t offset = 0, complete = 0;
  bool first = true;
  while (std::getline(in, line)) {
    const bool ended = !in.eof();  // the line had its newline
    offset += line.size() + (ended ? 1 : 0);
    detail::JsonValue v;
    try {
      v = detail::JsonValue::parse(line, what);
    } catch (const invalid_input&) {
      if (first || ended)
        throw invalid_input(what + " is not a focalrd dataset (line " +
                            std::string(first ? "1" : "in the middle") + " is not JSON)");
      break;  // a last line a stop cut short
    }
    if (first) {
      const detail::JsonValue* p = v.find("provenance");
      const detail::JsonValue* f = p ? p->find("dataset") : nullptr;
      if (!f || f->kind() != detail::JsonValue::Kind::string)
        throw invalid_input(what + " is not a focalrd dataset (no provenance line)");
      if (f->as_string(what) != fingerprint)
        throw invalid_input(what + " holds another dataset (fingerprint " +
                            quoted(f->as_string(what)) + ", this one is " + fingerprint +
                            "): the sources, grids, quantities or options differ");
      first = false;
    } else {
      const long long id = v.at("id").as_integer(what + " id");
      if (id < 0 || static_cast<std::size_t>(id) >= instances)
        throw invalid_input(what + " holds a record id " + std::to_string(id) +
                            " outside this dataset");
      done[static_cast<std::size_t>(id)] = 1;
    }
    if (ended) complete = offset;
  }
  if (first) throw invalid_input(what + " is empty; remove it or start without --resume");
  // Cut what follows the last complete line.
  if (complete < static_cast<std::uint64_t>(info.st_size) &&
      truncate(path.c_str(), static_cast<off_t>(complete)) != 0)
    throw invalid_input(what + ": cannot cut its incomplete last line: " + std::strerror(errno));
  return done;
}

void sort_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string header, line;
  std::getline(in, header);
  std::vector<std::pair<long long, std::string>> records;
  while (std::getline(in, line)) {
    const detail::JsonValue v = detail::JsonValue::parse(line, path);
    records.emplace_back(v.at("id").as_integer("id"), line);
  }
  in.close();
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << header << '\n';
    for (const auto& r : records) out << r.second << '\n';
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

}  // namespace focalrd::cli
