#include "focalrd/sweep.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

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
