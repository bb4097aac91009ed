#include "focalrd/bounds.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <string>
#include <vector>

#include "detail/heuristics.hpp"
#include "detail/kkt.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/heuristics.hpp"
#include "focalrd/tolerances.hpp"
#include "support/random.hpp"
#include "support/reference.hpp"

using namespace focalrd;

namespace {

const double kBits = 1.0 / std::log(2.0);

bool matches(double nats, double reference_bits) {
  return tol::agrees(nats * kBits, reference_bits, tol::kReferenceRel, tol::kReferenceAbs);
}

}  // namespace

TEST_CASE("h_gamma, eq. (15), and its bound (16) against hgamma.json") {
  const auto records = test::read_records("reference/hgamma.json");
  REQUIRE(records.size() == 50);
  for (const auto& rec : records) {
    const auto n = rec.get<std::size_t>("n");
    const double gamma = test::number(rec, "gamma");
    INFO(std::setprecision(17) << "n=" << n << " gamma=" << gamma
                               << " h=" << h_gamma(n, gamma) * kBits);
    CHECK(matches(h_gamma(n, gamma), test::number(rec, "h")));
    CHECK(matches(h_gamma_bound(gamma), test::number(rec, "bound16")));
  }
}

TEST_CASE("h_gamma: closed forms and Proposition 2") {
  // γ = 0: H_0 = 0 for every PMF.
  CHECK(h_gamma(50, 0.0) == 0.0);
  // n = 2: q = 1/2 by symmetry, h = (1 - 2^(-γ)) bits.
  for (double gamma : {0.3, 1.0, 2.5, 6.0})
    CHECK(h_gamma(2, gamma) * kBits == doctest::Approx(1.0 - std::pow(2.0, -gamma)).epsilon(1e-13));
  // Non-decreasing in n, below (16), and the same for 1 and 2 threads.
  for (double gamma : {0.5, 3.0, 12.0}) {
    double previous = 0.0;
    for (std::size_t n = 2; n <= 300; n += 7) {
      const double h = h_gamma(n, gamma, 2);
      CHECK(h >= previous);
      CHECK(h <= h_gamma_bound(gamma));
      CHECK(h == h_gamma(n, gamma, 1));
      previous = h;
    }
  }
  // The maximum is a maximum: no PMF of the form in (54) does better.
  auto g = test::rng("h_gamma is a max");
  for (int trial = 0; trial < 200; ++trial) {
    const double gamma = test::uniform(g, 0.0, 10.0);
    const int n = test::uniform_int(g, 2, 12);
    const std::vector<double> p = test::normalised(test::random_masses(g, n, trial));
    CHECK(focal_entropy(p, gamma) <= h_gamma(n, gamma) + 1e-14);
  }
}

TEST_CASE("the scheme (26): sorting, own messages, least-loaded assignment, ties") {
  // F = [0.4, 0.3, 0.2, 0.1], M = 2: {0}, {1}; 2 joins the lighter message 1
  // (0.3 < 0.4); 3 joins message 0 (0.4 < 0.5).
  CHECK(scheme_partition({0.4, 0.3, 0.2, 0.1}, 2) ==
        std::vector<std::vector<std::size_t>>{{0, 3}, {1, 2}});
  // Unsorted input and ties: F sorted descending with lower index first on
  // ties; equal loads go to the lowest message.
  CHECK(scheme_partition({0.25, 0.25, 0.25, 0.25}, 2) ==
        std::vector<std::vector<std::size_t>>{{0, 2}, {1, 3}});
  CHECK(scheme_partition({0.1, 0.2, 0.7}, 2) == std::vector<std::vector<std::size_t>>{{2}, {0, 1}});
  // n <= M: singletons, and every bound is 0 (Theorem 2).
  const std::vector<double> r{0.7, 0.2, 0.1};
  CHECK(scheme_partition(r, 5).size() == 3);
  CHECK(achievability_28(r, r, 3, 2.0) == 0.0);
  CHECK(achievability_22(r, r, 3, 2.0) == 0.0);
  CHECK(achievability_23(r, r, 4, 2.0) == 0.0);
}

TEST_CASE("(28), (22), (23) by hand for a small case") {
  // R = F = [1/2, 1/4, 1/4], M = 2, γ = 1: cells {0}, {1, 2} with P = 1/2 each.
  const std::vector<double> r{0.5, 0.25, 0.25};
  const double gamma = 1.0;
  // (28): 2 · (1/4) · (1/2) · ln 2.
  CHECK(achievability_28(r, r, 2, gamma) == doctest::Approx(0.25 * std::log(2.0)).epsilon(1e-15));
  // A = {1, 2} (F = 1/4 < 1/2); M F = 1/2.
  // (22): 2 · (1/4) · (1/(1 + 1/2)) · ln(1 + 2) = (1/3) ln 3.
  CHECK(achievability_22(r, r, 2, gamma) == doctest::Approx(std::log(3.0) / 3.0).epsilon(1e-15));
  // (23): 2 · (1/4) · (1 - 1/4) · ln(4) = (3/8) ln 4.
  CHECK(achievability_23(r, r, 2, gamma) == doctest::Approx(0.375 * std::log(4.0)).epsilon(1e-15));
}

TEST_CASE("bounds against binomial_bounds.json (Example 2, Figs. 3-4)") {
  const auto records = test::read_records("reference/binomial_bounds.json");
  REQUIRE(records.size() == 34);
  for (const auto& rec : records) {
    const Source source = Source::family(rec.get<std::string>("source"));
    const Problem problem(source, rec.get<long long>("M"), test::number(rec, "gamma"));
    BoundsOptions options;
    options.optimised_fx = options.reoptimised = options.exact = false;
    const BoundsResult b = evaluate_bounds(problem, options);
    INFO(source.label() << " M=" << problem.messages() << " gamma=" << problem.gamma());
    CHECK(b.n == 101);
    CHECK(matches(*b.entropy, test::number(rec, "entropy")));
    // H_γ(R) of eq. (11) is at most its maximum h_γ (Proposition 2).
    CHECK(*b.focal_entropy <= *b.h_gamma * (1 + 1e-14));
    CHECK(*b.focal_entropy >= -1e-15);  // H_γ >= 0 (Proposition 1), to rounding of Σ R = 1
    CHECK(matches(*b.h_gamma, test::number(rec, "h_gamma")));
    CHECK(matches(*b.converse, test::number(rec, "converse")));
    CHECK(matches(*b.achievability_28, test::number(rec, "ach28")));
    CHECK(matches(*b.achievability_22, test::number(rec, "ach22")));
    CHECK(matches(*b.achievability_23, test::number(rec, "ach23")));
  }
}

TEST_CASE("bounds against exact_cases.json, and the chain with the exact value") {
  for (const auto& rec : test::read_records("reference/exact_cases.json")) {
    const Problem problem(Source::from_pmf(test::numbers(rec, "pmf")), rec.get<long long>("M"),
                          test::number(rec, "gamma"));
    BoundsOptions options;
    options.fx_evaluations = 3000;
    const BoundsResult b = evaluate_bounds(problem, options);
    INFO("M=" << problem.messages() << " gamma=" << problem.gamma());
    CHECK(matches(*b.converse, test::number(rec, "converse")));
    CHECK(matches(*b.achievability_28, test::number(rec, "ach28")));
    CHECK(matches(*b.achievability_22, test::number(rec, "ach22")));
    CHECK(matches(*b.achievability_23, test::number(rec, "ach23")));
    REQUIRE(b.exact);
    CHECK(matches(b.exact->value, test::number(rec, "dstar")));
    const double slack = 1e-12;
    CHECK(*b.converse <= b.exact->value + slack);
    CHECK(b.exact->value <= *b.achievability_reoptimised + slack);
    CHECK(b.exact->value <= *b.achievability_optimised_fx + slack);
    CHECK(*b.achievability_reoptimised <= *b.achievability_28 + slack);
    CHECK(*b.achievability_optimised_fx <= *b.achievability_28);
    CHECK(*b.achievability_28 < *b.achievability_22);
    CHECK(*b.achievability_22 < *b.achievability_23);
  }
}

TEST_CASE("F_X choices: uniform, given, optimised; bad F refused") {
  const Problem problem(Source::from_pmf({0.5, 0.2, 0.2, 0.1}), 2, 3.0);
  CHECK(auxiliary_pmf(problem, FxKind::uniform) == std::vector<double>(4, 0.25));
  CHECK(auxiliary_pmf(problem, FxKind::given, {0.4, 0.3, 0.2, 0.1})[1] == 0.3);
  CHECK_THROWS_AS(auxiliary_pmf(problem, FxKind::given, {0.5, 0.5}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(auxiliary_pmf(problem, FxKind::given, {0.5, 0.5, 0.0, 0.0}),
                       "--fx gives symbol 2 probability 0 where the source does not; (28) would "
                       "be infinite",
                       std::invalid_argument);
  // The optimised F is never worse than F = R, and is used for (28)-(23)
  // when asked for.
  BoundsOptions options;
  options.fx = FxKind::optimised;
  const BoundsResult b = evaluate_bounds(problem, options);
  CHECK(*b.achievability_28 == *b.achievability_optimised_fx);
  CHECK(*b.optimised_fx_gain >= 0.0);
  CHECK(b.fx_optimised.size() == 4);
}

TEST_CASE("F_X = R is not optimal in finite blocklength (Example 2)") {
  // Binomial(100, 0.1), M = 8, γ = 4: the paper's (28) is 0.2106 bits; another
  // F_X does far better, down to nearly the exact optimum 0.064763956402256989 bits.
  const Problem problem(Source::family("binomial:100,0.1"), 8, 4.0);
  const FxOptimum best = optimise_fx(problem);
  CHECK(best.source_value * kBits == doctest::Approx(0.21057216843069759).epsilon(1e-12));
  CHECK(best.value * kBits < 0.07);
  CHECK(best.value * kBits >= 0.064763956402256989 * (1 - 1e-12));  // an achievable distortion
  CHECK(best.status == SolveStatus::converged);
  CHECK(achievability_28(problem.pmf(), best.F, 8, 4.0) == best.value);
}

TEST_CASE("the Lagrangian converse: closed form at γ = 0, below d*, above (17) here") {
  // Uniform on 8 symbols, M = 2, γ = 0: no symbol is capped, so the bound is
  // H - ln M = ln 4, which is d* itself.
  const Problem uniform(Source::family("uniform:8"), 2, 0.0);
  CHECK(lagrangian_converse(uniform) == doctest::Approx(std::log(4.0)).epsilon(1e-14));
  CHECK(lagrangian_converse(Problem(Source::family("uniform:3"), 3, 1.0)) == 0.0);
  for (const auto& rec : test::read_records("reference/exact_cases.json")) {
    const Problem problem(Source::from_pmf(test::numbers(rec, "pmf")), rec.get<long long>("M"),
                          test::number(rec, "gamma"));
    const double dstar = test::number(rec, "dstar") * std::log(2.0);
    CHECK(lagrangian_converse(problem) <= dstar * (1 + 1e-12));
  }
  // Example 2: the Lagrangian converse is positive where (17) is 0.
  const Problem example2(Source::family("binomial:100,0.1"), 8, 4.0);
  CHECK(converse_bound(example2) == 0.0);
  CHECK(lagrangian_converse(example2) / std::log(2.0) == doctest::Approx(0.0645).epsilon(0.002));
}

TEST_CASE("Lagrangian balancing: every cell used, above the converse, at it when balance is exact") {
  using focalrd::detail::lagrangian_balancing;
  const focalrd::detail::Control control{Limits{}};
  auto cost = [&](const std::vector<double>& r, std::size_t K, double gamma,
                  std::vector<int> labels) {
    std::uint64_t solves = 0;
    return focalrd::detail::local_search(r, K, gamma, labels, control, solves);
  };
  // Uniform on 8, M = 2, γ = 0: every p_a = 1/4, four per cell, the bound ln 4 met.
  const std::vector<double> uniform(8, 0.125);
  const std::vector<int> halves = lagrangian_balancing(uniform, 2, 0.0);
  CHECK(std::count(halves.begin(), halves.end(), 0) == 4);
  CHECK(cost(uniform, 2, 0.0, halves) == doctest::Approx(std::log(4.0)).epsilon(1e-14));
  // Random sources: labels in [0, K), each used; the cost is achievable, so
  // at least the Lagrangian converse and (per the reference) d*.
  auto g = test::rng("Lagrangian balancing");
  for (int t = 0; t < 30; ++t) {
    const int n = test::uniform_int(g, 6, 40);
    const std::size_t K = 2 + static_cast<std::size_t>(t % 5);
    const std::vector<double> r = test::normalised(test::random_masses(g, n, t));
    const double gamma = t % 3 == 0 ? 0.0 : 0.5 * (t % 9);
    const std::vector<int> labels = lagrangian_balancing(r, K, gamma);
    REQUIRE(labels.size() == r.size());
    for (std::size_t j = 0; j < K; ++j)
      CHECK(std::count(labels.begin(), labels.end(), static_cast<int>(j)) >= 1);
    const Problem problem(Source::from_pmf(r), K, gamma);
    CHECK(cost(r, K, gamma, labels) >= lagrangian_converse(problem) * (1 - 1e-12));
  }
  // Dirichlet(1), n = 40, M = 4, γ = 1: the p_a(λ*) balance so well that the
  // incumbent is within 1e-12 of the converse, which certifies it at the
  // root (5e-15 here; greedy with exchanges alone stopped 2e-11 away, the
  // scheme (26) and the optimised F_X, each with local search, 5.6e-8 away).
  const Problem d40(Source::family("dirichlet:40,1"), 4, 1.0);
  const double bound = lagrangian_converse(d40);
  CHECK(cost(d40.pmf(), 4, 1.0, lagrangian_balancing(d40.pmf(), 4, 1.0)) <= bound * (1 + 1e-12));
}

TEST_CASE("Lagrangian balancing into two bins is the most even split of the p_a") {
  // Up to 26 symbols the pairwise re-split sees them all: the two loads are
  // as close as any split into two non-empty cells makes them (brute force;
  // greedy with exchanges of up to two symbols each way misses it here).
  auto g = test::rng("Lagrangian balancing, two bins");
  for (int t = 0; t < 8; ++t) {
    const int n = test::uniform_int(g, 14, 22);
    const std::vector<double> r = test::normalised(test::random_masses(g, n, t));
    const double gamma = 0.5 * (t % 4);
    std::vector<double> p(r.size()), q(r.size());
    focalrd::detail::solve_budget(r.data(), r.size(), gamma, 2.0, p.data(), q.data());
    const std::vector<int> labels = focalrd::detail::lagrangian_balancing(r, 2, gamma);
    double split = 0.0;  // load of cell 0 minus load of cell 1
    for (std::size_t a = 0; a < r.size(); ++a) split += labels[a] == 0 ? p[a] : -p[a];
    double best = HUGE_VAL;
    for (std::uint32_t mask = 1; mask + 1 < (1u << n); ++mask) {
      double d = 0.0;
      for (int a = 0; a < n; ++a) d += (mask >> a & 1) ? p[a] : -p[a];
      best = std::min(best, std::fabs(d));
    }
    CAPTURE(n);
    CHECK(std::fabs(split) <= best * (1 + 1e-9) + 1e-15);
  }
}

TEST_CASE("the heuristic partition: the same code and value on 1, 2 and 3 threads") {
  // Its three candidates run in parallel and are compared in a fixed order.
  const focalrd::detail::Control control{Limits{}};
  for (const char* spec : {"binomial:100,0.1", "dirichlet:30,1", "geometric:0.7,20"})
    for (double gamma : {0.5, 4.0}) {
      const Problem problem(Source::family(spec), 5, gamma);
      std::uint64_t solves[3] = {0, 0, 0};
      focalrd::detail::HeuristicPartition h[3];
      for (int t = 0; t < 3; ++t)
        h[t] = focalrd::detail::heuristic_partition(problem, control, solves[t], t + 1);
      CAPTURE(spec);
      CAPTURE(gamma);
      for (int t = 1; t < 3; ++t) {
        CHECK(h[t].value == h[0].value);
        CHECK(h[t].labels == h[0].labels);
        CHECK(solves[t] == solves[0]);
      }
      CHECK(h[0].value >= focalrd::lagrangian_converse(problem) * (1 - 1e-12));
    }
}
