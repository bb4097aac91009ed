#include "focalrd/report.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "detail/format.hpp"
#include "detail/json.hpp"

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
  for (Format f : {Format::table, Format::json, Format::csv})
    if (to_string(f) == name) return f;
  throw std::invalid_argument("format '" + name + "' is not known; use table, json or csv");
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
  j.member("status", to_string(r.status));
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
  j.member("partitions", r.stats.partitions).member("nodes", static_cast<long long>(r.stats.nodes));
  j.member("cells_optimised", static_cast<long long>(r.stats.cells_optimised));
  j.member("wall_seconds", r.stats.wall_seconds).member("threads", r.stats.threads);
  j.end_object();
  j.end_object();
  out << '\n';
}

void exact_csv(std::ostream& out, const ExactResult& r, double scale, Units units) {
  out << "n,M,gamma,units,dstar,lower_bound,certified,method,cell_solver,status,partitions,"
         "cells_optimised,wall_seconds,threads,cells,pmfs\n";
  const std::string cells = joined(r.code.cells, "|", [](const Cell& c) {
    return joined(c.symbols, " ", [](std::size_t a) { return std::to_string(a); });
  });
  const std::string pmfs = joined(r.code.cells, "|", [](const Cell& c) {
    return joined(c.pmf, " ", [](double p) { return detail::fmt17(p); });
  });
  out << r.n << ',' << r.M << ',' << detail::fmt17(r.gamma) << ',' << to_string(units) << ','
      << detail::fmt17(r.value * scale) << ',' << detail::fmt17(r.lower_bound * scale) << ','
      << (r.certified ? "true" : "false") << ',' << r.method << ',' << to_string(r.cell_solver)
      << ',' << to_string(r.status) << ',' << detail::fmt17(r.stats.partitions) << ','
      << r.stats.cells_optimised << ',' << detail::fmt17(r.stats.wall_seconds) << ','
      << r.stats.threads << ',' << cells << ',' << pmfs << '\n';
}

void exact_table(std::ostream& out, const ExactResult& r, double scale, Units units) {
  out << "d*(M = " << r.M << "; gamma = " << detail::fmt(r.gamma)
      << ") = " << detail::fmt17(r.value * scale) << ' ' << to_string(units) << '\n';
  if (!r.certified)
    out << "  not certified: optimum in [" << detail::fmt17(r.lower_bound * scale) << ", "
        << detail::fmt17(r.value * scale) << "]\n";
  if (r.status != SolveStatus::converged) out << "  warning: " << r.message << '\n';
  out << "optimal code, " << r.code.cells.size() << " message"
      << (r.code.cells.size() == 1 ? "" : "s") << " for " << r.n << " symbols:\n";
  out << "  message  symbols             distortion   reconstruction PMF on the symbols\n";
  for (std::size_t m = 0; m < r.code.cells.size(); ++m) {
    const Cell& c = r.code.cells[m];
    std::string symbols =
        "{" + joined(c.symbols, ", ", [](std::size_t a) { return std::to_string(a); }) + "}";
    std::string pmf = "[" + joined(c.pmf, ", ", [](double p) { return short_number(p); }) + "]";
    char line[64];
    std::snprintf(line, sizeof line, "  %-8zu %-19s %-12s ", m, symbols.c_str(),
                  short_number(c.distortion * scale).c_str());
    out << line << pmf << '\n';
  }
  out << "work: " << r.method << " search with the " << to_string(r.cell_solver)
      << " cell solver; " << detail::fmt(r.stats.partitions) << " partitions, "
      << r.stats.cells_optimised << " cells optimised";
  if (r.stats.nodes) out << ", " << r.stats.nodes << " nodes";
  out << "; " << short_number(r.stats.wall_seconds, 3) << " s on " << r.stats.threads
      << " thread" << (r.stats.threads == 1 ? "" : "s") << '\n';
}

}  // namespace

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
