// End-to-end tests of the focalrd binary: printed values and exit statuses.
#include "support/cli.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/property_tree/json_parser.hpp>
#include <cmath>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "focalrd/version.hpp"
#include "support/reference.hpp"

using focalrd::test::run_cli;

namespace {

focalrd::test::Tree parse_json(const std::string& text) {
  focalrd::test::Tree t;
  std::istringstream in(text);
  boost::property_tree::read_json(in, t);
  return t;
}

// Drops the fields that legitimately differ between runs (timing, and the
// command line and date of the provenance).
std::string without_timing(const std::string& json) {
  static const std::regex timing(
      R"re("(wall_seconds|table_seconds|threads)":[^,}]*|"(command|date)":"[^"]*")re");
  return std::regex_replace(json, timing, "");
}

// The lines of a CSV output after its "#" provenance comments.
std::vector<std::string> csv_lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.empty() || line[0] != '#') out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("cli: exact prints d*, the code and the work done") {
  const auto run = run_cli("exact --pmf 1/3,1/3,1/3 -M 2 --gamma 1 --format json");
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());
  const auto j = parse_json(run.out);
  CHECK(j.get<double>("dstar") == doctest::Approx(1.0 / 3.0).epsilon(1e-15));
  CHECK(j.get<int>("M") == 2);
  CHECK(j.get<double>("gamma") == 1.0);
  std::vector<std::string> symbols;
  for (const auto& cell : j.get_child("cells")) {
    std::string s;
    for (const auto& a : cell.second.get_child("symbols")) s += a.second.data() + " ";
    symbols.push_back(s);
  }
  CHECK(symbols == std::vector<std::string>{"0 1 ", "2 "});
  CHECK(j.get<double>("stats.partitions") == 3);
  CHECK(j.get<int>("stats.cells_optimised") >= 1);
  CHECK(j.get<double>("stats.wall_seconds") >= 0.0);

  const auto table = run_cli("exact --pmf 2/3,1/4,1/12 -M 2 --gamma 4");
  CHECK(table.status == 0);
  // The value to full precision, as certified: within 1e-13 of the optimum
  // computed to 40 digits (the cell {1, 2} with r = (1/4, 1/12)).
  const std::string head = "d*(M = 2; gamma = 4) = ";
  const std::size_t at = table.out.find(head);
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(table.out.substr(at + head.size())) ==
        doctest::Approx(0.0175448828862997734).epsilon(1e-13));
  CHECK(table.out.find("symbols {1, 2}") != std::string::npos);
  CHECK(table.out.find("PMF     [0.559546, 0.440454]") != std::string::npos);
  CHECK(table.out.find("partitions") != std::string::npos);

  const auto csv = run_cli("exact --pmf 2/3,1/4,1/12 -M 2 --gamma 4 --format csv");
  CHECK(csv.status == 0);
  CHECK(csv_lines(csv.out).at(0).rfind("n,M,gamma,units,dstar,", 0) == 0);
  CHECK(csv.out.rfind("# focalrd ", 0) == 0);  // the provenance first
  CHECK(csv.out.find("\n# pmf: 0.6666666666666666 0.25 0.08333333333333333\n") !=
        std::string::npos);
  CHECK(csv.out.find(",0|1 2,") != std::string::npos);
}

TEST_CASE("cli: units, weights and normalisation") {
  const auto bits = parse_json(run_cli("exact --pmf 0.5,0.3,0.2 -M 2 --gamma 2 --format json").out);
  const auto nats =
      parse_json(run_cli("exact --pmf 0.5,0.3,0.2 -M 2 --gamma 2 --units nats --format json").out);
  CHECK(nats.get<double>("dstar") ==
        doctest::Approx(bits.get<double>("dstar") * std::log(2.0)).epsilon(1e-15));
  // Weights (eqs. (6)-(7)): P = [0.25, 0.25, 0.5] with Q = [2, 2, 1] is R = 1/3 each.
  const auto weighted = parse_json(
      run_cli("exact --pmf 0.25,0.25,0.5 --weights 2,2,1 -M 2 --gamma 1 --format json").out);
  CHECK(weighted.get<double>("dstar") == doctest::Approx(1.0 / 3.0).epsilon(1e-15));
  const auto normalised =
      parse_json(run_cli("exact --pmf 1,1,1 --normalize -M 2 --gamma 1 --format json").out);
  CHECK(normalised.get<double>("dstar") == doctest::Approx(1.0 / 3.0).epsilon(1e-15));
}

TEST_CASE("cli: the same output for 1 and 2 threads") {
  const std::string args =
      "exact --pmf 0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1 -M 3 --gamma 1.5 --format json";
  const auto one = run_cli(args + " --threads 1");
  const auto two = run_cli(args + " --threads 2");
  REQUIRE(one.status == 0);
  CHECK(without_timing(one.out) == without_timing(two.out));
}

TEST_CASE("cli: bad input gets one line on stderr and exit status 2") {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::string good = " -M 2 --gamma 1";
  const std::vector<Case> cases{
      {"exact --pmf 0.5,abc" + good, "--pmf: 'abc' is not a number"},
      {"exact --pmf ''" + good, "--pmf is empty"},
      {"exact --pmf 0.5,,0.5" + good, "empty entry"},
      {"exact --pmf 0.6,-0.1,0.5" + good, "probability of symbol 1 is -0.1"},
      {"exact --pmf 0.5,nan,0.5" + good, "probability of symbol 1 is nan"},
      {"exact --pmf 0.5,inf" + good, "probability of symbol 1 is inf"},
      {"exact --pmf 0.5,0.4" + good, "sum to 0.9; they must sum to 1 within 1e-09"},
      {"exact --pmf 0.5,0.5 -M 0 --gamma 1", "M is 0; the number of messages M must be at least 1"},
      {"exact --pmf 0.5,0.5 -M -3 --gamma 1", "M is -3"},
      {"exact --pmf 0.5,0.5 -M two --gamma 1", "M is 'two'; M must be an integer"},
      {"exact --pmf 0.5,0.5 -M 2 --gamma -11", "gamma is -11; gamma must be at least -10"},
      {"exact --pmf 0.5,0.5 -M 2 --gamma nan", "gamma is nan; gamma must be a finite number"},
      {"exact --pmf 0.5,0.5 -M 2 --gamma inf", "gamma is inf"},
      {"exact --pmf 0.5,0.5 --weights 1,2,3" + good,
       "--weights has 3 entries but the source has 2"},
      {"exact --pmf 0.5,0.5 --weights 1,-2" + good, "weight of symbol 1 is -2"},
      {"exact --pmf 0.5,0.5 -M 2", "missing --gamma"},
      {"exact -M 2 --gamma 1", "missing source: give --pmf LIST, --pmf-file PATH or --source SPEC"},
      {"exact --pmf 0.5,0.5" + good + " --bogus", "unrecognised option '--bogus'"},
      {"exact --pmf 0.5,0.5" + good + " stray", "unexpected argument 'stray'"},
      {"exact --pmf 0.5,0.5" + good + " --cell-solver foo", "cell solver 'foo' is not known"},
      {"exact --pmf 0.5,0.5" + good + " --method foo", "search method 'foo' is not known"},
      {"exact --pmf 0.5,0.5" + good + " --format xml", "format 'xml' is not known"},
      {"exact --pmf 0.5,0.5" + good + " --units dits", "units 'dits' is not known"},
      {"exact --pmf 0.5,0.5" + good + " --threads -1", "threads is -1"},
      {"exact --pmf 0.5,0.5" + good + " --max-partitions 0", "max partitions is 0"},
      {"exact --pmf \"$(printf '1/30,%.0s' $(seq 29))1/30\" -M 5 --gamma 1 --method enumerate",
       "S(30, 5) = 7.71e+18 partitions, above the limit"},
      {"exact --pmf \"$(printf '1/70,%.0s' $(seq 69))1/70\" -M 2 --gamma 1 --method enumerate",
       "at most 64 symbols, and the source has 70"},
      {"nonsense", "unknown command 'nonsense'"},
      // Sources, grids and the other commands.
      {"bounds --source poisson:3" + good, "source kind 'poisson' is not known"},
      {"bounds --source binomial:100,1.5" + good, "P is 1.5; binomial:K,P needs P in [0, 1]"},
      {"bounds --source binomial:0,0.5" + good, "K is 0; binomial:K,P needs 1 <= K"},
      {"bounds --source uniform:4 --pmf 0.5,0.5" + good, "give only one of --pmf"},
      {"bounds --pmf-file /nonexistent" + good, "cannot open '/nonexistent'"},
      {"bounds --source uniform:4 -M 0 --gamma 1", "M is 0"},
      {"bounds --source uniform:4 -M 2 --gamma -2 --fx optimised", "the optimised F_X is for gamma >= 0"},
      {"bounds --source uniform:4" + good + " --fx 0.5,0.5",
       "--fx has 2 entries but the source has 4"},
      {"sweep --source uniform:4 -M 8:2 --gamma 1", "-M: the range '8:2' is empty"},
      {"sweep --source uniform:4 -M 2 --gamma 0:0:1", "--gamma: the step of '0:0:1' is 0"},
      {"sweep --source uniform:4 -M 0:2 --gamma 1", "M is 0"},
      {"sweep --source uniform:4 -M 2 --gamma=-1:1", "converse is proved for gamma >= 0 only"},
      {"sweep --source uniform:4 -M 2 --gamma 1 --quantities foo", "quantity 'foo' is not known"},
      {"hgamma --gamma 1 --n 0:3", "n is 0"},
      {"hgamma --n 2:5", "missing --gamma"},
      {"check --trials 0", "trials is 0; violated constraint: 1 <= trials"},
      {"check --max-symbols 20", "max-symbols is 20"},
      {"exact --pmf 0.5,0.5" + good + " --rel-gap 2", "relative gap is 2"},
      {"exact --pmf 0.5,0.5" + good + " --time-limit -1", "time limit is -1"},
      {"exact --pmf 0.5,0.5" + good + " --memory-budget lots", "'lots' is not a number"},
      {"bench --format csv", "format 'csv' is not offered by bench"},
      {"bench --compare /nonexistent.json", "--compare: '/nonexistent.json' is not a bench JSON file"},
      {"bench --reach 0", "reach is 0 seconds; it must be in (0, 86400]"},
  };
  for (const Case& c : cases) {
    const auto run = run_cli(c.args);
    INFO("focalrd " << c.args << "\n  stderr: " << run.err);
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(run.err.rfind("focalrd: error: ", 0) == 0);
    CHECK(run.err.find(c.message) != std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);  // one line
  }
}

TEST_CASE("cli: bounds for Example 2 and a small source") {
  const auto run =
      run_cli("bounds --source binomial:100,0.5 -M 8 --gamma 1 --no-exact --format json");
  REQUIRE(run.status == 0);
  const auto j = parse_json(run.out);
  CHECK(j.get<double>("converse") == doctest::Approx(0.84069057564929703).epsilon(1e-12));
  CHECK(j.get<double>("achievability_28") == doctest::Approx(0.91322385490261993).epsilon(1e-12));
  CHECK(j.get<double>("achievability_22") == doctest::Approx(1.4022544631956167).epsilon(1e-12));
  CHECK(j.get<double>("achievability_23") == doctest::Approx(1.9157311734409521).epsilon(1e-12));
  CHECK(j.get<double>("achievability_optimised_fx") <= j.get<double>("achievability_28"));
  CHECK(j.get<std::string>("exact") == "null");
  for (const char* key : {"entropy", "h_gamma", "h_gamma_bound", "achievability_reoptimised"})
    CHECK(j.count(key) == 1);

  const auto small =
      parse_json(run_cli("bounds --pmf 0.5,0.3,0.2 -M 2 --gamma 1 --format json").out);
  CHECK(small.get<double>("exact") == doctest::Approx(0.24305374521461037).epsilon(1e-12));
  CHECK(run_cli("bounds --pmf 0.5,0.3,0.2 -M 2 --gamma 1 --no-exact --format json")
            .out.find("\"exact\":null") != std::string::npos);
}

TEST_CASE("cli: sweep to CSV and JSON lines, hgamma, check") {
  const auto csv =
      run_cli("sweep --pmf 1/3,1/3,1/3 -M 2 --gamma 0:0.5:1 --quantities exact,converse");
  REQUIRE(csv.status == 0);
  const std::vector<std::string> lines = csv_lines(csv.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] ==
        "source,n,M,gamma,units,fx,status,converse,exact,exact_lower_bound,exact_certified,"
        "exact_status,exact_method");
  // γ = 1: converse (17) = log2(3) - 1 - h_1(3) = 0.0566..., d* = 1/3.
  CHECK(lines[3].rfind("pmf,3,2,1,bits,source,certified,0.056641", 0) == 0);
  CHECK(csv.out.find(",0.3333333333333333,0.3333333333333333,true,certified,enumerate") !=
        std::string::npos);
  CHECK(csv.out.find("# kinds: converse=certified exact=certified") != std::string::npos);

  // JSON lines: the provenance, then one object per point.
  const auto jsonl = run_cli("sweep --source uniform:4 -M 2,3 --gamma 1 --format jsonl");
  REQUIRE(jsonl.status == 0);
  std::istringstream objects(jsonl.out);
  std::string object;
  std::getline(objects, object);
  CHECK(parse_json(object).get<std::string>("provenance.source") == "uniform:4");
  int count = 0;
  while (std::getline(objects, object)) {
    CHECK(parse_json(object).get<int>("gamma") == 1);
    ++count;
  }
  CHECK(count == 2);
  // JSON: one document.
  const auto json =
      parse_json(run_cli("sweep --source uniform:4 -M 2,3 --gamma 1 --format json").out);
  CHECK(json.get_child("rows").size() == 2);
  CHECK(json.get<std::string>("provenance.focalrd") == focalrd::version());

  const auto h = run_cli("hgamma --gamma 1 --n 2,3 --format csv");
  const std::vector<std::string> hl = csv_lines(h.out);
  CHECK(hl.at(0) == "n,gamma,units,h_gamma,h_gamma_bound");
  CHECK(hl.at(1).rfind("2,1,bits,0.50000000000000", 0) == 0);
  CHECK(hl.at(2).rfind("3,1,bits,0.528320833573718", 0) == 0);
  // A header even with no rows.
  const auto none = run_cli("check --trials 5 --format csv");
  CHECK(csv_lines(none.out) ==
        std::vector<std::string>{"trial,relation,proved,lhs,rhs,units,M,gamma,shape,pmf"});

  const auto check = run_cli("check --trials 40 --seed 3");
  CHECK(check.status == 0);
  CHECK(check.out.find("40 random instances (seed 3)") != std::string::npos);
  CHECK(check.out.find(", 0 violations,") != std::string::npos);
}

TEST_CASE("cli: strategies report their certificate; bench runs") {
  for (const std::string method : {"enumerate", "dp", "bnb", "auto"}) {
    const auto run =
        run_cli("exact --source dirichlet:9,4 -M 3 --gamma 1.5 --format json --method " + method);
    REQUIRE(run.status == 0);
    const auto j = parse_json(run.out);
    CHECK(j.get<double>("dstar") == doctest::Approx(j.get<double>("upper_bound")));
    CHECK(j.get<double>("lower_bound") <= j.get<double>("upper_bound"));
    CHECK(j.get<bool>("certified"));
    if (method != "auto") CHECK(j.get<std::string>("method") == method);
  }
  const std::string earlier = "/tmp/focalrd-test-bench.json";
  const auto bench =
      run_cli("bench --quick --no-single-thread --no-progress --json-out " + earlier);
  REQUIRE(bench.status == 0);
  CHECK(bench.out.find("cell solvers") != std::string::npos);
  CHECK(bench.out.find("dirichlet n=9") != std::string::npos);
  CHECK(bench.out.find(" NO ") == std::string::npos);  // every solve certified
  // Against itself: a speed-up beside every figure in use (some x, near 1).
  const auto again =
      run_cli("bench --quick --no-single-thread --no-progress --compare " + earlier);
  REQUIRE(again.status == 0);
  CHECK(again.out.find("vs old") != std::string::npos);
  const std::regex speedup(R"(dirichlet n=9 +bnb .* [0-9]+\.[0-9]+x)");
  CHECK(std::regex_search(again.out, speedup));
  std::remove(earlier.c_str());
  // --reach: one row per M and strategy: the largest n certified, the n not
  // certified in time, and whether the scan stopped after four in a row.
  const auto reach = run_cli("bench --reach 0.05 --format json --no-progress");
  REQUIRE(reach.status == 0);
  const auto rows = parse_json(reach.out).get_child("reach");
  CHECK(rows.size() == 12);
  for (const auto& [key, row] : rows) {
    (void)key;
    const auto M = row.get<std::size_t>("M"), n = row.get<std::size_t>("largest_n");
    std::vector<std::size_t> failed;
    for (const auto& f : row.get_child("not_certified")) failed.push_back(f.second.get_value<std::size_t>());
    CHECK((n == 0 || n >= M + 2));
    CHECK(std::find(failed.begin(), failed.end(), n) == failed.end());
    bool four = false;  // four consecutive n (step 2) not certified
    for (std::size_t i = 3; i < failed.size(); ++i)
      four = four || (failed[i] == failed[i - 3] + 6 && failed[i - 1] == failed[i - 3] + 4 &&
                      failed[i - 2] == failed[i - 3] + 2);
    if (row.get<bool>("gave_up")) {
      REQUIRE(failed.size() >= 4);
      CHECK(four);
      CHECK(failed.back() > n);
    } else {
      CHECK(!four);
    }
  }
}

TEST_CASE("cli: help and usage") {
  CHECK(run_cli("--help").status == 0);
  CHECK(run_cli("exact --help").out.find("--cell-solver") != std::string::npos);
  const auto bare = run_cli("");
  CHECK(bare.status == 2);
  CHECK(bare.err.find("usage: focalrd <command>") != std::string::npos);
}

TEST_CASE("cli: iid block sources report per-letter values, letters and --rate") {
  const auto run = run_cli("exact --source iid:3,0.7,0.3 -M 2 --gamma 1 --format json");
  REQUIRE(run.status == 0);
  const auto j = parse_json(run.out);
  CHECK(j.get<int>("n") == 8);
  CHECK(j.get<int>("block_length") == 3);
  CHECK(j.get<double>("dstar_per_letter") == j.get<double>("dstar") / 3);  // eq. (9)
  // The same PMF given as a list: the same d*, and no block fields.
  std::string pmf;
  for (const auto& x : j.get_child("provenance.pmf")) pmf += (pmf.empty() ? "" : ",") + x.second.data();
  const auto plain = run_cli("exact --pmf " + pmf + " -M 2 --gamma 1 --format json");
  REQUIRE(plain.status == 0);
  const auto p = parse_json(plain.out);
  CHECK(p.get<double>("dstar") == j.get<double>("dstar"));
  CHECK(!p.get_optional<int>("block_length"));
  // The table names each symbol's letters.
  const auto table = run_cli("exact --source iid:2,0.9,0.1 -M 2 --gamma 1");
  REQUIRE(table.status == 0);
  CHECK(table.out.find("per letter (blocks of 2)") != std::string::npos);
  CHECK(table.out.find("letters {") != std::string::npos);
  // --rate R: M = floor(2^(nR)); n = 4, R = 0.5 gives M = 4; R = 0.6 gives 5.
  CHECK(parse_json(run_cli("exact --source iid:4,0.9,0.1 --rate 0.5 --gamma 1 --format json").out)
            .get<int>("M") == 4);
  CHECK(parse_json(run_cli("bounds --source iid:4,0.9,0.1 --rate 0.6 --gamma 1 --format json").out)
            .get<int>("M") == 5);
  const auto both = run_cli("exact --source iid:4,0.9,0.1 --rate 0.5 -M 2 --gamma 1");
  CHECK(both.status == 2);
  CHECK(both.err.find("not both") != std::string::npos);
  CHECK(run_cli("exact --source iid:4,0.9,0.1 --rate -1 --gamma 1").status == 2);
  CHECK(run_cli("exact --source iid:4,0.9,0.1 --rate inf --gamma 1").status == 2);
  // Bounds: each certified value also per letter.
  const auto bounds = parse_json(run_cli("bounds --source iid:3,0.7,0.3 -M 2 --gamma 1 --format json").out);
  CHECK(bounds.get<int>("block_length") == 3);
  CHECK(bounds.get<double>("converse_lagrangian_per_letter") ==
        doctest::Approx(bounds.get<double>("converse_lagrangian") / 3).epsilon(1e-15));
  CHECK(bounds.get<double>("achievability_28_per_letter") ==
        doctest::Approx(bounds.get<double>("achievability_28") / 3).epsilon(1e-15));
}
