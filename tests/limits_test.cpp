// Run control in the library: the cancellation flag, the time and node
// limits, progress; every strategy and command returns a valid code and a
// certified interval whatever stops it.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "focalrd/focalrd.hpp"

using namespace focalrd;

namespace {

// The code's distortion is the value, and the interval holds the optimum.
void check_valid(const Problem& problem, const ExactResult& r, double optimum) {
  CHECK(code_distortion(problem.pmf(), r.code, problem.gamma()) ==
        doctest::Approx(r.value).epsilon(1e-12));
  CHECK(r.lower_bound <= r.value);
  CHECK(r.lower_bound <= optimum * (1 + 1e-12));
  CHECK(r.value >= optimum * (1 - 1e-12));
  CHECK(r.code.cells.size() <= problem.messages());
}

}  // namespace

TEST_CASE("the cancellation flag stops every strategy with a valid code and interval") {
  const Problem problem(Source::family("dirichlet:12,3"), 3, 1.5);
  const double optimum = solve_exact(problem).value;
  std::atomic<bool> cancel{true};
  for (SearchMethod method : {SearchMethod::enumerate, SearchMethod::dp, SearchMethod::bnb}) {
    ExactOptions options;
    options.method = method;
    options.limits.cancel = &cancel;
    const ExactResult r = solve_exact(problem, options);
    INFO(to_string(method));
    CHECK(r.status == Status::interrupted);
    CHECK_FALSE(r.certified);
    CHECK(r.message.find("before certifying") != std::string::npos);
    check_valid(problem, r, optimum);
  }
}

TEST_CASE("the time limit stops every strategy in time, with a valid result") {
  struct Case {
    std::string source;
    long long M;
    SearchMethod method;
  };
  for (const Case& c : {Case{"dirichlet:22,4", 4, SearchMethod::dp},
                        Case{"dirichlet:16,1", 5, SearchMethod::enumerate},
                        Case{"binomial:100,0.5", 8, SearchMethod::bnb}}) {
    const Problem problem(Source::family(c.source), c.M, c.method == SearchMethod::bnb ? 4.0 : 1.0);
    ExactOptions options;
    options.method = c.method;
    options.force = true;
    options.limits.time_limit_seconds = 0.3;
    const ExactResult r = solve_exact(problem, options);
    INFO(c.source << " " << to_string(c.method) << ": " << r.stats.wall_seconds << " s");
    CHECK(r.status == Status::time_limit);
    CHECK(r.stats.wall_seconds < 0.5);
    CHECK(code_distortion(problem.pmf(), r.code, problem.gamma()) ==
          doctest::Approx(r.value).epsilon(1e-12));
    CHECK(r.lower_bound <= r.value);
    CHECK(r.lower_bound >= lagrangian_converse(problem) * (1 - 1e-12));
  }
}

TEST_CASE("the node limit is deterministic and stops where it says") {
  const Problem problem(Source::family("binomial:100,0.5"), 8, 4.0);
  ExactOptions one, two;
  one.method = two.method = SearchMethod::bnb;
  one.threads = 1;
  two.threads = 2;
  one.limits.node_limit = two.limits.node_limit = 3000;
  const ExactResult a = solve_exact(problem, one), b = solve_exact(problem, two);
  CHECK(a.status == Status::node_limit);
  CHECK(a.stats.nodes >= 3000);
  CHECK(a.stats.nodes <= 3000 + 64);  // at most one more per search of the wave (64)
  CHECK(a.stats.nodes == b.stats.nodes);
  CHECK(a.value == b.value);
  CHECK(a.lower_bound == b.lower_bound);
}

TEST_CASE("progress names the phase and carries the interval") {
  const Problem problem(Source::family("binomial:100,0.5"), 8, 4.0);
  ExactOptions options;
  options.limits.time_limit_seconds = 3.0;
  std::vector<Progress> seen;
  options.limits.progress = [&](const Progress& p) { seen.push_back(p); };
  const ExactResult r = solve_exact(problem, options);
  REQUIRE(seen.size() >= 2);
  CHECK(seen.front().phase == "bnb: incumbent");
  bool interval = false;
  for (const Progress& p : seen) {
    CHECK(p.phase.rfind("bnb: ", 0) == 0);
    if (std::isfinite(p.lower) && std::isfinite(p.upper)) {
      interval = true;
      CHECK(p.lower <= p.upper);
      CHECK(p.lower <= r.value * (1 + 1e-12));
    }
  }
  CHECK(interval);
}

TEST_CASE("bounds, sweeps, h_gamma tables and checks stop at the flag with what they have") {
  std::atomic<bool> cancel{true};
  const Problem problem(Source::family("binomial:20,0.3"), 4, 2.0);
  BoundsOptions bounds;
  bounds.limits.cancel = &cancel;
  const BoundsResult b = evaluate_bounds(problem, bounds);
  CHECK(b.status == Status::interrupted);
  CHECK_FALSE(b.converse);
  CHECK_FALSE(b.exact);

  SweepOptions sweep;
  sweep.messages = {2, 3};
  sweep.gammas = {1.0};
  sweep.quantities = {Quantity::converse, Quantity::exact};
  sweep.limits.cancel = &cancel;
  int written = 0;
  sweep.on_point = [&](const SweepPoint&) { ++written; };
  const auto points = run_sweep(problem.source(), sweep);
  CHECK(points.size() == 2);
  CHECK_FALSE(points[0].done);
  CHECK(written == 0);

  Limits limits;
  limits.cancel = &cancel;
  CHECK(h_gamma_table({10, 20}, {1.0}, 1, limits).empty());
  CheckOptions check;
  check.limits.cancel = &cancel;
  CHECK(run_check(check).trials == 0);
}

TEST_CASE("a sweep hands out its points in grid order as they finish") {
  const Source source = Source::family("geometric:0.3,8");
  SweepOptions sweep;
  sweep.messages = {2, 3, 4};
  sweep.gammas = {0.5, 2.0};
  sweep.quantities = {Quantity::exact, Quantity::converse_lagrangian};
  sweep.threads = 2;
  std::vector<std::size_t> order;
  sweep.on_point = [&](const SweepPoint& p) { order.push_back(p.index); };
  const auto points = run_sweep(source, sweep);
  CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
  for (const SweepPoint& p : points) CHECK(p.result.status == Status::certified);
}
