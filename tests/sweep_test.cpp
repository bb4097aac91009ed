#include "focalrd/sweep.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/records.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/report.hpp"

using namespace focalrd;

TEST_CASE("grids: values, lists, ranges with and without steps") {
  CHECK(parse_integer_grid("2:5", "-M") == std::vector<long long>{2, 3, 4, 5});
  CHECK(parse_integer_grid("2,4,8", "-M") == std::vector<long long>{2, 4, 8});
  CHECK(parse_integer_grid("1,2:3:8", "-M") == std::vector<long long>{1, 2, 5, 8});
  CHECK(parse_integer_grid("10:-3:4", "-M") == std::vector<long long>{10, 7, 4});
  const auto g = parse_real_grid("0:0.05:4", "--gamma");
  REQUIRE(g.size() == 81);
  CHECK(g[6] == 0.3);  // rounded to the range's decimals, not 0.30000000000000004
  CHECK(g.back() == 4.0);
  CHECK(parse_real_grid("0:0.1:1", "--gamma")[3] == 0.3);
  CHECK(parse_real_grid("0.5", "--gamma") == std::vector<double>{0.5});
  CHECK(parse_real_grid("0:0.3:1", "--gamma").back() == doctest::Approx(0.9));
}

TEST_CASE("grids: empty ranges, zero steps and junk are refused") {
  CHECK_THROWS_WITH_AS(parse_real_grid("0:0:4", "--gamma"), "--gamma: the step of '0:0:4' is 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_integer_grid("8:2", "-M"), "-M: the range '8:2' is empty",
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_integer_grid("2.5", "-M"), std::invalid_argument);
  CHECK_THROWS_AS(parse_real_grid("", "--gamma"), std::invalid_argument);
  CHECK_THROWS_AS(parse_real_grid("1,,2", "--gamma"), std::invalid_argument);
  CHECK_THROWS_AS(parse_real_grid("1:2:3:4", "--gamma"), std::invalid_argument);
}

TEST_CASE("quantities by name") {
  CHECK(parse_quantities("converse,exact") ==
        std::vector<Quantity>{Quantity::converse, Quantity::exact});
  CHECK(parse_quantities("all").size() == all_quantities().size());
  CHECK_THROWS_WITH_AS(parse_quantities("convers"),
                       doctest::Contains("quantity 'convers' is not known"), std::invalid_argument);
}

TEST_CASE("a sweep is its points' bounds, in γ-major order, for any thread count") {
  const Source source = Source::family("geometric:0.4,7");
  SweepOptions options;
  options.messages = {2, 3};
  options.gammas = {0.0, 1.5};
  options.quantities = all_quantities();
  options.bounds.fx_evaluations = 2000;
  options.threads = 1;
  const auto one = run_sweep(source, options);
  options.threads = 2;
  const auto two = run_sweep(source, options);
  REQUIRE(one.size() == 4);
  CHECK(one[1].M == 3);
  CHECK(one[1].gamma == 0.0);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(*one[i].result.converse == *two[i].result.converse);
    CHECK(*one[i].result.achievability_optimised_fx == *two[i].result.achievability_optimised_fx);
    REQUIRE(one[i].result.exact);
    REQUIRE(two[i].result.exact);
    CHECK(one[i].result.exact->value == two[i].result.exact->value);
    BoundsOptions b;
    b.fx_evaluations = 2000;
    const BoundsResult direct = evaluate_bounds(Problem(source, one[i].M, one[i].gamma), b);
    CHECK(*direct.achievability_28 == *one[i].result.achievability_28);
  }
  // Bad points are refused before any work.
  options.messages = {0};
  CHECK_THROWS_AS(run_sweep(source, options), std::invalid_argument);
}

TEST_CASE("the h_gamma table") {
  const auto table = h_gamma_table({2, 3}, {1.0, 4.0});
  REQUIRE(table.size() == 4);
  CHECK(table[0].h_gamma / std::log(2.0) == doctest::Approx(0.5).epsilon(1e-14));
  CHECK(table[3].n == 3);
  CHECK_THROWS_AS(h_gamma_table({0}, {1.0}), std::invalid_argument);
  CHECK_THROWS_AS(h_gamma_table({3}, {-1.0}), std::invalid_argument);
}

TEST_CASE("random checks: reproducible instances, no violation of the paper's chain") {
  const CheckInstance a = check_instance(5, 17, 9), b = check_instance(5, 17, 9);
  CHECK(a.pmf == b.pmf);
  CHECK(a.M == b.M);
  CHECK(a.gamma == b.gamma);
  CHECK(check_instance(5, 18, 9).pmf != a.pmf);
  CheckOptions options;
  options.trials = 300;
  options.seed = 11;
  options.fx_evaluations = 1000;
  const CheckReport report = run_check(options);
  CHECK(report.relations_checked > 3000);
  for (const CheckViolation& v : report.violations)
    INFO("trial " << v.instance.trial << ": " << v.relation << " " << v.lhs << " vs " << v.rhs);
  CHECK(report.violations.empty());
}

TEST_CASE("records as bytes: every kind of field round-trips bit for bit; bad bytes throw") {
  detail::Record rec;
  rec.add("none", detail::Field()).add("real", 0.1).add("negative zero", -0.0);
  rec.add("nan", std::numeric_limits<double>::quiet_NaN()).add("tiny", 4.9e-324);
  rec.add("integer", -(1LL << 62)).add("flag", true).add("text", std::string("a,\"b\"\n\0c", 8));
  rec.add("pmf", std::vector<double>{0.5, 0.25, 0.25}).add("empty", std::vector<double>{});
  const std::string bytes = detail::encode_record(rec);
  const detail::Record back = detail::decode_record(bytes);
  REQUIRE(back.fields.size() == rec.fields.size());
  auto bits = [](double x) {
    std::uint64_t b;
    std::memcpy(&b, &x, 8);
    return b;
  };
  for (std::size_t i = 0; i < rec.fields.size(); ++i) {
    CAPTURE(rec.fields[i].first);
    CHECK(back.fields[i].first == rec.fields[i].first);
    REQUIRE(back.fields[i].second.index() == rec.fields[i].second.index());
    if (const auto* x = std::get_if<double>(&rec.fields[i].second))
      CHECK(bits(std::get<double>(back.fields[i].second)) == bits(*x));
    else
      CHECK(back.fields[i].second == rec.fields[i].second);
  }
  CHECK(detail::encode_record(back) == bytes);
  // Every truncation, and trailing bytes, are refused.
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_AS(detail::decode_record(bytes.substr(0, n)), invalid_input);
  CHECK_THROWS_AS(detail::decode_record(bytes + "x"), invalid_input);
  // A sweep point's row, as a distributed run's rank 0 receives it.
  SweepOptions options;
  options.messages = {2};
  options.gammas = {1.0};
  options.quantities = {Quantity::converse, Quantity::achievability_28};
  const auto points = run_sweep(Source::from_pmf({0.5, 0.3, 0.2}), options);
  OutputOptions out;
  const detail::Record row = sweep_record(points.at(0), options.quantities, out);
  CHECK(detail::encode_record(detail::decode_record(detail::encode_record(row))) ==
        detail::encode_record(row));
}
