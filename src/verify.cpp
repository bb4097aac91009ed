#include "focalrd/verify.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include "detail/control.hpp"
#include "detail/csv.hpp"
#include "detail/format.hpp"
#include "detail/h_gamma.hpp"
#include "detail/json_read.hpp"
#include "detail/strategies.hpp"
#include "detail/threads.hpp"
#include "focalrd/bounds.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/excess.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/nletter.hpp"
#include "focalrd/parse.hpp"
#include "focalrd/search.hpp"
#include "focalrd/tolerances.hpp"

namespace focalrd {

namespace {

using detail::JsonValue;

// ---- one record, whatever file it came from ------------------------------------

struct Code {
  std::vector<std::vector<std::size_t>> cells;
  std::vector<std::vector<double>> pmfs;  // empty: a partition only (reference tables)
};

struct Flat {
  // bounds: a sweep row, dataset record or exact/bounds result (the default);
  // cell: one cell's optimal cost (masses, gamma, cost in nats);
  // family: a family's PMF, bit for bit (spec, pmf).
  enum class Kind { bounds, cell, family } kind = Kind::bounds;
  std::size_t number = 0;                // 1-based, for messages
  std::map<std::string, std::string> f;  // scalar fields as text
  std::vector<double> pmf;               // the source, when the record holds it
  std::vector<double> fx;                // the optimised F, when given
  std::optional<Code> code;
  double scale = 1.0;  // per nat: the units of the values
};

// What the provenance says for every record of a file.
struct Context {
  std::vector<double> pmf;
  std::string source;
  double scale = 1.0 / std::log(2.0);  // bits unless the provenance says otherwise
};

double per_nat_of(const std::string& units) { return units == "nats" ? 1.0 : 1.0 / std::log(2.0); }

// A number as written: subnormal values (which input refuses) are data here.
std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.find('/') != std::string::npos) return parse_number(text, "a value");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

std::vector<double> numbers(const std::string& text) {
  std::vector<double> out;
  std::istringstream in(text);
  for (std::string t; in >> t;)
    if (const auto v = number(t)) out.push_back(*v);
  return out;
}

std::string scalar_text(const JsonValue& v) {
  switch (v.kind()) {
    case JsonValue::Kind::boolean:
      return v.as_bool("") ? "true" : "false";
    case JsonValue::Kind::string:
      return v.as_string("");
    case JsonValue::Kind::number: {
      // The number's own text: JsonValue keeps it; as_double loses nothing we need.
      return detail::fmt(v.as_double(""));
    }
    default:
      return "";
  }
}

std::vector<double> doubles(const JsonValue& v) {
  std::vector<double> out;
  for (const JsonValue& x : v.as_array("an array"))
    out.push_back(x.kind() == JsonValue::Kind::string ? number(x.as_string("")).value_or(NAN)
                                                      : x.as_double("a number"));
  return out;
}

Code code_of(const JsonValue& cells) {
  Code code;
  for (const JsonValue& c : cells.as_array("cells")) {
    if (c.kind() == JsonValue::Kind::array) {  // a partition: [[0, 1], [2]]
      std::vector<std::size_t> symbols;
      for (const JsonValue& a : c.as_array("a cell"))
        symbols.push_back(static_cast<std::size_t>(a.as_integer("a symbol")));
      code.cells.push_back(symbols);
      continue;
    }
    std::vector<std::size_t> symbols;
    for (const JsonValue& a : c.at("symbols").as_array("symbols"))
      symbols.push_back(static_cast<std::size_t>(a.as_integer("a symbol")));
    code.cells.push_back(symbols);
    code.pmfs.push_back(doubles(c.at("pmf")));
  }
  return code;
}

// Names of the reference tables, mapped to focalrd's.
const std::map<std::string, std::string>& reference_names() {
  static const std::map<std::string, std::string> names{{"dstar", "exact"},
                                                        {"ach28", "achievability_28"},
                                                        {"ach22", "achievability_22"},
                                                        {"ach23", "achievability_23"},
                                                        {"h", "h_gamma"},
                                                        {"bound16", "h_gamma_bound"},
                                                        {"bound", "h_gamma_bound"}};
  return names;
}

// A JSON object: a sweep or h_gamma row, a dataset record, an exact or bounds
// result, or a reference record.
Flat flat_of(const JsonValue& v, const Context& context, std::size_t number) {
  Flat r;
  r.number = number;
  r.scale = context.scale;
  r.pmf = context.pmf;
  const bool reference = v.find("provenance") == nullptr && v.find("units") == nullptr;
  if (!context.source.empty()) r.f["source"] = context.source;  // a record's own wins below
  for (const auto& [key, value] : v.members()) {
    if (key == "provenance" || key == "stats") continue;
    if (key == "pmf" && value.kind() == JsonValue::Kind::array) {
      r.pmf = doubles(value);
    } else if (key == "cells" || key == "partition") {
      r.code = code_of(value);
    } else if (key == "optimised_fx" && value.kind() == JsonValue::Kind::array) {
      r.fx = doubles(value);
    } else if (key == "quantities") {  // a dataset record
      for (const auto& [name, q] : value.members()) {
        const JsonValue* x = q.find("value");
        if (x && !x->is_null()) r.f[name] = scalar_text(*x);
        if (name == "exact" && x && !x->is_null()) {
          r.f["exact_lower_bound"] = scalar_text(q.at("lower_bound"));
          r.f["exact_certified"] = scalar_text(q.at("certified"));
          if (const JsonValue* code = q.find("code")) r.code = code_of(*code);
        }
        if (name == "achievability_optimised_fx" && x && !x->is_null())
          if (const JsonValue* fx = q.find("fx")) r.fx = doubles(*fx);
      }
    } else if (value.kind() != JsonValue::Kind::array && value.kind() != JsonValue::Kind::object) {
      std::string name = key;
      if (key == "dstar") name = "exact";
      if (key == "lower_bound") name = "exact_lower_bound";
      if (key == "certified") name = "exact_certified";
      if (reference) {
        const auto it = reference_names().find(key);
        if (it != reference_names().end()) name = it->second;
      }
      if (!value.is_null()) r.f[name] = scalar_text(value);
    }
  }
  if (reference) r.f.emplace("exact_certified", "true");  // reference optima are exact
  if (const auto it = r.f.find("units"); it != r.f.end()) r.scale = per_nat_of(it->second);
  return r;
}

Context context_of(const JsonValue& provenance) {
  Context c;
  if (const JsonValue* u = provenance.find("units")) c.scale = per_nat_of(u->as_string("units"));
  if (const JsonValue* p = provenance.find("pmf")) c.pmf = doubles(*p);
  if (const JsonValue* s = provenance.find("source")) c.source = s->as_string("source");
  return c;
}

std::vector<Flat> read_csv(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  Context context;
  std::vector<std::string> header;
  std::vector<Flat> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line[0] == '#') {  // provenance comments
      if (line.rfind("# pmf: ", 0) == 0) context.pmf = numbers(line.substr(7));
      if (line.rfind("# units: ", 0) == 0) context.scale = per_nat_of(line.substr(9));
      continue;
    }
    const std::vector<std::string> fields = detail::csv_fields(line);
    if (header.empty()) {
      header = fields;
      continue;
    }
    if (fields.size() != header.size())
      throw invalid_input(name + ": row " + std::to_string(out.size() + 1) + " has " +
                          std::to_string(fields.size()) + " fields, the header " +
                          std::to_string(header.size()));
    Flat r;
    r.number = out.size() + 1;
    r.scale = context.scale;
    r.pmf = context.pmf;
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (fields[i].empty()) continue;
      if (header[i] == "optimised_fx")
        r.fx = numbers(fields[i]);
      else if (header[i] == "dstar")
        r.f["exact"] = fields[i];
      else if (header[i] == "lower_bound")
        r.f["exact_lower_bound"] = fields[i];
      else if (header[i] == "certified")
        r.f["exact_certified"] = fields[i];
      else
        r.f[header[i]] = fields[i];
    }
    if (const auto it = r.f.find("units"); it != r.f.end()) r.scale = per_nat_of(it->second);
    // An exact result's code: "0 1|2" and the matching PMFs.
    if (r.f.count("cells") && r.f.count("pmfs")) {
      Code code;
      std::istringstream cells(r.f["cells"]), pmfs(r.f["pmfs"]);
      for (std::string c, p; std::getline(cells, c, '|') && std::getline(pmfs, p, '|');) {
        code.cells.emplace_back();
        for (double a : numbers(c))  // a symbol; anything else is out of range on purpose
          code.cells.back().push_back(a >= 0.0 && a < 9e15 ? static_cast<std::size_t>(a)
                                                           : static_cast<std::size_t>(-1));
        code.pmfs.push_back(numbers(p));
      }
      r.code = code;
    }
    out.push_back(std::move(r));
  }
  if (header.empty()) throw invalid_input(name + ": no header row; not a focalrd CSV file");
  return out;
}

std::vector<Flat> read_any(const std::string& text, const std::string& name) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) throw invalid_input(name + " is empty");
  if (text[start] != '{' && text[start] != '[') return read_csv(text, name);
  std::vector<Flat> out;
  // JSON lines: a provenance line, then one object per line.
  const auto newline = text.find('\n', start);
  const bool lines = newline != std::string::npos &&
                     text.find_first_not_of(" \t\r\n", newline) != std::string::npos &&
                     text.compare(start, 14, "{\"provenance\":") == 0 &&
                     text.substr(start, newline - start).find("\"rows\"") == std::string::npos &&
                     text.substr(start, newline - start).find("\"records\"") == std::string::npos;
  if (lines) {
    std::istringstream in(text);
    Context context;
    bool first = true;
    for (std::string line; std::getline(in, line);) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const JsonValue v = JsonValue::parse(line, name);
      if (first) {
        context = context_of(v.at("provenance"));
        first = false;
        continue;
      }
      if (v.find("summary")) continue;  // a check's summary
      out.push_back(flat_of(v, context, out.size() + 1));
    }
    return out;
  }
  const JsonValue doc = JsonValue::parse(text, name);
  if (doc.kind() == JsonValue::Kind::array) {  // a reference table
    for (const JsonValue& v : doc.as_array(name))
      out.push_back(flat_of(v, Context{}, out.size() + 1));
    return out;
  }
  const JsonValue* provenance = doc.find("provenance");
  if (!provenance || provenance->kind() != JsonValue::Kind::object) {
    // focalrd's own reference files: cells and exact optima in nats
    // (high_precision.json), family PMFs (exact_pmf.json).
    const JsonValue* cells = doc.find("cells");
    if (cells && cells->kind() == JsonValue::Kind::array) {
      Context nats;
      nats.scale = 1.0;
      for (const JsonValue& v : cells->as_array(name)) {
        Flat r;
        r.kind = Flat::Kind::cell;
        r.number = out.size() + 1;
        r.pmf = doubles(v.at("masses"));
        r.f["gamma"] = scalar_text(v.at("gamma"));
        r.f["cost"] = scalar_text(v.at("cost"));
        r.scale = 1.0;
        out.push_back(std::move(r));
      }
      if (const JsonValue* exact = doc.find("exact"))
        for (const JsonValue& v : exact->as_array(name)) {
          Flat r = flat_of(v, nats, out.size() + 1);
          r.scale = 1.0;
          out.push_back(std::move(r));
        }
      return out;
    }
    if (const JsonValue* cases = doc.find("cases")) {
      for (const JsonValue& v : cases->as_array(name)) {
        Flat r;
        r.kind = Flat::Kind::family;
        r.number = out.size() + 1;
        r.f["source"] = v.at("spec").as_string("spec");
        r.pmf = doubles(v.at("pmf"));
        out.push_back(std::move(r));
      }
      return out;
    }
  }
  const Context context = provenance && provenance->kind() == JsonValue::Kind::object
                              ? context_of(*provenance)
                              : Context{};
  for (const char* key : {"rows", "records"})
    if (const JsonValue* rows = doc.find(key)) {
      for (const JsonValue& v : rows->as_array(name))
        out.push_back(flat_of(v, context, out.size() + 1));
      return out;
    }
  if (doc.find("violations")) return out;   // a check: nothing to replay
  out.push_back(flat_of(doc, context, 1));  // one exact or bounds result
  return out;
}

// ---- the checks -----------------------------------------------------------------------

class Checker {
 public:
  Checker(const Flat& r, const std::string& where, const VerifyOptions& options,
          detail::Control& control)
      : r_(r), where_(where), options_(options), control_(control) {}

  void run(VerifyReport& report) {
    report_ = &report;
    if (r_.kind == Flat::Kind::family) return family();
    const auto gamma = value("gamma");
    if (gamma && r_.kind == Flat::Kind::cell) return cell(*gamma);
    if (!gamma) return note("no gamma");
    if (r_.f.count("n") && !r_.f.count("M") &&
        (r_.f.count("h_gamma") || r_.f.count("h_gamma_bound")))
      return h_gamma_row(*gamma);
    if (r_.f.count("letters") && r_.f.count("converse_lagrangian_per_letter"))
      return nletter_row(*gamma);
    const auto M = value("M");
    if (!M) return note("no M");
    if (r_.f.count("epsilon") && r_.f.count("D") && *M >= 1.0 && *M == std::floor(*M))
      return excess_row(*M, *gamma);  // M as written: a real past 2^62 (a rate)
    if (!(*M >= 1.0 && *M <= 9e15 && *M == std::floor(*M)))
      return disagree("M is " + r_.f.at("M") + ", not a number of messages");
    const Source source = source_of();
    per_letter();
    const Problem problem(source, static_cast<long long>(*M), *gamma);
    bounds(problem);
  }

  // A block source's per-letter fields (eq. (9)): block_length is the
  // source's, and each <name>_per_letter is <name> / block_length.
  void per_letter() {
    const auto N = value("block_length");
    if (!N) return;
    // The block length of an iid:N,... source, from its spec.
    const auto spec = r_.f.find("source");
    double blocks = 0.0;
    if (spec != r_.f.end() && spec->second.rfind("iid:", 0) == 0)
      blocks = number(spec->second.substr(4, spec->second.find(',') - 4)).value_or(0.0);
    guarantee(*N == blocks, "block_length is " + r_.f.at("block_length") +
                                " but the source is not an iid source of that block length");
    if (!(*N >= 1.0)) return;
    const std::string suffix = "_per_letter";
    for (const auto& [key, text] : r_.f) {
      if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      std::string base = key.substr(0, key.size() - suffix.size());
      if (base == "dstar") base = "exact";  // as read above
      const auto whole = value(base);
      const auto part = value(key);
      if (!whole || !part) continue;
      if (tol::agrees(*whole / *N, *part, options_.tolerance, tol::kSubnormalAbs))
        ++report_->certified;
      else
        disagree(key + " is " + text + " but " + base + " / " + r_.f.at("block_length") + " is " +
                 detail::fmt(*whole / *N));
    }
  }

 private:
  std::optional<double> value(const std::string& key) const {
    const auto it = r_.f.find(key);
    return it == r_.f.end() ? std::nullopt : number(it->second);
  }

  Source source_of() const {
    if (!r_.pmf.empty()) {
      SourceOptions exact;
      return Source::from_pmf(r_.pmf, exact, "pmf");
    }
    const auto it = r_.f.find("source");
    if (it == r_.f.end()) throw invalid_input(where_ + ": no source and no PMF");
    if (it->second.find(':') != std::string::npos) return Source::family(it->second);
    return Source::parse(it->second);
  }

  void disagree(const std::string& what) { report_->disagreements.push_back(where_ + ": " + what); }
  void note(const std::string& what) {
    ++report_->skipped;
    report_->notes.push_back(where_ + ": " + what);
  }

  // A certified value: the file's and the recomputed one (nats) agree.
  void certified(const std::string& key, double now_nats) {
    const auto claimed = value(key);
    if (!claimed) return;
    const double now = now_nats * r_.scale;
    if (tol::agrees(now, *claimed, options_.tolerance, tol::kSubnormalAbs)) {
      ++report_->certified;
      return;
    }
    disagree(key + " is " + detail::fmt(*claimed) + " in the file and " + detail::fmt(now) +
             " now (relative difference " +
             detail::fmt_short(std::fabs(now - *claimed) / std::max(std::fabs(*claimed), 1e-300)) +
             " > " + detail::fmt_short(options_.tolerance) + ")");
  }

  void guarantee(bool holds, const std::string& what) {
    if (!holds) disagree(what);
  }

  // A family's PMF, bit for bit.
  void family() {
    const Source s = Source::family(r_.f.at("source"));
    if (s.pmf() == r_.pmf) {
      report_->certified += s.size();
      return;
    }
    std::size_t off = s.size() != r_.pmf.size() ? s.size() : 0;
    for (std::size_t k = 0; k < s.size() && k < r_.pmf.size(); ++k) off += s[k] != r_.pmf[k];
    disagree(std::to_string(off) + " probabilities differ from the file's");
  }

  // One cell's optimal cost, by both cell solvers.
  void cell(double gamma) {
    for (CellSolverType type : all_cell_solver_types()) {
      const CellSolution s = CellSolver::create(type)->solve(r_.pmf, gamma, nullptr);
      if (s.status != SolveStatus::converged) {
        note(to_string(type) + " cell solver did not converge");
        continue;
      }
      certified("cost", s.cost);
    }
  }

  // A row of focalrd excess: ε* (a probability, in no units) at its D, and
  // with a target ε the least D (in the file's units), both closed forms.
  void excess_row(double M, double gamma) {
    const Units units = r_.scale == 1.0 ? Units::nats : Units::bits;
    // iid blocks too long to list (no PMF in the file) by types.
    const auto spec = r_.f.find("source");
    const ExcessDistortion e = r_.pmf.empty() && spec != r_.f.end()
                                   ? excess_of_spec(spec->second)
                                   : ExcessDistortion(source_of());
    auto compare = [&](const std::string& key, double now) {
      const double claimed = *value(key);
      if (tol::agrees(now, claimed, options_.tolerance, tol::kSubnormalAbs)) {
        ++report_->certified;
        return;
      }
      disagree(key + " is " + detail::fmt(claimed) + " in the file and " + detail::fmt(now) +
               " now");
    };
    const auto D = value("D"), epsilon = value("epsilon");
    if (!D || !epsilon) return note("no D or epsilon");
    if (const auto rate = value("rate")) {  // M = floor(2^(nR)) for blocks of n letters
      const std::size_t n = spec != r_.f.end() ? block_length_of_spec(spec->second) : 1;
      const double at_rate = messages_for_rates({*rate}, n).counts.at(0);
      guarantee(
          tol::agrees(at_rate, M, options_.tolerance, 0.0),
          "M is " + r_.f.at("M") + " in the file and " + detail::fmt(at_rate) + " at its rate now");
    }
    if (const auto target = value("epsilon_target")) {
      compare("D", e.least_distortion(M, *target, gamma, units));
      guarantee(*epsilon <= *target, "epsilon exceeds its target");
    }
    const ExcessResult now = e.at(M, *D, gamma, units);
    compare("epsilon", now.epsilon);
    if (r_.f.count("threshold")) compare("threshold", now.threshold);
    for (const auto& [key, count] :
         {std::pair<const char*, double>{"per_message", static_cast<double>(now.per_message)},
          {"served", now.served}})
      if (const auto claimed = value(key))
        guarantee(tol::agrees(count, *claimed, options_.tolerance, 0.0),
                  std::string(key) + " is " + r_.f.at(key) + " in the file and " +
                      detail::fmt(count) + " now");
  }

  // A row of focalrd nletter: the closed forms, the converse over types, and
  // the exact d_n*/n re-solved on the listed block source when certified.
  void nletter_row(double gamma) {
    const auto n = value("n"), rate = value("rate");
    if (!n || !rate || *n < 1 || *n > 1e6 || *n != std::floor(*n)) return note("no n or rate");
    std::vector<std::string> texts;
    std::istringstream in(r_.f.at("letters"));
    for (std::string t; in >> t;) texts.push_back(t);
    std::vector<double> letters;
    for (const std::string& t : texts) letters.push_back(parse_number(t, "a letter probability"));
    const auto blocks = static_cast<std::size_t>(*n);
    const double H = entropy(block_letters(letters));
    certified("entropy", H);
    certified("limit", std::max(0.0, H - *rate * std::log(2.0)));
    const double log_M = log_messages_at_rate(blocks, *rate);
    const std::optional<long long> M = messages_at_rate(blocks, *rate);
    if (const auto claimed_M = value("M"))
      guarantee(M && static_cast<double>(*M) == *claimed_M, "M is not floor(2^(nR))");
    else
      guarantee(!M, "M is missing");
    if (const auto log2_M = value("log2_M"))
      guarantee(tol::agrees(log_M / std::log(2.0), *log2_M, options_.tolerance, 0.0),
                "log2_M disagrees with the rate");
    const std::optional<double> by_types = lagrangian_converse_by_types(letters, blocks, log_M, gamma);
    if (!by_types) return note("the converse over types was not replayed");
    const double lower = *by_types / *n;
    certified("converse_lagrangian_per_letter", lower);
    if (r_.f.count("converse_per_letter"))
      certified("converse_per_letter", converse_by_types(letters, blocks, log_M, gamma) / *n);
    const auto upper = value("achievability_22_per_letter");
    if (upper)
      certified("achievability_22_per_letter",
                achievability_22_by_types(letters, blocks, log_M, gamma) / *n);
    const auto a28 = value("achievability_28_per_letter");
    if (a28) {
      certified("achievability_28_per_letter",
                achievability_28_by_types(letters, blocks, scheme_messages(M, log_M), gamma) / *n);
      if (upper)
        guarantee(*a28 <= *upper * (1 + 1e-12) + tol::kSubnormalAbs,
                  "achievability_28_per_letter is above (22)");
      guarantee(*a28 >= lower * r_.scale * (1 - 1e-12) - tol::kSubnormalAbs,
                "achievability_28_per_letter is below the Lagrangian converse");
    }
    const auto claimed = value("exact_per_letter");
    if (!claimed) return;
    if (upper)
      guarantee(*claimed <= *upper * (1 + 1e-12) + tol::kSubnormalAbs,
                "exact_per_letter is above the achievability bound (22)");
    if (a28)
      guarantee(*claimed <= *a28 * (1 + 1e-12) + tol::kSubnormalAbs,
                "exact_per_letter is above the scheme's distortion (28)");
    const auto claimed_lower = value("exact_lower_per_letter");
    guarantee(claimed_lower && *claimed_lower <= *claimed * (1 + 1e-12) + tol::kSubnormalAbs,
              "exact_lower_per_letter is missing or above exact_per_letter");
    guarantee(*claimed >= lower * r_.scale * (1 - 1e-12) - tol::kSubnormalAbs,
              "exact_per_letter is below the Lagrangian converse");
    const bool is_certified = r_.f.count("exact_certified") && r_.f.at("exact_certified") == "true";
    const std::string status = r_.f.count("exact_status") ? r_.f.at("exact_status") : "";
    guarantee(is_certified == (status == "certified") &&
                  (status == "certified" || status == "time_limit" || status == "node_limit" ||
                   status == "interrupted" || status == "not_converged"),
              "exact_status '" + status + "' does not match exact_certified");
    std::string spec = "iid:" + r_.f.at("n");
    for (std::size_t j = 0; j < texts.size(); ++j)
      if (letters[j] > 0.0) spec += "," + texts[j];
    ExactOptions e;
    e.threads = 1;
    e.limits.node_limit = options_.exact_node_limit;
    detail::Control search(control_, e.limits);
    if (!M) return note("M beyond 2^62: the exact value not replayed");
    const Problem problem(Source::family(spec), *M, gamma);
    const ExactResult now = detail::solve_exact(problem, e, search);
    if (!now.certified) return note("exact not recertified within the node limit");
    // The file's interval must hold the optimum, and a certified value match it.
    guarantee(*claimed_lower <= now.value / *n * r_.scale * (1 + 1e-12) + tol::kSubnormalAbs &&
                  *claimed >= now.value / *n * r_.scale * (1 - 1e-12) - tol::kSubnormalAbs,
              "the file's interval [exact_lower_per_letter, exact_per_letter] misses d_n*/n");
    if (is_certified) certified("exact_per_letter", now.value / *n);
  }

  void h_gamma_row(double gamma) {
    const auto n = value("n");
    if (!n || *n < 1 || *n > 1e6) return note("n out of range");
    const auto h = detail::h_gamma(static_cast<std::size_t>(*n), gamma, 1, control_);
    if (!h) return note("h_gamma not replayed before the limits");
    certified("h_gamma", *h);
    certified("h_gamma_bound", h_gamma_bound(gamma));
  }

  void bounds(const Problem& problem) {
    auto has = [&](const char* key) { return r_.f.count(key) > 0; };
    // γ < 0 (beyond the paper): the Lagrangian converse and codes' distortions only.
    const bool negative = problem.gamma() < 0.0;
    if (negative)
      for (const char* key : {"h_gamma", "h_gamma_bound", "converse", "achievability_22",
                              "achievability_23", "achievability_optimised_fx"})
        if (value(key))
          disagree(std::string(key) + " is given for gamma < 0, where it is not proved");
    BoundsOptions o;
    o.entropy = has("entropy") || has("focal_entropy");
    o.h_gamma = !negative && (has("h_gamma") || has("h_gamma_bound"));
    o.converse = !negative && has("converse");
    o.lagrangian = true;  // also a guarantee for the heuristic and the interval
    o.scheme = true;
    o.optimised_fx = false;  // a heuristic: checked by its guarantees below
    o.reoptimised = has("achievability_reoptimised");
    o.exact = false;
    o.threads = 1;
    const auto fx = r_.f.find("fx");
    if (fx != r_.f.end() && fx->second == "uniform") o.fx = FxKind::uniform;
    const bool fx_checkable = fx == r_.f.end() || fx->second == "source" || fx->second == "uniform";
    const BoundsResult b = detail::evaluate_bounds(problem, o, control_);
    if (b.status != Status::certified) return note("not replayed before the limits");
    if (b.entropy) certified("entropy", *b.entropy);
    if (b.focal_entropy) certified("focal_entropy", *b.focal_entropy);
    if (b.h_gamma) certified("h_gamma", *b.h_gamma);
    if (b.h_gamma_bound) certified("h_gamma_bound", *b.h_gamma_bound);
    if (b.converse) certified("converse", *b.converse);
    certified("converse_lagrangian", *b.converse_lagrangian);
    if (fx_checkable) {
      if (b.achievability_28)
        certified("achievability_28", *b.achievability_28);
      else if (value("achievability_28"))
        disagree("achievability_28 is given where the scheme's distortion is +inf");
      if (b.achievability_22) certified("achievability_22", *b.achievability_22);
      if (b.achievability_23) certified("achievability_23", *b.achievability_23);
      if (b.achievability_reoptimised)
        certified("achievability_reoptimised", *b.achievability_reoptimised);
    } else if (has("achievability_28")) {
      note("F_X was given on the command line: (28), (22), (23) not replayed");
    }
    if (value("excess")) excess(problem);
    const double lower = *b.converse_lagrangian;  // a lower bound on d*
    std::optional<double> dstar = exact(problem, lower);
    heuristic(problem, lower, dstar);
  }

  // ε*(M, D; γ) at the record's D, in the record's units (a probability:
  // compared as it is, so passed through certified() divided by the scale).
  void excess(const Problem& problem) {
    const auto D = value("excess_distortion");
    if (!D) return disagree("excess is given without its excess_distortion");
    if (problem.gamma() < 0.0) return disagree("excess is given for gamma < 0");
    const Units units = r_.scale == 1.0 ? Units::nats : Units::bits;
    const double epsilon =
        ExcessDistortion(problem.source())
            .at(static_cast<double>(problem.messages()), *D, problem.gamma(), units)
            .epsilon;
    certified("excess", epsilon / r_.scale);
  }

  // The exact optimum: recomputed when certified in the file; its code's
  // distortion recomputed; the interval checked when it is not certified.
  std::optional<double> exact(const Problem& problem, double lower) {
    const auto claimed = value("exact");
    if (!claimed) return std::nullopt;
    const auto lower_claimed = value("exact_lower_bound");
    const bool is_certified = r_.f.count("exact_certified") && r_.f.at("exact_certified") == "true";
    const double s = r_.scale;
    if (lower_claimed)
      guarantee(*lower_claimed <= *claimed * (1 + 1e-12) + tol::kSubnormalAbs,
                "exact_lower_bound " + detail::fmt(*lower_claimed) + " exceeds exact " +
                    detail::fmt(*claimed));
    guarantee(*claimed >= lower * s * (1 - 1e-12) - tol::kSubnormalAbs,
              "exact " + detail::fmt(*claimed) + " is below the Lagrangian converse " +
                  detail::fmt(lower * s));
    if (r_.code) code(problem, *claimed);
    if (!is_certified) return std::nullopt;
    ExactOptions e;
    e.threads = 1;
    e.limits.node_limit = options_.exact_node_limit;
    detail::Control search(control_, e.limits);
    const ExactResult now = detail::solve_exact(problem, e, search);
    if (!now.certified) {
      note("exact not recertified within the node limit (" + to_string(now.status) + ")");
      return std::nullopt;
    }
    certified("exact", now.value);
    return now.value;
  }

  // The code is a partition of the alphabet and costs what the file says.
  void code(const Problem& problem, double claimed) {
    const std::vector<double>& r = problem.pmf();
    double total = 0.0;
    try {
      Code c = *r_.code;
      std::vector<int> seen(r.size(), 0);
      const auto solver = CellSolver::create(CellSolverType::kkt);
      for (std::size_t m = 0; m < c.cells.size(); ++m) {
        std::vector<double> masses;
        for (std::size_t a : c.cells[m]) {
          if (a >= r.size() || seen[a]++) throw invalid_input("a symbol twice or out of range");
          masses.push_back(r[a]);
        }
        if (c.pmfs.empty()) {  // a partition: its cells priced by the KKT solver
          total += solver->solve(masses, problem.gamma(), nullptr).cost;
        } else {
          if (c.pmfs[m].size() != masses.size())
            throw invalid_input("a cell's PMF has the wrong size");
          double sum = 0.0;  // a reconstruction PMF: mass outside the cell is allowed
          for (double x : c.pmfs[m]) {
            if (!(x >= 0.0 && x <= 1.0)) throw invalid_input("a cell's PMF has an entry outside [0, 1]");
            sum += x;
          }
          if (sum > 1.0 + 1e-12) throw invalid_input("a cell's PMF sums to " + detail::fmt(sum));
          // A cell of the whole alphabet (no symbol of mass 0) has nowhere
          // else to put mass: its PMF sums to 1 (at γ >= -1 it is read so).
          const bool whole = c.cells[m].size() == r.size() &&
                             std::none_of(r.begin(), r.end(), [](double x) { return x == 0.0; });
          if (whole && problem.gamma() < -1.0 && sum < 1.0 - 1e-12)
            throw invalid_input("the cell of the whole alphabet has a PMF summing to " +
                                detail::fmt(sum) + ", not 1");
          total += cell_distortion(masses.data(), c.pmfs[m].data(), masses.size(), problem.gamma());
        }
      }
      for (int s : seen)
        if (!s) throw invalid_input("a symbol in no cell");
    } catch (const invalid_input& e) {
      return disagree(std::string("the code is not a partition of the alphabet: ") + e.what());
    }
    const double now = total * r_.scale;
    ++report_->codes;
    // The code's own distortion is the file's value (to the PMFs' printed precision).
    if (!tol::agrees(now, claimed, std::max(options_.tolerance, 1e-12), tol::kSubnormalAbs))
      disagree("the code costs " + detail::fmt(now) + ", the file says " + detail::fmt(claimed));
  }

  // The optimised F_X: (28) at the F given, at most (28) at F = R, at least
  // the Lagrangian converse and the certified d*.
  void heuristic(const Problem& problem, double lower, const std::optional<double>& dstar) {
    const auto claimed = value("achievability_optimised_fx");
    if (!claimed) return;
    const double s = r_.scale;
    const std::vector<double>& r = problem.pmf();
    const double at_r = achievability_28(r, r, problem.messages(), problem.gamma()) * s;
    bool ok = true;
    auto check = [&](bool holds, const std::string& what) {
      if (!holds) {
        ok = false;
        disagree("achievability_optimised_fx " + detail::fmt(*claimed) + " " + what);
      }
    };
    check(*claimed <= at_r * (1 + 1e-12) + tol::kSubnormalAbs,
          "exceeds (28) at F = R, " + detail::fmt(at_r));
    check(*claimed >= lower * s * (1 - 1e-12) - tol::kSubnormalAbs,
          "is below the Lagrangian converse " + detail::fmt(lower * s));
    if (dstar)
      check(*claimed >= *dstar * s * (1 - options_.tolerance) - tol::kSubnormalAbs,
            "is below the certified d* " + detail::fmt(*dstar * s));
    if (!r_.fx.empty()) {
      if (r_.fx.size() != r.size()) {
        check(false, "comes with an F of the wrong size");
      } else {
        const double at_f = achievability_28(r, r_.fx, problem.messages(), problem.gamma()) * s;
        check(tol::agrees(at_f, *claimed, 1e-12, tol::kSubnormalAbs),
              "is not (28) at its F, " + detail::fmt(at_f));
      }
    }
    if (ok) ++report_->heuristic;
  }

  const Flat& r_;
  const std::string where_;
  const VerifyOptions& options_;
  detail::Control& control_;
  VerifyReport* report_ = nullptr;
};

std::string describe(const std::string& name, const Flat& r) {
  std::string where = name + " record " + std::to_string(r.number);
  std::string what;
  for (const char* key : {"source", "n", "M", "gamma"})
    if (r.f.count(key)) what += (what.empty() ? "" : ", ") + std::string(key) + " = " + r.f.at(key);
  return where + (what.empty() ? "" : " (" + what + ")");
}

}  // namespace

VerifyReport verify(const std::string& text, const std::string& name,
                    const VerifyOptions& options) {
  options.limits.validate();
  const std::vector<Flat> records = read_any(text, name);
  detail::Control control(options.limits);
  std::vector<VerifyReport> parts(records.size());
  std::vector<std::string> failures(records.size());
#pragma omp parallel for num_threads(detail::resolve_threads(options.threads)) schedule(dynamic, 1)
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::string where = describe(name, records[i]);
    if (control.stop()) {
      ++parts[i].skipped;
      parts[i].notes.push_back(where + ": not reached before the limits");
      continue;
    }
    try {
      Checker(records[i], where, options, control).run(parts[i]);
    } catch (const invalid_input& e) {
      parts[i].disagreements.push_back(where + ": cannot be replayed: " + e.what());
    }
  }
  VerifyReport report;
  report.records = records.size();
  for (const VerifyReport& p : parts) {  // in file order, whatever the threads did
    report.certified += p.certified;
    report.heuristic += p.heuristic;
    report.codes += p.codes;
    report.skipped += p.skipped;
    report.disagreements.insert(report.disagreements.end(), p.disagreements.begin(),
                                p.disagreements.end());
    report.notes.insert(report.notes.end(), p.notes.begin(), p.notes.end());
  }
  return report;
}

}  // namespace focalrd
