#include "focalrd/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <sstream>
#include <type_traits>
#include <variant>

#include "detail/format.hpp"
#include "detail/json.hpp"
#include "detail/names.hpp"
#include "detail/records.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/version.hpp"

namespace focalrd {

std::string to_string(Format format) {
  switch (format) {
    case Format::table:
      return "table";
    case Format::json:
      return "json";
    case Format::jsonl:
      return "jsonl";
    case Format::csv:
      return "csv";
  }
  return "?";
}

Format format_from_string(const std::string& name) {
  return detail::from_name<Format>(name, {Format::table, Format::json, Format::jsonl, Format::csv},
                                   "format");
}

std::string kind(Quantity q) {
  return q == Quantity::achievability_optimised_fx ? "heuristic" : "certified";
}

Provenance make_provenance(const std::string& command, const Source* source) {
  Provenance p;
  p.command = command;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  p.date = buf;
  if (source) {
    p.source = source->label();
    p.pmf = source->pmf();
    p.block_length = source->block_length();
    p.letters = source->letters();
  }
  return p;
}

std::string command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string word = i == 0 ? std::string("focalrd") : std::string(argv[i]);
    const bool plain = !word.empty() && word.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_=.,:/+@%") == std::string::npos;
    if (!plain) {
      std::string q = "'";
      for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      word = q + "'";
    }
    line += (i ? " " : "") + word;
  }
  return printable(line);
}

namespace {

std::string short_number(double x, int digits = 6) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return buf;
}

template <typename T, typename F>
std::string joined(const std::vector<T>& xs, const std::string& sep, F&& f) {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? sep : "") + f(xs[i]);
  return out;
}

std::string numbers(const std::vector<double>& xs) {
  return joined(xs, " ", [](double x) { return detail::fmt(x); });
}

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

namespace detail {

std::string field_text(const Field& f, bool full_precision) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "";
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) throw internal_error("a non-finite number reached the output");
          return full_precision ? fmt(v) : short_number(v, 10);
        } else if constexpr (std::is_same_v<T, long long>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          return numbers(v);
        } else {
          return v;
        }
      },
      f);
}

void write_record_object(JsonWriter& j, const Record& rec) {
  j.begin_object();
  write_record_members(j, rec);
  j.end_object();
}

void write_record_members(JsonWriter& j, const Record& rec) {
  for (const auto& [name, f] : rec.fields) {
    j.key(name);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            j.null();
          else if constexpr (std::is_same_v<T, std::vector<double>>)
            j.array(v);
          else
            j.value(v);
        },
        f);
  }
}

void write_provenance(JsonWriter& j, const Provenance& p, Units units,
                      const std::vector<std::pair<std::string, std::string>>& kinds) {
  j.begin_object();
  j.member("focalrd", version()).member("commit", git_commit());
  j.member("command", p.command).member("date", p.date).member("units", to_string(units));
  if (!p.source.empty()) {
    j.member("source", p.source);
    j.key("pmf").array(p.pmf);
  }
  if (!kinds.empty()) {
    j.key("kinds").begin_object();
    for (const auto& [name, k] : kinds) j.member(name, k);
    j.end_object();
  }
  j.end_object();
}

void write_provenance_comments(std::ostream& out, const Provenance& p, Units units,
                               const std::vector<std::pair<std::string, std::string>>& kinds) {
  out << "# focalrd " << version() << " (commit " << git_commit() << ")\n";
  out << "# command: " << printable(p.command) << '\n';
  out << "# date: " << p.date << '\n';
  out << "# units: " << to_string(units) << '\n';
  if (!p.source.empty()) {
    out << "# source: " << printable(p.source) << '\n';
    out << "# pmf: " << numbers(p.pmf) << '\n';
  }
  if (!kinds.empty()) {
    out << "# kinds:";
    for (const auto& [name, k] : kinds) out << ' ' << name << '=' << k;
    out << '\n';
  }
}

RecordStream::RecordStream(std::ostream& out, const OutputOptions& options,
                           std::vector<std::string> columns, std::string title,
                           std::vector<std::pair<std::string, std::string>> kinds)
    : out_(out),
      options_(options),
      columns_(std::move(columns)),
      title_(std::move(title)),
      kinds_(std::move(kinds)) {}

void RecordStream::begin() {
  if (begun_) return;
  begun_ = true;
  switch (options_.format) {
    case Format::csv: {
      write_provenance_comments(out_, options_.provenance, options_.units, kinds_);
      std::string header;
      for (const std::string& c : columns_) header += (header.empty() ? "" : ",") + csv_text(c);
      out_ << header << '\n' << std::flush;
      break;
    }
    case Format::jsonl: {
      JsonWriter j(out_);
      j.begin_object().key("provenance");
      write_provenance(j, options_.provenance, options_.units, kinds_);
      j.end_object();
      out_ << '\n' << std::flush;
      break;
    }
    case Format::json:
      json_.emplace(out_);
      json_->begin_object().key("provenance");
      write_provenance(*json_, options_.provenance, options_.units, kinds_);
      json_->key(title_).begin_array();
      break;
    case Format::table:
      break;
  }
}

void RecordStream::write(const Record& rec) {
  begin();
  switch (options_.format) {
    case Format::table:
      table_.push_back(rec);
      return;
    case Format::csv: {
      std::string row;
      for (std::size_t i = 0; i < rec.fields.size(); ++i)
        row += (i ? "," : "") + csv_text(field_text(rec.fields[i].second, true));
      out_ << row << '\n' << std::flush;
      return;
    }
    case Format::jsonl: {
      JsonWriter j(out_);
      write_record_object(j, rec);
      out_ << '\n' << std::flush;
      return;
    }
    case Format::json:
      write_record_object(*json_, rec);
      out_ << std::flush;
      return;
  }
}

void RecordStream::finish() {
  begin();
  if (options_.format == Format::json) {
    json_->end_array().end_object();
    out_ << '\n' << std::flush;
    return;
  }
  if (options_.format != Format::table || table_.empty()) return;
  if (table_.size() == 1) {  // a key/value list
    std::size_t width = 0;
    for (const auto& f : table_.front().fields) width = std::max(width, f.first.size());
    for (const auto& [name, f] : table_.front().fields)
      out_ << "  " << name << std::string(width + 2 - name.size(), ' ') << field_text(f, false)
           << '\n';
    out_ << std::flush;
    return;
  }
  // Aligned columns.
  const std::size_t columns = table_.front().fields.size();
  std::vector<std::size_t> width(columns, 0);
  std::vector<std::vector<std::string>> cells;
  for (const Record& rec : table_) {
    cells.emplace_back();
    for (std::size_t i = 0; i < columns; ++i)
      cells.back().push_back(field_text(rec.fields[i].second, false));
  }
  for (std::size_t i = 0; i < columns; ++i) {
    width[i] = table_.front().fields[i].first.size();
    for (const auto& row : cells) width[i] = std::max(width[i], row[i].size());
  }
  for (std::size_t i = 0; i < columns; ++i) {
    const std::string& name = table_.front().fields[i].first;
    out_ << name << std::string(width[i] + 2 - name.size(), ' ');
  }
  out_ << '\n';
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < columns; ++i)
      out_ << row[i] << std::string(width[i] + 2 - row[i].size(), ' ');
    out_ << '\n';
  }
  out_ << std::flush;
}

}  // namespace detail

namespace {

// ---- exact --------------------------------------------------------------------

// One object on one line, so JSON and JSON lines agree for a single result.
void exact_json(std::ostream& out, const ExactResult& r, const OutputOptions& o) {
  const double scale = per_nat(o.units);
  detail::JsonWriter j(out);
  j.begin_object().key("provenance");
  detail::write_provenance(j, o.provenance, o.units, {{"dstar", "certified"}});
  j.member("n", r.n).member("M", r.M).member("gamma", r.gamma).member("units", to_string(o.units));
  j.member("dstar", r.value * scale);
  const std::size_t N = o.provenance.block_length;
  if (N > 0)  // eq. (9): per letter
    j.member("block_length", N).member("dstar_per_letter", r.value * scale / static_cast<double>(N));
  j.member("lower_bound", r.lower_bound * scale).member("upper_bound", r.value * scale);
  j.member("certified", r.certified);
  j.member("method", r.method).member("cell_solver", to_string(r.cell_solver));
  j.member("status", to_string(r.status)).member("cell_status", to_string(r.cell_status));
  if (!r.message.empty()) j.member("message", r.message);
  j.key("cells").begin_array();
  for (const Cell& c : r.code.cells) {
    j.begin_object();
    j.key("symbols").array(c.symbols);
    j.key("pmf").array(c.pmf);
    j.member("distortion", c.distortion * scale);
    j.end_object();
  }
  j.end_array();
  j.key("stats").begin_object();
  j.member("partitions", r.stats.partitions).member("transitions", r.stats.transitions);
  j.member("nodes", static_cast<long long>(r.stats.nodes));
  j.member("waves", static_cast<long long>(r.stats.waves));
  j.member("table_bytes", r.stats.table_bytes).member("table_seconds", r.stats.table_seconds);
  j.member("cells_optimised", static_cast<long long>(r.stats.cells_optimised));
  j.member("wall_seconds", r.stats.wall_seconds).member("threads", r.stats.threads);
  j.end_object();
  j.end_object();
  out << '\n';
}

void exact_csv(std::ostream& out, const ExactResult& r, const OutputOptions& o) {
  const double scale = per_nat(o.units);
  const std::string cells = joined(r.code.cells, "|", [](const Cell& c) {
    return joined(c.symbols, " ", [](std::size_t a) { return std::to_string(a); });
  });
  const std::string pmfs = joined(r.code.cells, "|", [](const Cell& c) { return numbers(c.pmf); });
  detail::Record rec;
  rec.add("n", static_cast<long long>(r.n)).add("M", static_cast<long long>(r.M));
  rec.add("gamma", r.gamma).add("units", to_string(o.units));
  rec.add("dstar", r.value * scale).add("lower_bound", r.lower_bound * scale);
  if (const std::size_t N = o.provenance.block_length; N > 0)
    rec.add("block_length", static_cast<long long>(N))
        .add("dstar_per_letter", r.value * scale / static_cast<double>(N));
  rec.add("certified", r.certified).add("method", r.method);
  rec.add("cell_solver", to_string(r.cell_solver)).add("status", to_string(r.status));
  rec.add("cell_status", to_string(r.cell_status));
  rec.add("partitions", r.stats.partitions).add("transitions", r.stats.transitions);
  rec.add("nodes", static_cast<long long>(r.stats.nodes));
  rec.add("cells_optimised", static_cast<long long>(r.stats.cells_optimised));
  rec.add("wall_seconds", r.stats.wall_seconds)
      .add("threads", static_cast<long long>(r.stats.threads));
  rec.add("cells", cells).add("pmfs", pmfs);
  std::vector<std::string> columns;
  for (const auto& f : rec.fields) columns.push_back(f.first);
  detail::RecordStream stream(out, o, columns, "rows", {{"dstar", "certified"}});
  stream.write(rec);
  stream.finish();
}

void exact_table(std::ostream& out, const ExactResult& r, const OutputOptions& o) {
  const Units units = o.units;
  const double scale = per_nat(units);
  const std::size_t N = o.provenance.block_length;
  out << "d*(M = " << r.M << "; gamma = " << detail::fmt(r.gamma)
      << ") = " << detail::fmt(r.value * scale) << ' ' << to_string(units) << '\n';
  if (N > 0)
    out << "  per letter (blocks of " << N << "): " << detail::fmt(r.value * scale / static_cast<double>(N))
        << ' ' << to_string(units) << '\n';
  if (!r.certified)
    out << "  not certified (" << to_string(r.status) << "): optimum in ["
        << detail::fmt(r.lower_bound * scale) << ", " << detail::fmt(r.value * scale) << "]\n";
  out << (r.certified ? "optimal code, " : "best code found, ") << r.code.cells.size() << " message"
      << (r.code.cells.size() == 1 ? "" : "s") << " for " << r.n << " symbols"
      << " (symbols 0-based; the PMF lists their reconstruction masses in order):\n";
  for (std::size_t m = 0; m < r.code.cells.size(); ++m) {
    const Cell& c = r.code.cells[m];
    out << "  message " << m << ": distortion " << short_number(c.distortion * scale) << '\n';
    out << "    symbols {"
        << joined(c.symbols, ", ", [](std::size_t a) { return std::to_string(a); }) << "}\n";
    if (N > 0)
      out << "    letters {" << joined(c.symbols, ", ", [&](std::size_t a) {
        return block_sequence(a, o.provenance.letters, N);
      }) << "}\n";
    out << "    PMF     [" << joined(c.pmf, ", ", [](double p) { return short_number(p); })
        << "]\n";
  }
  out << "work: " << r.method << " search with the " << to_string(r.cell_solver)
      << " cell solver; ";
  if (r.stats.partitions > 0) out << detail::fmt(r.stats.partitions) << " partitions, ";
  if (r.stats.transitions > 0) out << detail::fmt_short(r.stats.transitions) << " transitions, ";
  if (r.stats.nodes) out << r.stats.nodes << " nodes, ";
  out << r.stats.cells_optimised << " cells optimised";
  out << "; " << short_number(r.stats.wall_seconds, 3) << " s on " << r.stats.threads << " thread"
      << (r.stats.threads == 1 ? "" : "s") << '\n';
}

// ---- bounds and sweeps -----------------------------------------------------------

// The certified values a quantity stands for, as (name, member): entropy
// brings H_γ(R) along; the heuristic and the exact optimum have more fields.
using Member = std::optional<double> BoundsResult::*;
std::vector<std::pair<const char*, Member>> certified_fields(Quantity q) {
  switch (q) {
    case Quantity::entropy:
      return {{"entropy", &BoundsResult::entropy}, {"focal_entropy", &BoundsResult::focal_entropy}};
    case Quantity::h_gamma:
      return {{"h_gamma", &BoundsResult::h_gamma}};
    case Quantity::h_gamma_bound:
      return {{"h_gamma_bound", &BoundsResult::h_gamma_bound}};
    case Quantity::converse:
      return {{"converse", &BoundsResult::converse}};
    case Quantity::converse_lagrangian:
      return {{"converse_lagrangian", &BoundsResult::converse_lagrangian}};
    case Quantity::achievability_28:
      return {{"achievability_28", &BoundsResult::achievability_28}};
    case Quantity::achievability_22:
      return {{"achievability_22", &BoundsResult::achievability_22}};
    case Quantity::achievability_23:
      return {{"achievability_23", &BoundsResult::achievability_23}};
    case Quantity::achievability_reoptimised:
      return {{"achievability_reoptimised", &BoundsResult::achievability_reoptimised}};
    case Quantity::achievability_optimised_fx:
    case Quantity::exact:
    case Quantity::excess:
      break;
  }
  return {};
}

// Every quantity, excess last; without a list (bounds), every one but excess.
std::vector<Quantity> every_quantity() {
  std::vector<Quantity> all = all_quantities();
  all.push_back(Quantity::excess);
  return all;
}

bool wanted(const std::vector<Quantity>* only, Quantity q) {
  if (!only) return q != Quantity::excess;
  return std::find(only->begin(), only->end(), q) != only->end();
}

// The columns of one bounds result, in a fixed order, and their kinds.
// For a block source of N letters, each certified value also per letter (eq. (9)).
void add_bounds(detail::Record& rec, const BoundsResult& b, double scale,
                const std::vector<Quantity>* only, std::size_t N) {
  for (Quantity q : every_quantity()) {
    if (!wanted(only, q)) continue;
    for (const auto& [name, member] : certified_fields(q)) {
      rec.add(name, b.*member, scale);
      if (N > 0 && std::string(name).rfind("h_gamma", 0) != 0)  // h_γ is no distortion
        rec.add(std::string(name) + "_per_letter", b.*member, scale / static_cast<double>(N));
    }
    if (q == Quantity::achievability_optimised_fx) {
      const bool has = b.achievability_optimised_fx.has_value();
      rec.add("achievability_optimised_fx", b.achievability_optimised_fx, scale);
      rec.add("optimised_fx_gain", b.optimised_fx_gain, scale);
      rec.add("optimised_fx_status", has ? detail::Field(to_string(b.fx_status)) : detail::Field());
      rec.add("optimised_fx", has ? detail::Field(b.fx_optimised) : detail::Field());
    } else if (q == Quantity::exact) {
      const ExactResult* e = b.exact ? &*b.exact : nullptr;
      rec.add("exact", e ? std::optional<double>(e->value) : std::nullopt, scale);
      rec.add("exact_lower_bound", e ? std::optional<double>(e->lower_bound) : std::nullopt, scale);
      rec.add("exact_certified", e ? detail::Field(e->certified) : detail::Field());
      rec.add("exact_status", e ? detail::Field(to_string(e->status)) : detail::Field());
      rec.add("exact_method", e ? detail::Field(e->method) : detail::Field());
    } else if (q == Quantity::excess) {  // a probability, in no units; D in the record's
      rec.add("excess_distortion", b.excess_distortion, 1.0);
      rec.add("excess", b.excess, 1.0);
    }
  }
}

std::vector<std::pair<std::string, std::string>> kinds_of(const std::vector<Quantity>* only) {
  std::vector<std::pair<std::string, std::string>> out;
  for (Quantity q : every_quantity())
    if (wanted(only, q)) out.emplace_back(to_string(q), kind(q));
  return out;
}

std::vector<std::string> columns_of(const detail::Record& rec) {
  std::vector<std::string> columns;
  for (const auto& f : rec.fields) columns.push_back(f.first);
  return columns;
}

}  // namespace

detail::Record sweep_record(const SweepPoint& p, const std::vector<Quantity>& quantities,
                            const OutputOptions& o) {
  detail::Record rec;
  rec.add("source", o.provenance.source).add("n", static_cast<long long>(p.result.n));
  rec.add("M", p.M).add("gamma", p.gamma).add("units", to_string(o.units));
  rec.add("fx", to_string(p.result.fx)).add("status", to_string(p.result.status));
  add_bounds(rec, p.result, per_nat(o.units), &quantities, o.provenance.block_length);
  return rec;
}

void write_exact(std::ostream& out, const ExactResult& result, const OutputOptions& options) {
  switch (options.format) {
    case Format::json:
    case Format::jsonl:
      return exact_json(out, result, options);
    case Format::csv:
      return exact_csv(out, result, options);
    case Format::table:
      return exact_table(out, result, options);
  }
}

void write_bounds(std::ostream& out, const BoundsResult& b, const OutputOptions& options) {
  detail::Record rec;
  rec.add("source", options.provenance.source).add("n", static_cast<long long>(b.n));
  rec.add("support", static_cast<long long>(b.support)).add("M", static_cast<long long>(b.M));
  rec.add("gamma", b.gamma).add("units", to_string(options.units)).add("fx", to_string(b.fx));
  rec.add("status", to_string(b.status));
  if (options.provenance.block_length > 0)
    rec.add("block_length", static_cast<long long>(options.provenance.block_length));
  add_bounds(rec, b, per_nat(options.units), nullptr, options.provenance.block_length);
  if (!b.exact_note.empty()) rec.add("exact_note", b.exact_note);
  if (!b.note.empty()) rec.add("note", b.note);
  if (options.format == Format::table)
    out << "bounds on d*(M = " << b.M << "; gamma = " << detail::fmt(b.gamma) << ") for "
        << printable(options.provenance.source) << ", in " << to_string(options.units) << ":\n";
  if (options.format == Format::json || options.format == Format::jsonl) {
    // One object: the provenance, then the fields.
    detail::JsonWriter j(out);
    j.begin_object().key("provenance");
    detail::write_provenance(j, options.provenance, options.units, kinds_of(nullptr));
    detail::write_record_members(j, rec);
    j.end_object();
    out << '\n';
    return;
  }
  detail::RecordStream stream(out, options, columns_of(rec), "rows", kinds_of(nullptr));
  stream.write(rec);
  stream.finish();
}

struct SweepWriter::Impl {
  detail::RecordStream stream;
  std::vector<Quantity> quantities;
  OutputOptions options;
};

SweepWriter::SweepWriter(std::ostream& out, const std::vector<Quantity>& quantities,
                         const OutputOptions& options) {
  const auto columns = columns_of(sweep_record(SweepPoint{}, quantities, options));
  impl_.reset(new Impl{detail::RecordStream(out, options, columns, "rows", kinds_of(&quantities)),
                       quantities, options});
}

SweepWriter::~SweepWriter() = default;

void SweepWriter::write(const SweepPoint& point) {
  impl_->stream.write(sweep_record(point, impl_->quantities, impl_->options));
}

void SweepWriter::write(const detail::Record& record) { impl_->stream.write(record); }

void SweepWriter::finish() { impl_->stream.finish(); }

void write_sweep(std::ostream& out, const std::vector<SweepPoint>& points,
                 const std::vector<Quantity>& quantities, const OutputOptions& options) {
  SweepWriter writer(out, quantities, options);
  for (const SweepPoint& p : points)
    if (p.done) writer.write(p);
  writer.finish();
}

// ---- datasets ---------------------------------------------------------------------

namespace {

// One quantity of a dataset record: {"value", "kind", "status"}, and more for
// the heuristic and the exact optimum.
void dataset_quantity(detail::JsonWriter& j, const char* name, const std::optional<double>& nats,
                      double scale, const std::string& kind, const std::string& status) {
  j.key(name).begin_object();
  j.key("value");
  if (nats)
    j.value(*nats * scale);
  else
    j.null();
  j.member("kind", kind)
      .member("status", nats                    ? status
                        : status == "certified" ? "skipped"
                                                : status);
  j.end_object();
}

void dataset_record(detail::JsonWriter& j, const SweepPoint& p, const Source& source,
                    const std::vector<Quantity>& quantities, Units units) {
  const BoundsResult& b = p.result;
  const double scale = per_nat(units);
  const std::string done = to_string(b.status);
  const std::string cert = b.status == Status::certified ? "certified" : done;
  j.begin_object();
  j.member("id", p.index).member("source", source.label());
  j.key("pmf").array(source.pmf());
  j.member("n", b.n).member("M", p.M).member("gamma", p.gamma);
  j.member("units", to_string(units)).member("fx", to_string(b.fx)).member("status", done);
  j.key("quantities").begin_object();
  for (Quantity q : quantities) {
    for (const auto& [name, member] : certified_fields(q))
      dataset_quantity(j, name, b.*member, scale, "certified", cert);
    switch (q) {
      case Quantity::achievability_optimised_fx:
        j.key("achievability_optimised_fx").begin_object();
        j.key("value");
        if (b.achievability_optimised_fx) {
          j.value(*b.achievability_optimised_fx * scale);
          j.member("kind", "heuristic").member("status", to_string(b.fx_status));
          j.key("fx").array(b.fx_optimised);
        } else {
          j.null();
          j.member("kind", "heuristic").member("status", cert == "certified" ? "skipped" : cert);
        }
        j.end_object();
        break;
      case Quantity::excess:
        dataset_quantity(j, "excess", b.excess, 1.0, "certified", cert);
        break;
      case Quantity::exact:
        j.key("exact").begin_object();
        j.key("value");
        if (b.exact) {
          const ExactResult& e = *b.exact;
          j.value(e.value * scale);
          j.member("lower_bound", e.lower_bound * scale).member("kind", "certified");
          j.member("certified", e.certified).member("status", to_string(e.status));
          j.member("method", e.method).member("nodes", static_cast<long long>(e.stats.nodes));
          j.member("seconds", e.stats.wall_seconds);
          j.key("code").begin_array();
          for (const Cell& c : e.code.cells) {
            j.begin_object().key("symbols").array(c.symbols);
            j.key("pmf").array(c.pmf);
            j.member("distortion", c.distortion * scale).end_object();
          }
          j.end_array();
        } else {
          j.null();
          j.member("kind", "certified");
          j.member("status",
                   b.exact_note.empty() ? (cert == "certified" ? "skipped" : cert) : "skipped");
          if (!b.exact_note.empty()) j.member("note", b.exact_note);
        }
        j.end_object();
        break;
      default:  // certified values: above
        break;
    }
  }
  j.end_object().end_object();
}

}  // namespace

struct DatasetWriter::Impl {
  std::ostream& out;
  std::vector<Quantity> quantities;
  OutputOptions options;
  std::optional<detail::JsonWriter> document;  // JSON format
};

DatasetWriter::DatasetWriter(std::ostream& out, const std::vector<Quantity>& quantities,
                             const OutputOptions& options, const std::string& fingerprint,
                             std::size_t instances, bool header)
    : impl_(new Impl{out, quantities, options, {}}) {
  if (options.format != Format::json && options.format != Format::jsonl)
    throw invalid_input("a dataset is written as jsonl or json, not " + to_string(options.format));
  auto provenance = [&](detail::JsonWriter& j) {
    j.begin_object();
    j.member("focalrd", version()).member("commit", git_commit());
    j.member("command", options.provenance.command).member("date", options.provenance.date);
    j.member("units", to_string(options.units));
    j.member("dataset", fingerprint).member("instances", instances);
    j.key("kinds").begin_object();
    for (Quantity q : quantities) j.member(to_string(q), kind(q));
    j.end_object().end_object();
  };
  if (options.format == Format::json) {
    impl_->document.emplace(out);
    impl_->document->begin_object().key("provenance");
    provenance(*impl_->document);
    impl_->document->key("records").begin_array();
  } else if (header) {
    detail::JsonWriter j(out);
    j.begin_object().key("provenance");
    provenance(j);
    j.end_object();
    out << '\n' << std::flush;
  }
}

DatasetWriter::~DatasetWriter() = default;

void DatasetWriter::write(const SweepPoint& point, const Source& source) {
  write(dataset_record_json(point, source, impl_->quantities, impl_->options.units));
}

void DatasetWriter::write(const std::string& record) {
  if (impl_->document) {
    impl_->document->raw(record);
    impl_->out << std::flush;
    return;
  }
  impl_->out << record << '\n' << std::flush;
}

std::string dataset_record_json(const SweepPoint& point, const Source& source,
                                const std::vector<Quantity>& quantities, Units units) {
  std::ostringstream text;
  detail::JsonWriter j(text);
  dataset_record(j, point, source, quantities, units);
  return text.str();
}

void DatasetWriter::finish() {
  if (!impl_->document) return;
  impl_->document->end_array().end_object();
  impl_->out << '\n' << std::flush;
}

namespace {

// A table of rows, one record each by `record` (whose columns are those of a
// default row), with the kinds of its certified columns.
template <typename Row, typename ToRecord>
void write_rows(std::ostream& out, const OutputOptions& options, const std::vector<Row>& rows,
                const ToRecord& record,
                std::vector<std::pair<std::string, std::string>> kinds) {
  detail::RecordStream stream(out, options, columns_of(record(Row{})), "rows", std::move(kinds));
  for (const Row& r : rows) stream.write(record(r));
  stream.finish();
}

}  // namespace

void write_excess(std::ostream& out, const std::vector<ExcessRow>& rows, bool inverse,
                  const OutputOptions& options) {
  auto record = [&](const ExcessRow& r) {
    detail::Record rec;
    // M as an integer where it is known as one, else (a rate past 2^62) as a real.
    rec.add("source", options.provenance.source)
        .add("M", r.exact_M ? detail::Field(*r.exact_M) : detail::Field(r.M));
    rec.add("rate", r.rate ? detail::Field(*r.rate) : detail::Field()).add("gamma", r.gamma);
    rec.add("units", to_string(options.units));
    if (inverse) rec.add("epsilon_target", r.target.value_or(0.0));
    rec.add("D", r.D).add("epsilon", r.result.epsilon);
    rec.add("per_message", static_cast<long long>(r.result.per_message));
    rec.add("served", r.result.served);
    rec.add("threshold", r.result.threshold);
    return rec;
  };
  write_rows(out, options, rows, record,
             {{"epsilon", "certified"}, {"D", inverse ? "certified" : "input"}});
}

void write_nletter(std::ostream& out, const std::vector<NLetterRow>& rows,
                   const OutputOptions& options) {
  const double scale = per_nat(options.units);
  auto record = [&](const NLetterRow& r) {
    detail::Record rec;
    const double n = static_cast<double>(r.n);
    rec.add("letters", r.letters).add("rate", r.rate).add("n", static_cast<long long>(r.n));
    rec.add("M", r.messages ? detail::Field(*r.messages) : detail::Field());
    rec.add("log2_M", r.log2_messages).add("gamma", r.gamma).add("units", to_string(options.units));
    rec.add("entropy", r.entropy * scale).add("limit", r.limit * scale);
    rec.add("converse_per_letter", r.converse * scale);
    rec.add("converse_lagrangian_per_letter", r.lagrangian * scale);
    rec.add("achievability_28_per_letter", r.achievability_28 * scale);
    rec.add("achievability_22_per_letter", r.achievability_22 * scale);
    const ExactResult* e = r.exact ? &*r.exact : nullptr;
    rec.add("exact_per_letter", e ? std::optional<double>(e->value / n) : std::nullopt, scale);
    rec.add("exact_lower_per_letter", e ? std::optional<double>(e->lower_bound / n) : std::nullopt,
            scale);
    rec.add("exact_certified", e ? detail::Field(e->certified) : detail::Field());
    rec.add("exact_status", e ? detail::Field(to_string(e->status)) : detail::Field());
    return rec;
  };
  write_rows(out, options, rows, record,
             {{"entropy", "certified"},
              {"limit", "certified"},
              {"converse_per_letter", "certified"},
              {"converse_lagrangian_per_letter", "certified"},
              {"achievability_28_per_letter", "certified"},
              {"achievability_22_per_letter", "certified"},
              {"exact_per_letter", "certified"}});
}

void write_h_gamma(std::ostream& out, const std::vector<HGammaPoint>& points,
                   const OutputOptions& options) {
  const double scale = per_nat(options.units);
  auto record = [&](const HGammaPoint& p) {
    detail::Record rec;
    rec.add("n", p.n).add("gamma", p.gamma).add("units", to_string(options.units));
    rec.add("h_gamma", p.h_gamma * scale).add("h_gamma_bound", p.bound * scale);
    return rec;
  };
  write_rows(out, options, points, record,
             {{"h_gamma", "certified"}, {"h_gamma_bound", "certified"}});
}

void write_check(std::ostream& out, const CheckReport& report, const OutputOptions& options) {
  const double scale = per_nat(options.units);
  auto record = [&](const CheckViolation& v) {
    detail::Record rec;
    rec.add("trial", static_cast<long long>(v.instance.trial)).add("relation", v.relation);
    rec.add("proved", v.proved);
    rec.add("lhs", v.lhs * scale).add("rhs", v.rhs * scale).add("units", to_string(options.units));
    rec.add("M", v.instance.M).add("gamma", v.instance.gamma).add("shape", v.instance.shape);
    rec.add("pmf", v.instance.pmf);
    return rec;
  };
  detail::Record summary;
  summary.add("trials", static_cast<long long>(report.trials));
  summary.add("seed", static_cast<long long>(report.seed));
  summary.add("relations_checked", static_cast<long long>(report.relations_checked));
  const auto findings = std::count_if(report.violations.begin(), report.violations.end(),
                                      [](const CheckViolation& v) { return !v.proved; });
  summary.add("violations", static_cast<long long>(report.violations.size() - findings));
  summary.add("findings", static_cast<long long>(findings));
  summary.add("seconds", report.seconds);
  switch (options.format) {
    case Format::table:
      for (const CheckViolation& v : report.violations) {
        out << (v.proved ? "violation:" : "finding:");
        for (const auto& [name, f] : record(v).fields)
          out << ' ' << name << '=' << detail::field_text(f, true);
        out << '\n';
      }
      out << "check: " << report.trials << " random instances (seed " << report.seed << "), "
          << report.relations_checked << " relations checked, "
          << report.violations.size() - findings << " violation"
          << (report.violations.size() - findings == 1 ? "" : "s") << ", ";
      if (findings > 0)
        out << findings << " finding" << (findings == 1 ? "" : "s")
            << " (relations not proved here), ";
      out
          << short_number(report.seconds, 3) << " s\n";
      return;
    case Format::json: {
      detail::JsonWriter j(out);
      j.begin_object().key("provenance");
      detail::write_provenance(j, options.provenance, options.units, {});
      j.key("summary");
      detail::write_record_object(j, summary);
      j.key("violations").begin_array();
      for (const CheckViolation& v : report.violations) detail::write_record_object(j, record(v));
      j.end_array().end_object();
      out << '\n';
      return;
    }
    case Format::jsonl: {
      detail::RecordStream stream(out, options, {});
      for (const CheckViolation& v : report.violations) stream.write(record(v));
      stream.finish();
      detail::JsonWriter j(out);
      j.begin_object().key("summary");
      detail::write_record_object(j, summary);
      j.end_object();
      out << '\n';
      return;
    }
    case Format::csv: {
      // The summary first, as comments: the rows are the violations.
      for (const auto& [name, f] : summary.fields)
        out << "# " << name << ": " << detail::field_text(f, true) << '\n';
      detail::RecordStream stream(out, options, columns_of(record(CheckViolation{})));
      for (const CheckViolation& v : report.violations) stream.write(record(v));
      stream.finish();
      return;
    }
  }
}

}  // namespace focalrd
