#include "cli/options.hpp"

#include <boost/program_options.hpp>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/limits.hpp"

namespace po = boost::program_options;

namespace focalrd::cli {

namespace {

// ---- values -------------------------------------------------------------------

int parse_bounded(const std::string& text, const std::string& name, long long lo, long long hi) {
  return static_cast<int>(parse_integer(text, name, lo, hi));
}

std::string get(const po::variables_map& vm, const std::string& key) {
  return vm[key].as<std::string>();
}

bool flag(const po::variables_map& vm, const std::string& key) { return vm[key].as<bool>(); }

void require(const po::variables_map& vm, const std::string& key, const std::string& what) {
  if (!vm.count(key)) throw invalid_input("missing " + what);
}

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& d,
                        const po::positional_options_description* positional = nullptr) {
  po::variables_map vm;
  po::command_line_parser parser(args);
  parser.options(d).allow_unregistered();
  if (positional) parser.positional(*positional);
  const po::parsed_options parsed = parser.run();
  for (const std::string& extra : po::collect_unrecognized(
           parsed.options, positional ? po::exclude_positional : po::include_positional))
    throw invalid_input(extra.rfind("-", 0) == 0
                            ? "unrecognised option " + quoted(extra)
                            : "unexpected argument " + quoted(extra) +
                                  "; every value follows its option, e.g. --gamma 1");
  po::store(parsed, vm);
  po::notify(vm);
  return vm;
}

// ---- option groups shared by commands ---------------------------------------------

// clang-format off
po::options_description source_options() {
  po::options_description d("Source (one of --pmf, --pmf-file, --source)");
  d.add_options()
      ("pmf", po::value<std::string>()->value_name("LIST"),
       "the PMF P_X, comma- or space-separated; decimals, exponents and fractions a/b")
      ("pmf-file", po::value<std::string>()->value_name("PATH"),
       "read P_X from a file: one probability per line, or a CSV column")
      ("pmf-column", po::value<std::string>()->default_value("0")->value_name("C"),
       "the column of --pmf-file: 0-based index or header name")
      ("source", po::value<std::string>()->value_name("SPEC"),
       "a family: binomial:K,P  uniform:N  geometric:P,N  dirichlet:N,SEED[,ALPHA]")
      ("weights", po::value<std::string>()->value_name("LIST"),
       "weights Q(x) >= 0 turning P_X into R_X = P_X Q / sum(P_X Q), eqs. (6)-(7)")
      ("normalize", po::bool_switch(), "rescale the PMF to sum 1 instead of refusing it");
  return d;
}
// clang-format on

Source source_from(const po::variables_map& vm) {
  const int given = static_cast<int>(vm.count("pmf") + vm.count("pmf-file") + vm.count("source"));
  if (given == 0)
    throw invalid_input(
        "missing source: give --pmf LIST, --pmf-file PATH or --source SPEC, e.g. --pmf "
        "2/3,1/4,1/12");
  if (given > 1) throw invalid_input("give only one of --pmf, --pmf-file and --source");
  SourceOptions options;
  options.normalize = flag(vm, "normalize");
  Source source = vm.count("pmf") ? Source::parse(get(vm, "pmf"), options)
                  : vm.count("pmf-file")
                      ? Source::read_file(get(vm, "pmf-file"), get(vm, "pmf-column"), options)
                      : Source::family(get(vm, "source"));
  if (vm.count("weights"))
    source = source.with_weights(parse_number_list(get(vm, "weights"), "--weights"));
  return source;
}

// clang-format off
po::options_description limit_options(const std::string& time_limit, const std::string& help) {
  po::options_description d("Limits");
  d.add_options()
      ("time-limit", po::value<std::string>()->default_value(time_limit)->value_name("SECONDS"),
       help.c_str());
  return d;
}

po::options_description search_options(const std::string& max_partitions,
                                       const std::string& time_limit,
                                       const std::string& time_help) {
  po::options_description d("Exact search");
  d.add_options()
      ("method", po::value<std::string>()->default_value("auto")->value_name("NAME"),
       "search strategy: auto, enumerate, dp, bnb or counts")
      ("cell-solver", po::value<std::string>()->default_value("kkt")->value_name("kkt|nlopt"),
       "per-cell optimiser: kkt (exact, fast) or nlopt (L-BFGS)")
      ("max-partitions", po::value<std::string>()->default_value(max_partitions)->value_name("X"),
       "refuse enumerations of more partitions than this")
      ("force", po::bool_switch(), "run even beyond --max-partitions")
      ("memory-budget", po::value<std::string>()->default_value("2G")->value_name("BYTES"),
       "memory for the DP's tables, e.g. 512M or 4G")
      ("rel-gap", po::value<std::string>()->default_value("1e-12")->value_name("X"),
       "branch-and-bound stops when upper - lower <= X upper")
      ("node-limit", po::value<std::string>()->default_value("0")->value_name("N"),
       "branch-and-bound stops after this many nodes (deterministic; 0: none)");
  d.add(limit_options(time_limit, time_help));
  return d;
}

po::options_description checkpoint_options() {
  po::options_description d("Checkpoints (branch-and-bound)");
  d.add_options()
      ("checkpoint", po::value<std::string>()->value_name("FILE"),
       "write the search's state to FILE (atomically) now and then, and when it stops")
      ("checkpoint-interval", po::value<std::string>()->default_value("60")->value_name("SECONDS"),
       "at most one checkpoint this often")
      ("resume", po::value<std::string>()->value_name("FILE"),
       "continue the search saved in FILE (same source, M, gamma and --rel-gap)");
  return d;
}
// clang-format on

// `checkpoints`: the command has the checkpoint options (exact only).
ExactOptions exact_options_from(const po::variables_map& vm, int threads,
                                bool checkpoints = false) {
  ExactOptions options;
  options.method = search_method_from_string(get(vm, "method"));
  options.cell_solver = cell_solver_type_from_string(get(vm, "cell-solver"));
  options.threads = threads;
  options.max_partitions = parse_number(get(vm, "max-partitions"), "max-partitions");
  options.force = flag(vm, "force");
  options.memory_budget_bytes = parse_bytes(get(vm, "memory-budget"), "memory-budget");
  options.rel_gap = parse_number(get(vm, "rel-gap"), "rel-gap");
  options.limits.node_limit = parse_number(get(vm, "node-limit"), "node-limit");
  if (checkpoints && vm.count("checkpoint")) {
    options.checkpoint_path = get(vm, "checkpoint");
    options.checkpoint_seconds =
        parse_number(get(vm, "checkpoint-interval"), "checkpoint-interval");
  }
  if (checkpoints && vm.count("resume")) options.resume_path = get(vm, "resume");
  options.validate();
  return options;
}

double time_limit_from(const po::variables_map& vm, const std::string& key = "time-limit") {
  Limits limits;
  limits.time_limit_seconds = parse_number(get(vm, key), key);
  limits.validate();
  return limits.time_limit_seconds;
}

// clang-format off
po::options_description fx_options() {
  po::options_description d("Achievability (Theorem 2)");
  d.add_options()
      ("fx", po::value<std::string>()->default_value("source")->value_name("F"),
       "auxiliary PMF F_X for (28), (22), (23): source, uniform, optimised, or a LIST")
      ("fx-evaluations", po::value<std::string>()->default_value("20000")->value_name("N"),
       "evaluations of (28) per start when optimising F_X");
  return d;
}
// clang-format on

void fx_from(const po::variables_map& vm, BoundsOptions& options) {
  const std::string fx = get(vm, "fx");
  if (fx == "source") {
    options.fx = FxKind::source;
  } else if (fx == "uniform") {
    options.fx = FxKind::uniform;
  } else if (fx == "optimised" || fx == "optimized") {
    options.fx = FxKind::optimised;
  } else {
    options.fx = FxKind::given;
    options.fx_given = parse_number_list(fx, "--fx");
  }
  options.fx_evaluations = parse_bounded(get(vm, "fx-evaluations"), "fx-evaluations", 1, 100000000);
}

// clang-format off
po::options_description output_options(const std::string& default_format) {
  po::options_description d("Output");
  d.add_options()
      ("units", po::value<std::string>()->default_value("bits")->value_name("bits|nats"),
       "logarithm base of every distortion")
      ("format", po::value<std::string>()->default_value(default_format)->value_name("FORMAT"),
       "table (for reading), json (one document), jsonl (JSON lines) or csv; the last three\n"
       "carry their provenance and every number in its shortest round-trip form")
      ("threads", po::value<std::string>()->default_value("0")->value_name("N"),
       "OpenMP threads, 0 for all")
      ("help,h", "print this help");
  return d;
}
// clang-format on

Output output_from(const po::variables_map& vm) {
  Output out;
  out.format = format_from_string(get(vm, "format"));
  out.units = units_from_string(get(vm, "units"));
  return out;
}

int threads_from(const po::variables_map& vm) {
  return parse_bounded(get(vm, "threads"), "threads", 0, limits::kMaxThreads);
}

// clang-format off
po::options_description problem_options(bool grids) {
  po::options_description d("Problem");
  d.add_options()
      ("messages,M", po::value<std::string>()->value_name(grids ? "GRID" : "M"),
       grids ? "numbers of messages: a value, list or range, e.g. 2:64 or 2,4,8"
             : "number of messages M >= 1")
      ("gamma", po::value<std::string>()->value_name(grids ? "GRID" : "G"),
       grids ? "focus parameters: a value, list or range, e.g. 0:0.05:4 (down to -10, beyond "
               "the paper, with the quantities proved there: entropy, converse_lagrangian, "
               "achievability_28, achievability_reoptimised, exact)"
             : "focus parameter gamma (down to -10 for exact and bounds, beyond the paper: "
               "bounds then reports only what is proved there)");
  if (!grids)
    d.add_options()
        ("rate", po::value<std::string>()->value_name("R"),
         "instead of -M: the rate R in bits per letter, M = floor(2^(nR)) for blocks of n "
         "letters (iid:N,...; n = 1 otherwise), exactly for R as written");
  return d;
}
// clang-format on

// Parses with the given groups; returns nothing after printing --help.
template <typename... Groups>
std::optional<po::variables_map> parse_command(const std::vector<std::string>& args,
                                               std::ostream& help, const std::string& title,
                                               const Groups&... groups) {
  po::options_description all(title);
  (all.add(groups), ...);
  po::variables_map vm = parse(args, all);
  if (vm.count("help")) {
    help << all << '\n';
    return std::nullopt;
  }
  return vm;
}

// M from --rate R for blocks of n letters (nletter.hpp: floor(2^(nR))).
long long messages_at_rate(const std::string& text, std::size_t n) {
  const double R = parse_number(text, "rate");
  if (!(R >= 0.0) || !(R * static_cast<double>(n) <= 62.0))
    throw invalid_input("rate is " + quoted(text) + " bits per letter; with " + std::to_string(n) +
                        " letters per block it must lie in [0, " + detail::fmt(62.0 / static_cast<double>(n)) +
                        "] (M = 2^(nR) at most 2^62)");
  return *focalrd::messages_at_rate(n, R);
}

Problem problem_from(const po::variables_map& vm) {
  const Source source = source_from(vm);
  if (vm.count("rate") && vm.count("messages"))
    throw invalid_input("give -M or --rate, not both");
  if (!vm.count("rate")) require(vm, "messages", "-M: give the number of messages, e.g. -M 2");
  require(vm, "gamma", "--gamma: give the focus parameter, e.g. --gamma 1");
  const long long M =
      vm.count("rate")
          ? messages_at_rate(get(vm, "rate"), std::max<std::size_t>(1, source.block_length()))
          : parse_integer(get(vm, "messages"), "M", LLONG_MIN, LLONG_MAX);
  return Problem(source, M, parse_number(get(vm, "gamma"), "gamma"));
}

// A table of `rows` rows (the product of its grids), refused beyond the limit.
void check_rows(double rows) {
  if (rows > static_cast<double>(limits::kMaxGridPoints))
    throw too_large("the table has " + detail::fmt_short(rows) + " rows; at most " +
                    std::to_string(limits::kMaxGridPoints));
}

}  // namespace

std::vector<std::string> attach_negative_values(const std::vector<std::string>& args) {
  static const std::regex negative(R"(^-(\.?[0-9]|inf|nan).*)", std::regex::icase);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool takes_value = a.size() > 1 && a[0] == '-' && a.find('=') == std::string::npos &&
                             !std::regex_match(a, negative);
    if (takes_value && i + 1 < args.size() && std::regex_match(args[i + 1], negative)) {
      out.push_back(a + (a[1] == '-' ? "=" : "") + args[i + 1]);
      ++i;
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::optional<ExactRequest> parse_exact(const std::vector<std::string>& args, std::ostream& help) {
  const auto vm =
      parse_command(args, help,
                    "focalrd exact: the exact d*(M; gamma) of eq. (5) and an optimal code\n"
                    "usage: focalrd exact --pmf LIST -M M --gamma G [options]",
                    source_options(), problem_options(false),
                    search_options("2e9", "0",
                                   "the whole search: then the best code and a "
                                   "certified interval (0: none)"),
                    checkpoint_options(), output_options("table"));
  if (!vm) return std::nullopt;
  Problem problem = problem_from(*vm);
  ExactOptions options = exact_options_from(*vm, threads_from(*vm), true);
  options.limits.time_limit_seconds = time_limit_from(*vm);
  check_exact_feasible(problem, options);
  return ExactRequest{std::move(problem), std::move(options), output_from(*vm)};
}

std::optional<BoundsRequest> parse_bounds(const std::vector<std::string>& args,
                                          std::ostream& help) {
  po::options_description what("Quantities");
  // clang-format off
  what.add_options()
      ("no-exact", po::bool_switch(), "skip the exact d* even for small alphabets")
      ("no-optimise-fx", po::bool_switch(), "skip the optimisation of F_X");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd bounds: the paper's converse (17) and achievability (28), (22), (23), with "
      "h_gamma,\n"
      "the optimised-F_X and re-optimised-cell codes, and the exact d* when it is small enough\n"
      "usage: focalrd bounds (--pmf LIST | --pmf-file PATH | --source SPEC) -M M --gamma G "
      "[options]",
      source_options(), problem_options(false), fx_options(), what,
      search_options("1e8", "10",
                     "the whole evaluation; quantities not reached are absent, the "
                     "exact d* keeps its interval (0: none)"),
      output_options("table"));
  if (!vm) return std::nullopt;
  Problem problem = problem_from(*vm);
  BoundsOptions options;
  fx_from(*vm, options);
  options.threads = threads_from(*vm);
  options.exact = !flag(*vm, "no-exact");
  options.optimised_fx = !flag(*vm, "no-optimise-fx");
  options.exact_options = exact_options_from(*vm, options.threads);
  options.limits.time_limit_seconds = time_limit_from(*vm);
  if (options.fx == FxKind::given) auxiliary_pmf(problem, options.fx, options.fx_given);
  return BoundsRequest{std::move(problem), options, output_from(*vm)};
}

// What sweep and dataset share: the grids of M and gamma, the quantities,
// threads, F_X, the exact search and the limits of the run and of each point.
SweepOptions grid_options_from(const po::variables_map& vm) {
  SweepOptions options;
  options.messages = parse_integer_grid(get(vm, "messages"), "-M");
  options.gammas = parse_real_grid(get(vm, "gamma"), "--gamma");
  for (long long M : options.messages) check_messages(M);
  options.quantities = parse_quantities(get(vm, "quantities"));
  // The excess distortion at one level D (sweep's -D): "all" takes it too
  // when a D is given.
  if (vm.count("distortion")) {
    const double D = parse_number(get(vm, "distortion"), "-D");
    if (!std::isfinite(D) || D < 0.0)
      throw invalid_input("-D is " + detail::fmt(D) + "; the distortion level D must be finite and >= 0");
    options.bounds.excess_distortion = D;
    options.bounds.excess_units = units_from_string(get(vm, "units"));
    if (get(vm, "quantities") == "all") options.quantities.push_back(Quantity::excess);
  }
  // γ < 0 (beyond the paper): the quantities proved there; "all" leaves the
  // others empty in those rows, a list that names one is refused.
  check_negative_gamma_quantities(options.gammas, options.quantities,
                                  get(vm, "quantities") == "all");
  options.threads = threads_from(vm);
  options.point_threads =
      parse_bounded(get(vm, "point-threads"), "point-threads", 1, limits::kMaxThreads);
  fx_from(vm, options.bounds);
  options.bounds.exact_options = exact_options_from(vm, options.point_threads);
  options.limits.time_limit_seconds = time_limit_from(vm);
  options.bounds.limits.time_limit_seconds = time_limit_from(vm, "point-time-limit");
  return options;
}

std::optional<SweepRequest> parse_sweep(const std::vector<std::string>& args, std::ostream& help) {
  po::options_description what("Sweep");
  // clang-format off
  what.add_options()
      ("quantities", po::value<std::string>()
           ->default_value("converse,achievability_28,achievability_22,achievability_23")
           ->value_name("LIST"),
       "columns to compute, or all: entropy, h_gamma, h_gamma_bound, converse,\n"
       "converse_lagrangian, achievability_28, achievability_22, achievability_23,\n"
       "achievability_optimised_fx, achievability_reoptimised, exact, excess\n"
       "(excess: epsilon*(M, D; gamma) at the level -D; all takes it when -D is given)")
      ("distortion,D", po::value<std::string>()->value_name("D"),
       "the distortion level of the quantity excess, in --units")
      ("output,o", po::value<std::string>()->value_name("PATH"), "write to a file, not standard output")
      ("no-progress", po::bool_switch(), "no progress lines on standard error")
      ("point-threads", po::value<std::string>()->default_value("1")->value_name("N"),
       "threads inside each point (exact search); the points share the rest")
      ("point-time-limit", po::value<std::string>()->default_value("60")->value_name("SECONDS"),
       "each point's evaluation (0: none)");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd sweep: quantities over a grid of gamma and M, as CSV, JSON lines or a table\n"
      "usage: focalrd sweep (--pmf LIST | --pmf-file PATH | --source SPEC) -M GRID --gamma GRID "
      "[options]",
      source_options(), problem_options(true), what, fx_options(),
      search_options("1e8", "0",
                     "the whole sweep: finished rows are kept, the run says how many "
                     "are missing (0: none)"),
      output_options("csv"));
  if (!vm) return std::nullopt;
  Source source = source_from(*vm);
  require(*vm, "messages", "-M: give the numbers of messages, e.g. -M 2:64");
  require(*vm, "gamma", "--gamma: give the focus parameters, e.g. --gamma 0:0.25:4");
  SweepOptions options = grid_options_from(*vm);
  const std::string path = vm->count("output") ? get(*vm, "output") : "";
  return SweepRequest{std::move(source), std::move(options), output_from(*vm), path,
                      !flag(*vm, "no-progress")};
}

std::optional<DatasetRequest> parse_dataset(const std::vector<std::string>& args,
                                            std::ostream& help) {
  po::options_description sources("Sources (each may be given several times)");
  // clang-format off
  sources.add_options()
      ("source", po::value<std::vector<std::string>>()->value_name("GRID"),
       "a family grid: each argument a value, a range a..b or a..b..step, or alternatives\n"
       "x|y, e.g. dirichlet:4..8,1..100,0.5|1 or binomial:10..40..10,0.1|0.5")
      ("pmf", po::value<std::vector<std::string>>()->value_name("LIST"), "a PMF")
      ("pmf-file", po::value<std::vector<std::string>>()->value_name("PATH"),
       "a PMF file (one probability per line)");
  po::options_description what("Dataset");
  what.add_options()
      ("quantities", po::value<std::string>()->default_value("all")->value_name("LIST"),
       "quantities of each record (as for sweep), or all")
      ("output,o", po::value<std::string>()->value_name("PATH"), "write to a file, not standard output")
      ("resume", po::bool_switch(),
       "continue the dataset in --output: keep its records, compute the missing ones")
      ("no-progress", po::bool_switch(), "no progress lines on standard error")
      ("point-threads", po::value<std::string>()->default_value("1")->value_name("N"),
       "threads inside each instance (exact search); the instances share the rest")
      ("point-time-limit", po::value<std::string>()->default_value("0")->value_name("SECONDS"),
       "each instance's evaluation (0: none, so that results do not depend on the machine)");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd dataset: regression data in bulk, every (source, gamma, M) of the grids, as JSON\n"
      "lines: one record per instance with its input, every quantity with its kind and status,\n"
      "and the optimal code\n"
      "usage: focalrd dataset --source GRID... -M GRID --gamma GRID [-o FILE [--resume]] [options]",
      sources, problem_options(true), what, fx_options(),
      search_options("1e8", "0",
                     "the whole dataset: finished records are kept, --resume continues (0: none)"),
      output_options("jsonl"));
  if (!vm) return std::nullopt;
  DatasetRequest request;
  auto list = [&](const char* key) {
    return vm->count(key) ? (*vm)[key].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  for (const std::string& grid : list("source"))
    for (const std::string& spec : expand_family_grid(grid))
      request.sources.push_back(Source::family(spec));
  for (const std::string& pmf : list("pmf")) request.sources.push_back(Source::parse(pmf));
  for (const std::string& path : list("pmf-file"))
    request.sources.push_back(Source::read_file(path));
  if (request.sources.empty())
    throw invalid_input("missing sources: give --source GRID, --pmf LIST or --pmf-file PATH");
  require(*vm, "messages", "-M: give the numbers of messages, e.g. -M 2:8");
  require(*vm, "gamma", "--gamma: give the focus parameters, e.g. --gamma 0,1,4");
  request.options = grid_options_from(*vm);
  const SweepOptions& options = request.options;
  const double total = static_cast<double>(request.sources.size()) *
                       static_cast<double>(options.messages.size()) *
                       static_cast<double>(options.gammas.size());
  if (total > static_cast<double>(limits::kMaxGridPoints))
    throw too_large("the dataset has " + detail::fmt_short(total) +
                    " instances; a dataset has at most " + std::to_string(limits::kMaxGridPoints));
  request.output = output_from(*vm);
  if (request.output.format != Format::jsonl && request.output.format != Format::json)
    throw invalid_input("format '" + to_string(request.output.format) +
                        "' is not offered by dataset; use jsonl or json");
  if (vm->count("output")) request.output_path = get(*vm, "output");
  request.resume = flag(*vm, "resume");
  if (request.resume && (request.output_path.empty() || request.output.format != Format::jsonl))
    throw invalid_input(
        "--resume continues a JSON-lines file: give --output PATH (and --format "
        "jsonl)");
  request.progress = !flag(*vm, "no-progress");
  return request;
}

std::optional<VerifyRequest> parse_verify(const std::vector<std::string>& args,
                                          std::ostream& help) {
  po::options_description d(
      "focalrd verify: replays focalrd's outputs (JSON, JSON lines, CSV) or a reference table on\n"
      "this build: certified values must agree to --tolerance, codes are checked by their\n"
      "distortion, heuristics by their guarantees; one line per disagreement, then a summary\n"
      "usage: focalrd verify FILE... [options]");
  // clang-format off
  d.add_options()
      ("file", po::value<std::vector<std::string>>()->value_name("FILE"), "files to replay")
      ("tolerance", po::value<std::string>()->default_value("1e-9")->value_name("X"),
       "relative agreement required of certified values")
      ("exact-node-limit", po::value<std::string>()->default_value("0")->value_name("N"),
       "recertify each exact d* within N branch-and-bound nodes (0: no limit); one that is not\n"
       "certified within them is counted as skipped")
      ("verbose", po::bool_switch(), "also a line for each value skipped")
      ("threads", po::value<std::string>()->default_value("0")->value_name("N"),
       "OpenMP threads, 0 for all")
      ("help,h", "print this help");
  // clang-format on
  d.add(limit_options("0", "the whole replay: records not reached are skipped (0: none)"));
  po::positional_options_description files;
  files.add("file", -1);
  const po::variables_map vm = parse(args, d, &files);
  if (vm.count("help")) {
    help << d << '\n';
    return std::nullopt;
  }
  VerifyRequest request;
  if (!vm.count("file")) throw invalid_input("missing FILE: give the files to replay");
  request.files = vm["file"].as<std::vector<std::string>>();
  request.options.tolerance = parse_number(get(vm, "tolerance"), "tolerance");
  if (!(request.options.tolerance > 0.0 && request.options.tolerance < 1.0))
    throw invalid_input("tolerance is " + get(vm, "tolerance") +
                        "; violated constraint: 0 < tolerance < 1");
  Limits nodes;
  nodes.node_limit = parse_number(get(vm, "exact-node-limit"), "exact-node-limit");
  nodes.validate();
  request.options.exact_node_limit = nodes.node_limit;
  request.options.threads = threads_from(vm);
  request.options.limits.time_limit_seconds = time_limit_from(vm);
  request.verbose = flag(vm, "verbose");
  return request;
}

std::optional<ExcessRequest> parse_excess(const std::vector<std::string>& args,
                                          std::ostream& help) {
  po::options_description what("Excess distortion");
  // clang-format off
  what.add_options()
      ("distortion,D", po::value<std::string>()->value_name("GRID"),
       "distortion levels D (in --units): a value, list or range, e.g. 0:0.1:2")
      ("epsilon", po::value<std::string>()->value_name("GRID"),
       "instead of -D: excess probabilities; prints the least D with epsilon* <= each")
      ("rate", po::value<std::string>()->value_name("GRID"),
       "instead of -M: rates R in bits per letter, M = floor(2^(nR)) for blocks of n letters "
       "(iid:N,...; n = 1 otherwise), beyond 2^63 too (2^(nR) to 1e-13 relative there)");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd excess: the least excess-distortion probability epsilon*(M, D; gamma) =\n"
      "min P[d(X; g(f(X))) > D] over codes with M messages, in closed form (README), or its\n"
      "inverse: the least D with epsilon* <= a target\n"
      "usage: focalrd excess (--pmf LIST | --pmf-file PATH | --source SPEC) (-M GRID | --rate "
      "GRID)\n"
      "                      --gamma GRID"
      "                      (-D GRID | --epsilon GRID) [options]",
      source_options(), problem_options(true), what,
      limit_options("0", "the whole table: rows not reached are left out (0: none)"),
      output_options("table"));
  if (!vm) return std::nullopt;
  ExcessRequest request{{}, {}, {}, {}, {}, {}, false, output_from(*vm), {}};
  try {
    request.source = source_from(*vm);
    request.solver.emplace(*request.source);
    request.label = request.source->label();
  } catch (const too_large&) {  // iid blocks too long to list: by types
    if (!vm->count("source") || vm->count("weights")) throw;
    request.label = get(*vm, "source");
    request.solver.emplace(excess_of_spec(request.label));
  }
  if (vm->count("rate") && vm->count("messages"))
    throw invalid_input("give -M or --rate, not both");
  if (!vm->count("rate"))
    require(*vm, "messages", "-M: give the numbers of messages, e.g. -M 2 or -M 2:8");
  require(*vm, "gamma", "--gamma: give the focus parameters, e.g. --gamma 1");
  if (vm->count("distortion") == vm->count("epsilon"))
    throw invalid_input("give exactly one of -D GRID (levels) and --epsilon GRID (targets)");
  request.inverse = vm->count("epsilon") > 0;
  request.messages =
      vm->count("rate")
          ? messages_for_rates(parse_real_grid(get(*vm, "rate"), "--rate"),
                               request.source
                                   ? std::max<std::size_t>(1, request.source->block_length())
                                   : block_length_of_spec(request.label))
          : messages_given(parse_integer_grid(get(*vm, "messages"), "-M"));
  request.gammas = parse_real_grid(get(*vm, "gamma"), "--gamma");
  request.levels = request.inverse ? parse_real_grid(get(*vm, "epsilon"), "--epsilon")
                                   : parse_real_grid(get(*vm, "distortion"), "-D");
  check_rows(static_cast<double>(request.messages.counts.size()) *
             static_cast<double>(request.gammas.size()) *
             static_cast<double>(request.levels.size()));
  request.limits.time_limit_seconds = time_limit_from(*vm);
  return request;
}

std::optional<NLetterRequest> parse_nletter(const std::vector<std::string>& args,
                                            std::ostream& help) {
  po::options_description what("Blocks");
  // clang-format off
  what.add_options()
      ("letters", po::value<std::string>()->value_name("P1,...,Pk"),
       "the letter PMF, as in iid:N,P1,...,Pk")
      ("rate", po::value<std::string>()->value_name("R"),
       "bits per letter: M = floor(2^(nR)) messages for blocks of n letters")
      ("n", po::value<std::string>()->default_value("1:8")->value_name("GRID"),
       "block lengths, e.g. 1:8 or 1,10,100,1000")
      ("gamma", po::value<std::string>()->value_name("GRID"), "focus parameters, e.g. 0,1,4")
      ("exact-symbols", po::value<std::string>()->default_value("64")->value_name("N"),
       "solve d_n* exactly (auto search) while k^n <= N (0: never)")
      ("exact-time-limit", po::value<std::string>()->default_value("60")->value_name("SECONDS"),
       "each exact d_n* (0: none); one not certified in time keeps its certified interval");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd nletter: blocks of n letters of an i.i.d. source at rate R (eq. (9), Theorem 3):\n"
      "the Lagrangian converse per letter computed over types (n up to thousands), the exact\n"
      "d_n*/n where k^n is small, and Theorem 3's limit [H(X) - R]^+\n"
      "usage: focalrd nletter --letters P1,...,Pk --rate R --gamma GRID [--n GRID] [options]",
      what, limit_options("0", "the whole table: rows not reached are left out (0: none)"),
      output_options("table"));
  if (!vm) return std::nullopt;
  require(*vm, "letters", "--letters: give the letter PMF, e.g. --letters 0.89,0.11");
  require(*vm, "rate", "--rate: give the rate in bits per letter, e.g. --rate 0.5");
  require(*vm, "gamma", "--gamma: give the focus parameters, e.g. --gamma 0,1,4");
  NLetterRequest request;
  const std::string letters = get(*vm, "letters");
  std::stringstream ss(letters + ",");  // so that a trailing comma leaves an empty letter
  for (std::string item; std::getline(ss, item, ',');) {
    const auto a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
    if (a == std::string::npos)
      throw invalid_input("--letters " + quoted(letters) + " has an empty letter; give P1,...,Pk");
    request.letters.push_back(item.substr(a, b - a + 1));
  }
  request.ns = parse_integer_grid(get(*vm, "n"), "--n");
  request.gammas = parse_real_grid(get(*vm, "gamma"), "--gamma");
  request.options.rate = parse_number(get(*vm, "rate"), "rate");
  request.options.exact_symbols = static_cast<std::size_t>(
      parse_bounded(get(*vm, "exact-symbols"), "exact-symbols", 0, 1 << 20));
  request.options.exact_seconds = time_limit_from(*vm, "exact-time-limit");
  request.options.threads = threads_from(*vm);
  request.options.limits.time_limit_seconds = time_limit_from(*vm);
  check_rows(static_cast<double>(request.ns.size()) * static_cast<double>(request.gammas.size()));
  request.output = output_from(*vm);
  return request;
}

std::optional<HGammaRequest> parse_h_gamma(const std::vector<std::string>& args,
                                           std::ostream& help) {
  po::options_description what("Grid");
  // clang-format off
  what.add_options()
      ("n", po::value<std::string>()->default_value("2:100")->value_name("GRID"),
       "alphabet sizes, e.g. 2:100 or 2,10,100")
      ("gamma", po::value<std::string>()->value_name("GRID"), "focus parameters, e.g. 0.5,1,2,4,8");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd hgamma: h_gamma(n) of eq. (15) and its bound (16) (Fig. 1)\n"
      "usage: focalrd hgamma --gamma GRID [--n GRID] [options]",
      what, limit_options("0", "the whole table: rows not reached are left out (0: none)"),
      output_options("table"));
  if (!vm) return std::nullopt;
  require(*vm, "gamma", "--gamma: give the focus parameters, e.g. --gamma 1,2,4");
  HGammaRequest request{parse_integer_grid(get(*vm, "n"), "--n"),
                        parse_real_grid(get(*vm, "gamma"), "--gamma"),
                        threads_from(*vm),
                        output_from(*vm),
                        {}};
  request.limits.time_limit_seconds = time_limit_from(*vm);
  return request;
}

std::optional<CheckRequest> parse_check(const std::vector<std::string>& args, std::ostream& help) {
  po::options_description what("Check");
  // clang-format off
  what.add_options()
      ("trials", po::value<std::string>()->default_value("100")->value_name("N"), "random instances")
      ("seed", po::value<std::string>()->default_value("1")->value_name("S"), "random seed")
      ("max-symbols", po::value<std::string>()->default_value("9")->value_name("N"),
       "largest alphabet drawn (2 to 12)")
      ("fx-evaluations", po::value<std::string>()->default_value("3000")->value_name("N"),
       "evaluations of (28) per start when optimising F_X")
      ("negative-gamma", po::bool_switch(), "gamma in [-3, 0) instead, beyond the paper: Lagrangian "
       "<= exact <= re-optimised <= (28) checked (violations exit 1), (22) and (23) explored "
       "(their failures are findings, exit 0)");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd check: random instances against converse <= exact <= (28) <= (22) <= (23)\n"
      "usage: focalrd check [--trials N] [--seed S] [--negative-gamma] [options]",
      what, limit_options("0", "the whole check: trials not reached are not counted (0: none)"),
      output_options("table"));
  if (!vm) return std::nullopt;
  CheckRequest request;
  request.options.trials = parse_bounded(get(*vm, "trials"), "trials", 1, 100000000);
  const long long seed = parse_integer(get(*vm, "seed"), "seed", 0, LLONG_MAX);
  request.options.seed = static_cast<std::uint64_t>(seed);
  request.options.max_symbols = parse_bounded(get(*vm, "max-symbols"), "max-symbols", 2, 12);
  request.options.fx_evaluations =
      parse_bounded(get(*vm, "fx-evaluations"), "fx-evaluations", 1, 100000000);
  request.options.threads = threads_from(*vm);
  request.options.negative_gamma = flag(*vm, "negative-gamma");
  request.options.limits.time_limit_seconds = time_limit_from(*vm);
  request.output = output_from(*vm);
  return request;
}

std::optional<BenchRequest> parse_bench(const std::vector<std::string>& args, std::ostream& help) {
  po::options_description what("Bench");
  // clang-format off
  what.add_options()
      ("quick", po::bool_switch(), "a suite of a few seconds (smoke test), not the full one")
      ("no-single-thread", po::bool_switch(), "skip the one-thread runs (no speed-up figures)")
      ("no-progress", po::bool_switch(), "no line on standard error per solve")
      ("threads", po::value<std::string>()->default_value("0")->value_name("N"),
       "OpenMP threads, 0 for all")
      ("format", po::value<std::string>()->default_value("table")->value_name("table|json"),
       "a table to read, or JSON")
      ("json-out", po::value<std::string>()->value_name("PATH"), "also write the JSON to a file")
      ("compare", po::value<std::string>()->value_name("OLD.json"),
       "an earlier bench's JSON (--json-out): print the speed-up over it beside each figure")
      ("reach", po::value<std::string>()->value_name("SECONDS"),
       "instead of the suite: the largest n of dirichlet:N,1 (gamma = 1) each strategy certifies "
       "within SECONDS on one thread, for M = 2, 3, 4, 8")
      ("rel-gap", po::value<std::string>()->default_value("1e-12")->value_name("X"),
       "with --reach: the relative gap (upper - lower <= X upper) that counts as certified")
      ("time-limit", po::value<std::string>()->default_value("600")->value_name("SECONDS"),
       "per branch-and-bound solve")
      ("ranks", po::bool_switch(),
       "instead of the suite, under mpirun -np N (N >= 2): a sweep over one worker rank, then "
       "over N - 1; speed-up, messages per second, idle fraction per rank")
      ("help,h", "print this help");
  // clang-format on
  const auto vm = parse_command(
      args, help,
      "focalrd bench: every applicable exact strategy on a fixed suite, timed in the same run\n"
      "with all threads and with one; partitions, transitions or nodes per second, cells per\n"
      "second, peak memory; and the per-cell solvers' rates, in ns per cell\n"
      "usage: focalrd bench [--quick] [--format table|json] [--json-out PATH] [--compare "
      "OLD.json]\n"
      "       focalrd bench --reach SECONDS [--rel-gap X] [--format table|json] [--json-out PATH]\n"
      "       mpirun -np N focalrd bench --ranks [--format table|json]",
      what);
  if (!vm) return std::nullopt;
  BenchRequest request;
  request.quick = flag(*vm, "quick");
  request.ranks = flag(*vm, "ranks");
  request.single_thread = !flag(*vm, "no-single-thread");
  request.progress = !flag(*vm, "no-progress");
  request.threads = threads_from(*vm);
  request.time_limit = parse_number(get(*vm, "time-limit"), "time-limit");
  if (!(request.time_limit > 0.0))
    throw invalid_input("time-limit is " + get(*vm, "time-limit") + "; it must be > 0");
  if (vm->count("json-out")) request.json_path = get(*vm, "json-out");
  if (vm->count("compare")) request.compare_path = get(*vm, "compare");
  if (vm->count("reach")) {
    request.reach_seconds = parse_number(get(*vm, "reach"), "reach");
    if (!(request.reach_seconds > 0.0 && request.reach_seconds <= 86400.0))
      throw invalid_input("reach is " + get(*vm, "reach") + " seconds; it must be in (0, 86400]");
  }
  request.reach_rel_gap = parse_number(get(*vm, "rel-gap"), "rel-gap");
  if (!(request.reach_rel_gap >= 0.0 && request.reach_rel_gap < 1.0))
    throw invalid_input("rel-gap is " + get(*vm, "rel-gap") + "; it must be in [0, 1)");
  const Format format = format_from_string(get(*vm, "format"));
  if (format == Format::csv || format == Format::jsonl)
    throw invalid_input("format '" + to_string(format) +
                        "' is not offered by bench; use table or json");
  request.json = format == Format::json;
  return request;
}

}  // namespace focalrd::cli
