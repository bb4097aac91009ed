// focalrd dataset and focalrd verify, end to end: records, kinds, resumption,
// and replays that catch every kind of tampering.
#include <doctest/doctest.h>

#include <boost/property_tree/json_parser.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/reference.hpp"

using focalrd::test::run_cli;
using focalrd::test::slurp;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

focalrd::test::Tree json(const std::string& text) {
  focalrd::test::Tree t;
  std::istringstream in(text);
  boost::property_tree::read_json(in, t);
  return t;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

const std::string kGrid =
    "dataset --source 'dirichlet:5..6,1..4' --source binomial:8,1/3 -M 2,3 --gamma 0,2";

}  // namespace

TEST_CASE("dataset: one record per instance, in order, with kinds, statuses and codes") {
  const auto run = run_cli(kGrid);
  REQUIRE(run.status == 0);
  const auto lines = lines_of(run.out);
  REQUIRE(lines.size() == 1 + 9 * 4);  // the provenance, then 9 sources x 2 gammas x 2 M
  const auto provenance = json(lines[0]);
  CHECK(provenance.get<std::size_t>("provenance.instances") == 36);
  CHECK(provenance.get<std::string>("provenance.kinds.achievability_optimised_fx") == "heuristic");
  CHECK(provenance.get<std::string>("provenance.kinds.exact") == "certified");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto r = json(lines[i]);
    CHECK(r.get<std::size_t>("id") == i - 1);
    CHECK(r.get<std::string>("status") == "certified");
    CHECK(r.get<std::string>("quantities.exact.kind") == "certified");
    CHECK(r.get<bool>("quantities.exact.certified"));
    CHECK(r.get_child("quantities.exact.code").size() >= 2);
    CHECK(r.get<std::string>("quantities.achievability_optimised_fx.kind") == "heuristic");
    CHECK(r.get_child("quantities.achievability_optimised_fx.fx").size() ==
          r.get_child("pmf").size());
  }
  CHECK(json(lines[1]).get<std::string>("source") == "dirichlet:5,1");
  CHECK(json(lines[36]).get<std::string>("source") == "binomial:8,1/3");
  // The same records for any thread count.
  const auto one = run_cli(kGrid + " --threads 1");
  const auto strip = [](const std::string& s) {
    return std::regex_replace(s, std::regex(R"re("(command|date)":"[^"]*"|"seconds":[^,}]*)re"),
                              "");
  };
  CHECK(strip(one.out) == strip(run.out));
}

TEST_CASE("dataset --resume keeps finished records, cuts a half-written one, adds the rest") {
  const std::string path = "/tmp/focalrd-test-dataset.jsonl";
  std::remove(path.c_str());
  REQUIRE(run_cli(kGrid + " -o " + path).status == 0);
  const std::string full = slurp(path);
  const auto lines = lines_of(full);
  // As a stop would leave it: 10 records, then half of the 11th.
  std::string partial;
  for (int i = 0; i <= 10; ++i) partial += lines[i] + "\n";
  partial += lines[11].substr(0, lines[11].size() / 2);
  write(path, partial);
  const auto resumed = run_cli(kGrid + " -o " + path + " --resume");
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK(resumed.err.find("resumed: 10 records kept") != std::string::npos);
  const auto again = lines_of(slurp(path));
  REQUIRE(again.size() == lines.size());
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto a = json(lines[i]), b = json(again[i]);
    CHECK(a.get<std::size_t>("id") == b.get<std::size_t>("id"));
    CHECK(a.get<std::string>("quantities.exact.value") ==
          b.get<std::string>("quantities.exact.value"));
  }
  // Another dataset's file is refused.
  const auto other = run_cli(kGrid + " --rel-gap 1e-6 -o " + path + " --resume");
  CHECK(other.status == 2);
  CHECK(other.err.find("holds another dataset") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("verify: a dataset replays; tampering of any kind is reported, one line each") {
  const std::string path = "/tmp/focalrd-test-verify.jsonl";
  REQUIRE(run_cli(kGrid + " -o " + path).status == 0);
  const auto ok = run_cli("verify " + path);
  INFO(ok.out);
  CHECK(ok.status == 0);
  CHECK(ok.out.find("36 records; ") != std::string::npos);
  CHECK(ok.out.find(" 0 disagreements, 0 skipped") != std::string::npos);
  const std::string text = slurp(path);
  struct Tamper {
    std::regex what;
    std::string with, expect;
  };
  const std::vector<Tamper> tampers{
      // A certified value off in the 7th digit.
      {std::regex(R"("converse_lagrangian":\{"value":(\d\.\d{5})\d)"),
       R"("converse_lagrangian":{"value":$014)", "converse_lagrangian is"},
      // The exact optimum, 1% off (its code then costs something else too).
      {std::regex(R"("exact":\{"value":(\d)\.)"), R"("exact":{"value":$01.01)", "exact is"},
      // The heuristic's F.
      {std::regex(R"("fx":\[0\.)"), R"("fx":[0.3)", "is not (28) at its F"},
      // A code that is no longer a partition.
      {std::regex(R"("symbols":\[0,)"), R"("symbols":[1,)", "not a partition"},
  };
  // Each applied to the first record only.
  const auto first_end = text.find('\n', text.find('\n') + 1);
  for (const Tamper& t : tampers) {
    const std::string record = text.substr(0, first_end);
    const std::string changed =
        std::regex_replace(record, t.what, t.with, std::regex_constants::format_first_only);
    REQUIRE(changed != record);
    write(path, changed + text.substr(first_end));
    const auto bad = run_cli("verify " + path);
    INFO(t.expect << "\n" << bad.out);
    CHECK(bad.status == 1);
    CHECK(bad.out.find(t.expect) != std::string::npos);
    CHECK(bad.out.find("disagreement: " + path + " record 1 ") != std::string::npos);
  }
  std::remove(path.c_str());
  // Every output format of the other commands replays too.
  const std::string out = "/tmp/focalrd-test-verify-out";
  for (const std::string command :
       {"sweep --source geometric:0.3,7 -M 2:4 --gamma 0:2 --quantities all --format csv",
        "sweep --source geometric:0.3,7 -M 2:4 --gamma 0:2 --quantities all --format json",
        "sweep --source geometric:0.3,7 -M 2:4 --gamma 0:2 --quantities all --format jsonl",
        "bounds --pmf 0.5,0.2,0.2,0.1 -M 2 --gamma 3 --format json",
        "exact --pmf 0.5,0.2,0.2,0.1 -M 2 --gamma 3 --format csv",
        "exact --pmf 0.5,0.2,0.2,0.1 -M 2 --gamma 3 --format jsonl",
        "hgamma --gamma 1,4 --n 2:30 --format csv"}) {
    REQUIRE(run_cli(command + " > " + out).status == 0);
    const auto v = run_cli("verify " + out);
    INFO(command << "\n" << v.out);
    CHECK(v.status == 0);
    CHECK(v.out.find(" 0 disagreements, 0 skipped") != std::string::npos);
    CHECK(v.out.find(" 0 certified values agree") == std::string::npos);
  }
  std::remove(out.c_str());
}

TEST_CASE("verify replays the committed reference tables") {
  for (const std::string file : {"binomial_bounds.json", "exact_cases.json", "example1.json",
                                 "hgamma.json", "high_precision.json", "exact_pmf.json"}) {
    const auto v = run_cli("verify " + focalrd::test::data_path("reference/" + file));
    INFO(file << "\n" << v.out);
    CHECK(v.status == 0);
    CHECK(v.out.find(" 0 disagreements, 0 skipped") != std::string::npos);
  }
}
