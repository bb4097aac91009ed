#include "cli/options.hpp"

#include <boost/program_options.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace po = boost::program_options;

namespace focalrd::cli {

namespace {

// ---- values -----------------------------------------------------------------

long long parse_integer(const std::string& text, const std::string& name) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(begin, &end, 10);
  if (text.empty() || end != begin + text.size() || errno == ERANGE)
    throw std::invalid_argument(name + " is '" + text + "'; " + name + " must be an integer");
  return v;
}

double parse_real(const std::string& text, const std::string& name) {
  return parse_number(text, name);
}

std::string get(const po::variables_map& vm, const std::string& key) {
  return vm[key].as<std::string>();
}

void require(const po::variables_map& vm, const std::string& key, const std::string& what) {
  if (!vm.count(key)) throw std::invalid_argument("missing " + what);
}

// ---- option groups shared by commands -------------------------------------------

po::options_description source_options() {
  po::options_description d("Source");
  d.add_options()
      ("pmf", po::value<std::string>()->value_name("LIST"),
       "the PMF P_X, comma- or space-separated; decimals, exponents and fractions a/b")
      ("weights", po::value<std::string>()->value_name("LIST"),
       "weights Q(x) >= 0 turning P_X into R_X = P_X Q / sum(P_X Q), eqs. (6)-(7)")
      ("normalize", po::bool_switch(), "rescale the PMF to sum 1 instead of refusing it");
  return d;
}

Source source_from(const po::variables_map& vm) {
  require(vm, "pmf", "--pmf: give the source PMF, e.g. --pmf 2/3,1/4,1/12");
  SourceOptions options;
  options.normalize = vm["normalize"].as<bool>();
  Source source = Source::parse(get(vm, "pmf"), options);
  if (vm.count("weights")) source = source.with_weights(parse_number_list(get(vm, "weights"), "--weights"));
  return source;
}

po::options_description output_options() {
  po::options_description d("Output");
  d.add_options()
      ("units", po::value<std::string>()->default_value("bits")->value_name("bits|nats"),
       "logarithm base of every distortion")
      ("format", po::value<std::string>()->default_value("table")->value_name("table|json|csv"),
       "table for reading; json and csv carry 17 significant digits")
      ("help,h", "print this help");
  return d;
}

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& d) {
  po::variables_map vm;
  const po::parsed_options parsed =
      po::command_line_parser(args).options(d).allow_unregistered().run();
  for (const std::string& extra : po::collect_unrecognized(parsed.options, po::include_positional))
    throw std::invalid_argument(extra.rfind("-", 0) == 0
                                    ? "unrecognised option '" + extra + "'"
                                    : "unexpected argument '" + extra + "'; every value follows "
                                      "its option, e.g. --gamma 1");
  po::store(parsed, vm);
  po::notify(vm);
  return vm;
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
  po::options_description problem("Problem");
  problem.add_options()
      ("messages,M", po::value<std::string>()->value_name("M"), "number of messages M >= 1")
      ("gamma", po::value<std::string>()->value_name("G"), "focus parameter gamma >= 0");
  po::options_description search("Search");
  search.add_options()
      ("method", po::value<std::string>()->default_value("enumerate")->value_name("NAME"),
       "search strategy: enumerate")
      ("cell-solver", po::value<std::string>()->default_value("kkt")->value_name("kkt|nlopt"),
       "per-cell optimiser: kkt (exact, fast) or nlopt (L-BFGS)")
      ("threads", po::value<std::string>()->default_value("0")->value_name("N"),
       "OpenMP threads, 0 for all")
      ("max-partitions", po::value<std::string>()->default_value("2e9")->value_name("X"),
       "refuse enumerations of more partitions than this")
      ("force", po::bool_switch(), "run even beyond --max-partitions");
  po::options_description all("focalrd exact: the exact d*(M; gamma) of eq. (5) and an optimal code\n"
                              "usage: focalrd exact --pmf LIST -M M --gamma G [options]");
  all.add(source_options()).add(problem).add(search).add(output_options());
  const po::variables_map vm = parse(args, all);
  if (vm.count("help")) {
    help << all << '\n';
    return std::nullopt;
  }
  const Source source = source_from(vm);
  require(vm, "messages", "-M: give the number of messages, e.g. -M 2");
  require(vm, "gamma", "--gamma: give the focus parameter, e.g. --gamma 1");
  ExactOptions options;
  options.method = search_method_from_string(get(vm, "method"));
  options.cell_solver = cell_solver_type_from_string(get(vm, "cell-solver"));
  const long long threads = parse_integer(get(vm, "threads"), "threads");
  if (threads < 0 || threads > INT_MAX)
    throw std::invalid_argument("threads is " + get(vm, "threads") +
                                "; violated constraint: threads >= 0 (0 means all)");
  options.threads = static_cast<int>(threads);
  options.max_partitions = parse_real(get(vm, "max-partitions"), "max-partitions");
  options.force = vm["force"].as<bool>();
  options.validate();
  return ExactRequest{Problem(source, parse_integer(get(vm, "messages"), "M"),
                              parse_real(get(vm, "gamma"), "gamma")),
                      options, format_from_string(get(vm, "format")),
                      units_from_string(get(vm, "units"))};
}

}  // namespace focalrd::cli
