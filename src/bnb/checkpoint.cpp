#include "bnb/checkpoint.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "detail/format.hpp"
#include "detail/json.hpp"
#include "detail/json_read.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"
#include "focalrd/version.hpp"

namespace focalrd::bnb {

namespace {

constexpr const char* kFormat = "focalrd-bnb-checkpoint";
constexpr long long kFormatVersion = 2;  // 2: the state's checksum
// Checkpoints hold the open nodes of a search; far below this in practice.
constexpr std::uint64_t kMaxCheckpointBytes = std::uint64_t{1} << 32;

std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// FNV-1a over the state's values as read back (the doubles round-trip
// exactly): a damaged or hand-edited state is refused rather than trusted.
std::string checksum(const SearchState& st) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto add = [&](const auto& v) { h = fnv1a(h, &v, sizeof v); };
  add(static_cast<std::uint64_t>(st.tail));
  add(st.x);
  add(st.waves);
  add(st.nodes);
  add(st.solves);
  add(st.upper);
  add(st.pruned);
  auto add_labels = [&](const std::vector<int>& labels) {
    add(static_cast<std::uint64_t>(labels.size()));
    h = fnv1a(h, labels.data(), labels.size() * sizeof(int));
  };
  add_labels(st.incumbent);
  for (const OpenNode& node : st.open) {
    add(node.bound);
    add_labels(node.labels);
  }
  return hex16(h);
}

}  // namespace

std::string fingerprint(const Problem& problem, double rel_gap) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  const std::uint64_t n = problem.size(), M = problem.messages();
  const double gamma = problem.gamma();
  h = fnv1a(h, &n, sizeof n);
  h = fnv1a(h, &M, sizeof M);
  h = fnv1a(h, &gamma, sizeof gamma);
  h = fnv1a(h, &rel_gap, sizeof rel_gap);
  h = fnv1a(h, problem.pmf().data(), problem.pmf().size() * sizeof(double));
  return hex16(h);
}

void check_writable(const std::string& path) {
  const std::string tmp = path + ".tmp";
  std::ofstream probe(tmp);
  if (!probe) throw invalid_input("--checkpoint: cannot write " + quoted(tmp));
  probe.close();
  std::remove(tmp.c_str());
}

void write_checkpoint(const std::string& path, const Problem& problem, double rel_gap,
                      const SearchState& st) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write the checkpoint " + tmp);
    detail::JsonWriter j(out);
    j.begin_object();
    j.member("format", kFormat).member("format_version", kFormatVersion);
    j.member("focalrd", version()).member("commit", git_commit());
    j.key("instance").begin_object();
    j.member("n", problem.size()).member("M", problem.messages());
    j.member("gamma", problem.gamma()).member("rel_gap", rel_gap);
    j.member("fingerprint", fingerprint(problem, rel_gap));
    j.end_object();
    j.key("state").begin_object();
    j.member("tail", st.tail).member("x", st.x);
    j.member("waves", static_cast<long long>(st.waves));
    j.member("nodes", static_cast<long long>(st.nodes));
    j.member("solves", static_cast<long long>(st.solves));
    j.member("upper", st.upper);
    j.key("incumbent").array(st.incumbent);
    j.key("pruned");
    if (st.pruned < kInf)
      j.value(st.pruned);
    else
      j.null();
    j.key("open").begin_array();
    for (const OpenNode& node : st.open) {
      j.begin_object().member("bound", node.bound);
      j.key("labels").array(node.labels);
      j.end_object();
    }
    j.end_array().end_object();
    j.member("checksum", checksum(st));
    j.end_object();
    out << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write the checkpoint " + tmp);
  }
  // The data on disk before the rename, so the file is either the old or the new state.
  if (FILE* f = std::fopen(tmp.c_str(), "r")) {
    fsync(fileno(f));
    std::fclose(f);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename the checkpoint " + tmp + " to " + path + ": " +
                             std::strerror(errno));
}

SearchState read_checkpoint(const std::string& path, const Problem& problem, double rel_gap,
                            const Instance& in) {
  const std::string what = "--resume " + quoted(path);
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) throw invalid_input(what + ": no such file");
  if (!S_ISREG(info.st_mode)) throw invalid_input(what + " is not a regular file");
  if (static_cast<std::uint64_t>(info.st_size) > kMaxCheckpointBytes)
    throw invalid_input(what + " is larger than 4 GiB; it is not a focalrd checkpoint");
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  const detail::JsonValue doc = detail::JsonValue::parse(text.str(), what);
  const detail::JsonValue* format = doc.find("format");
  if (!format || format->kind() != detail::JsonValue::Kind::string ||
      format->as_string(what) != kFormat)
    throw invalid_input(what + " is not a focalrd branch-and-bound checkpoint");
  const long long fv = doc.at("format_version").as_integer(what + " format_version");
  const std::string written_by = doc.at("focalrd").as_string(what + " focalrd");
  if (fv != kFormatVersion || written_by != version())
    throw invalid_input(what + " was written by focalrd " + quoted(written_by) +
                        " (checkpoint format " + std::to_string(fv) + "); this is focalrd " +
                        version() + " (format " + std::to_string(kFormatVersion) +
                        "): resume it with that version, or start afresh");
  const detail::JsonValue& inst = doc.at("instance");
  if (inst.at("fingerprint").as_string(what + " fingerprint") != fingerprint(problem, rel_gap))
    throw invalid_input(what + " belongs to another instance (n = " +
                        std::to_string(inst.at("n").as_integer(what)) +
                        ", M = " + std::to_string(inst.at("M").as_integer(what)) +
                        ", gamma = " + detail::fmt(inst.at("gamma").as_double(what)) +
                        ", rel_gap = " + detail::fmt(inst.at("rel_gap").as_double(what)) +
                        "); this run has n = " + std::to_string(problem.size()) +
                        ", M = " + std::to_string(problem.messages()) +
                        ", gamma = " + detail::fmt(problem.gamma()) +
                        ", rel_gap = " + detail::fmt(rel_gap) + " (and the PMF must be the same)");
  const detail::JsonValue& s = doc.at("state");
  SearchState st;
  auto count = [&](const char* key) {
    const long long v = s.at(key).as_integer(what + " " + key);
    if (v < 0) throw invalid_input(what + ": " + key + " is negative");
    return static_cast<std::uint64_t>(v);
  };
  st.tail = static_cast<std::size_t>(count("tail"));
  st.x = s.at("x").as_double(what + " x");
  st.waves = count("waves");
  st.nodes = count("nodes");
  st.solves = count("solves");
  st.upper = s.at("upper").as_double(what + " upper");
  const detail::JsonValue& pruned = s.at("pruned");
  st.pruned = pruned.is_null() ? kInf : pruned.as_double(what + " pruned");
  // Labels must describe nodes of this instance: cells in order of opening.
  auto labels = [&](const detail::JsonValue& v, std::size_t expect) {
    std::vector<int> out;
    int opened = 0;
    for (const detail::JsonValue& l : v.as_array(what + " labels")) {
      const long long c = l.as_integer(what + " label");
      if (c < 0 || c > opened || c >= static_cast<long long>(in.K) || out.size() >= in.n)
        throw invalid_input(what + " holds a node that is not one of this instance");
      opened += c == opened;
      out.push_back(static_cast<int>(c));
    }
    if (expect && out.size() != expect)
      throw invalid_input(what + " holds an incumbent of the wrong size");
    return out;
  };
  st.incumbent = labels(s.at("incumbent"), in.n);
  for (const detail::JsonValue& node : s.at("open").as_array(what + " open")) {
    OpenNode open;
    open.bound = node.at("bound").as_double(what + " bound");
    open.labels = labels(node.at("labels"), 0);
    st.open.push_back(std::move(open));
  }
  if (!std::isfinite(st.upper) || !std::isfinite(st.x) || st.tail > in.n)
    throw invalid_input(what + " holds values out of range");
  if (doc.at("checksum").as_string(what + " checksum") != checksum(st))
    throw invalid_input(what +
                        " has been edited or damaged (its state does not match its "
                        "checksum): start afresh");
  return st;
}

}  // namespace focalrd::bnb
