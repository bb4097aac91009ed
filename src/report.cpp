#include "focalrd/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "detail/format.hpp"
#include "detail/json.hpp"
#include "detail/names.hpp"
#include "detail/records.hpp"
#include "focalrd/errors.hpp"

namespace focalrd {

std::string to_string(Format format) {
  switch (format) {
    case Format::table:
      return "table";
    case Format::json:
      return "json";
    case Format::csv:
      return "csv";
  }
  return "?";
}

Format format_from_string(const std::string& name) {
  return detail::from_name<Format>(name, {Format::table, Format::json, Format::csv}, "format");
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

void exact_json(std::ostream& out, const ExactResult& r, const std::vector<double>& pmf,
                double scale, Units units) {
  detail::JsonWriter j(out);
  j.begin_object();
  j.member("n", r.n).member("M", r.M).member("gamma", r.gamma).member("units", to_string(units));
  j.key("pmf").array(pmf);
  j.member("dstar", r.value * scale);
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

void exact_csv(std::ostream& out, const ExactResult& r, double scale, Units units) {
  const std::string cells = joined(r.code.cells, "|", [](const Cell& c) {
    return joined(c.symbols, " ", [](std::size_t a) { return std::to_string(a); });
  });
  const std::string pmfs = joined(r.code.cells, "|", [](const Cell& c) {
    return joined(c.pmf, " ", [](double p) { return detail::fmt(p); });
  });
  detail::Record rec;
  rec.add("n", static_cast<long long>(r.n)).add("M", static_cast<long long>(r.M));
  rec.add("gamma", r.gamma).add("units", to_string(units));
  rec.add("dstar", r.value * scale).add("lower_bound", r.lower_bound * scale);
  rec.add("certified", r.certified).add("method", r.method);
  rec.add("cell_solver", to_string(r.cell_solver)).add("status", to_string(r.status));
  rec.add("cell_status", to_string(r.cell_status));
  rec.add("partitions", r.stats.partitions).add("transitions", r.stats.transitions);
  rec.add("nodes", static_cast<long long>(r.stats.nodes));
  rec.add("cells_optimised", static_cast<long long>(r.stats.cells_optimised));
  rec.add("wall_seconds", r.stats.wall_seconds)
      .add("threads", static_cast<long long>(r.stats.threads));
  rec.add("cells", cells).add("pmfs", pmfs);
  detail::write_records(out, {rec}, Format::csv);
}

void exact_table(std::ostream& out, const ExactResult& r, double scale, Units units) {
  out << "d*(M = " << r.M << "; gamma = " << detail::fmt(r.gamma)
      << ") = " << detail::fmt(r.value * scale) << ' ' << to_string(units) << '\n';
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

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string field_text(const detail::Field& f, bool full_precision) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return "";
        else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) throw internal_error("a non-finite number reached the output");
          return full_precision ? detail::fmt(v) : short_number(v, 10);
        } else if constexpr (std::is_same_v<T, long long>)
          return std::to_string(v);
        else if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else
          return v;
      },
      f);
}

}  // namespace

namespace detail {

RecordStream::RecordStream(std::ostream& out, Format format, std::vector<std::string> columns)
    : out_(out), format_(format), columns_(std::move(columns)) {}

void RecordStream::begin() {
  if (begun_) return;
  begun_ = true;
  if (format_ != Format::csv) return;
  std::string header;
  for (const std::string& c : columns_) header += (header.empty() ? "" : ",") + csv_text(c);
  out_ << header << '\n' << std::flush;
}

void RecordStream::write(const Record& rec) {
  begin();
  if (format_ == Format::table) {
    table_.push_back(rec);
    return;
  }
  if (format_ == Format::csv) {
    std::string row;
    for (std::size_t i = 0; i < rec.fields.size(); ++i)
      row += (i ? "," : "") + csv_text(field_text(rec.fields[i].second, true));
    out_ << row << '\n' << std::flush;
    return;
  }
  JsonWriter j(out_);
  j.begin_object();
  for (const auto& [name, f] : rec.fields) {
    j.key(name);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            j.null();
          else
            j.value(v);
        },
        f);
  }
  j.end_object();
  out_ << '\n' << std::flush;
}

void RecordStream::finish() {
  begin();
  if (format_ != Format::table || table_.empty()) return;
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

void write_records(std::ostream& out, const std::vector<Record>& records, Format format) {
  std::vector<std::string> columns;
  if (!records.empty())
    for (const auto& f : records.front().fields) columns.push_back(f.first);
  if (records.empty() && format == Format::csv) return;  // no columns to name
  RecordStream stream(out, format, columns);
  for (const Record& rec : records) stream.write(rec);
  stream.finish();
}

}  // namespace detail

namespace {

// The columns of one bounds result, in a fixed order.
void add_bounds(detail::Record& rec, const BoundsResult& b, double scale,
                const std::vector<Quantity>* only) {
  auto wanted = [&](Quantity q) {
    if (!only) return true;
    for (Quantity x : *only)
      if (x == q) return true;
    return false;
  };
  if (wanted(Quantity::entropy)) {
    rec.add("entropy", b.entropy, scale);
    rec.add("focal_entropy", b.focal_entropy, scale);
  }
  if (wanted(Quantity::h_gamma)) rec.add("h_gamma", b.h_gamma, scale);
  if (wanted(Quantity::h_gamma_bound)) rec.add("h_gamma_bound", b.h_gamma_bound, scale);
  if (wanted(Quantity::converse)) rec.add("converse", b.converse, scale);
  if (wanted(Quantity::converse_lagrangian))
    rec.add("converse_lagrangian", b.converse_lagrangian, scale);
  if (wanted(Quantity::achievability_28)) rec.add("achievability_28", b.achievability_28, scale);
  if (wanted(Quantity::achievability_22)) rec.add("achievability_22", b.achievability_22, scale);
  if (wanted(Quantity::achievability_23)) rec.add("achievability_23", b.achievability_23, scale);
  if (wanted(Quantity::achievability_optimised_fx)) {
    rec.add("achievability_optimised_fx", b.achievability_optimised_fx, scale);
    rec.add("optimised_fx_gain", b.optimised_fx_gain, scale);
  }
  if (wanted(Quantity::achievability_reoptimised))
    rec.add("achievability_reoptimised", b.achievability_reoptimised, scale);
  if (wanted(Quantity::exact)) {
    const ExactResult* e = b.exact ? &*b.exact : nullptr;
    rec.add("exact", e ? std::optional<double>(e->value) : std::nullopt, scale);
    rec.add("exact_lower_bound", e ? std::optional<double>(e->lower_bound) : std::nullopt, scale);
    rec.add("exact_certified", e ? detail::Field(e->certified) : detail::Field());
    rec.add("exact_method", e ? detail::Field(e->method) : detail::Field());
  }
}

}  // namespace

void write_bounds(std::ostream& out, const BoundsResult& b, const std::string& source,
                  Format format, Units units) {
  const double scale = per_nat(units);
  detail::Record rec;
  rec.add("source", source).add("n", static_cast<long long>(b.n));
  rec.add("support", static_cast<long long>(b.support)).add("M", static_cast<long long>(b.M));
  rec.add("gamma", b.gamma).add("units", to_string(units)).add("fx", to_string(b.fx));
  rec.add("status", to_string(b.status));
  add_bounds(rec, b, scale, nullptr);
  if (!b.exact_note.empty()) rec.add("exact_note", b.exact_note);
  if (format == Format::table)
    out << "bounds on d*(M = " << b.M << "; gamma = " << detail::fmt(b.gamma) << ") for " << source
        << ", in " << to_string(units) << ":\n";
  detail::write_records(out, {rec}, format);
}

namespace {

detail::Record sweep_record(const SweepPoint& p, const std::vector<Quantity>& quantities,
                            const std::string& source, Units units) {
  detail::Record rec;
  rec.add("source", source).add("n", static_cast<long long>(p.result.n)).add("M", p.M);
  rec.add("gamma", p.gamma).add("units", to_string(units));
  rec.add("status", to_string(p.result.status));
  add_bounds(rec, p.result, per_nat(units), &quantities);
  return rec;
}

}  // namespace

struct SweepWriter::Impl {
  detail::RecordStream stream;
  std::vector<Quantity> quantities;
  std::string source;
  Units units;
};

SweepWriter::SweepWriter(std::ostream& out, const std::vector<Quantity>& quantities,
                         const std::string& source, Format format, Units units) {
  std::vector<std::string> columns;
  for (const auto& f : sweep_record(SweepPoint{}, quantities, source, units).fields)
    columns.push_back(f.first);
  impl_.reset(new Impl{detail::RecordStream(out, format, columns), quantities, source, units});
}

SweepWriter::~SweepWriter() = default;

void SweepWriter::write(const SweepPoint& point) {
  impl_->stream.write(sweep_record(point, impl_->quantities, impl_->source, impl_->units));
}

void SweepWriter::finish() { impl_->stream.finish(); }

void write_sweep(std::ostream& out, const std::vector<SweepPoint>& points,
                 const std::vector<Quantity>& quantities, const std::string& source, Format format,
                 Units units) {
  SweepWriter writer(out, quantities, source, format, units);
  for (const SweepPoint& p : points)
    if (p.done) writer.write(p);
  writer.finish();
}

void write_h_gamma(std::ostream& out, const std::vector<HGammaPoint>& points, Format format,
                   Units units) {
  const double scale = per_nat(units);
  std::vector<detail::Record> records;
  for (const HGammaPoint& p : points) {
    detail::Record rec;
    rec.add("n", p.n).add("gamma", p.gamma).add("units", to_string(units));
    rec.add("h_gamma", p.h_gamma * scale).add("h_gamma_bound", p.bound * scale);
    records.push_back(std::move(rec));
  }
  detail::write_records(out, records, format);
}

void write_check(std::ostream& out, const CheckReport& report, Format format, Units units) {
  const double scale = per_nat(units);
  std::vector<detail::Record> records;
  for (const CheckViolation& v : report.violations) {
    detail::Record rec;
    rec.add("trial", static_cast<long long>(v.instance.trial)).add("relation", v.relation);
    rec.add("lhs", v.lhs * scale).add("rhs", v.rhs * scale).add("units", to_string(units));
    rec.add("M", v.instance.M).add("gamma", v.instance.gamma).add("shape", v.instance.shape);
    rec.add("pmf", joined(v.instance.pmf, " ", [](double x) { return detail::fmt(x); }));
    records.push_back(std::move(rec));
  }
  if (format == Format::table) {
    for (const detail::Record& rec : records) {
      out << "violation:";
      for (const auto& [name, f] : rec.fields) out << ' ' << name << '=' << field_text(f, true);
      out << '\n';
    }
    out << "check: " << report.trials << " random instances (seed " << report.seed << "), "
        << report.relations_checked << " relations checked, " << report.violations.size()
        << " violation" << (report.violations.size() == 1 ? "" : "s") << ", "
        << short_number(report.seconds, 3) << " s\n";
    return;
  }
  detail::write_records(out, records, format);
  if (format == Format::json) {
    detail::JsonWriter j(out);
    j.begin_object()
        .member("trials", report.trials)
        .member("seed", static_cast<long long>(report.seed));
    j.member("relations_checked", report.relations_checked);
    j.member("violations", report.violations.size()).member("seconds", report.seconds).end_object();
    out << '\n';
  }
}

void write_exact(std::ostream& out, const ExactResult& result, const std::vector<double>& pmf,
                 Format format, Units units) {
  const double scale = per_nat(units);
  switch (format) {
    case Format::json:
      return exact_json(out, result, pmf, scale, units);
    case Format::csv:
      return exact_csv(out, result, scale, units);
    case Format::table:
      return exact_table(out, result, scale, units);
  }
}

}  // namespace focalrd
