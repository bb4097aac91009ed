// n-letter sources by types (nletter.hpp): the types, the Lagrangian converse
// over types against the same bound on the expanded alphabet, the approach to
// Theorem 3's limit, and the nletter table.
#include "focalrd/nletter.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "focalrd/bounds.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/search.hpp"
#include "focalrd/source.hpp"
#include "detail/h_gamma.hpp"
#include "focalrd/focal_loss.hpp"
#include "support/cli.hpp"

using namespace focalrd;

TEST_CASE("types of blocks: C(n + k - 1, k - 1) classes whose sizes and masses add up") {
  const std::vector<double> letters{0.5, 0.3, 0.2};
  for (std::size_t n : {1, 2, 5, 9}) {
    const std::vector<TypeClass> types = type_classes(letters, n);
    CHECK(types.size() == (n + 2) * (n + 1) / 2);
    double probability = 0.0, sequences = 0.0;
    for (const TypeClass& t : types) {
      probability += std::exp(t.log_count + t.log_mass);
      sequences += std::exp(t.log_count);
    }
    CHECK(probability == doctest::Approx(1.0).epsilon(1e-13));
    CHECK(sequences == doctest::Approx(std::pow(3.0, static_cast<double>(n))).epsilon(1e-13));
  }
  // Against the listed sequences of iid:4: the same masses, with the same multiplicities.
  const Source listed = Source::family("iid:4,0.5,0.3,0.2");
  std::map<double, int> count;
  for (double r : listed.pmf()) ++count[r];
  for (const TypeClass& t : type_classes(letters, 4)) {
    const double mass = std::exp(t.log_mass);
    int found = 0;
    for (const auto& [r, c] : count)
      if (std::fabs(r - mass) <= 1e-14 * mass) found += c;
    CHECK(found == doctest::Approx(std::exp(t.log_count)).epsilon(1e-12));
  }
  CHECK_THROWS_AS(type_classes(std::vector<double>(10, 0.1), 1000), std::invalid_argument);
  CHECK_THROWS_AS(type_classes({0.5, 0.6}, 3), std::invalid_argument);
}

namespace {

// Block sources small enough to list, for the bounds over types.
struct BlockCase {
  std::string spec;
  std::vector<double> letters;
  std::size_t n;
  long long M;
};
const std::vector<BlockCase>& block_cases() {
  static const std::vector<BlockCase> cases{{"iid:8,0.89,0.11", {0.89, 0.11}, 8, 16},
                                            {"iid:5,0.5,0.3,0.2", {0.5, 0.3, 0.2}, 5, 9},
                                            {"iid:3,0.7,0.2,0.1", {0.7, 0.2, 0.1}, 3, 2},
                                            {"iid:4,0.5,0.5", {0.5, 0.5}, 4, 3},
                                            {"iid:16,0.89,0.11", {0.89, 0.11}, 16, 256}};
  return cases;
}

}  // namespace

TEST_CASE("the Lagrangian converse over types equals it on the expanded alphabet") {
  for (const BlockCase& c : block_cases())
    for (double gamma : {0.0, 1.0, 4.0}) {
      const double expanded = lagrangian_converse(Problem(Source::family(c.spec), c.M, gamma));
      const double types =
          *lagrangian_converse_by_types(c.letters, c.n, std::log(static_cast<double>(c.M)), gamma);
      CAPTURE(c.spec);
      CAPTURE(gamma);
      // Two maximisations of the same concave dual (bisection over types,
      // Newton on the expanded alphabet), the first lowered by its rounding
      // margin, about 6e-13 of Σ_t P(t) H_t here, which is up to 5 times the
      // bound itself: measured differences -1.4e-12 to +5.6e-13.
      CHECK(types == doctest::Approx(expanded).epsilon(3e-12));
    }
  // A message per sequence: nothing to bound.
  CHECK(*lagrangian_converse_by_types({0.89, 0.11}, 3, std::log(8.0), 1.0) == 0.0);
}

TEST_CASE("the achievability bound (22) over types equals it on the expanded alphabet") {
  for (const BlockCase& c : block_cases())
    for (double gamma : {0.0, 1.0, 4.0, 30.0}) {
      const Source source = Source::family(c.spec);
      const double expanded = achievability_22(source.pmf(), source.pmf(), c.M, gamma);
      const double types =
          achievability_22_by_types(c.letters, c.n, std::log(static_cast<double>(c.M)), gamma);
      CAPTURE(c.spec);
      CAPTURE(gamma);
      // The same sum, over types and raised by its documented rounding
      // margin 16 ε (1 + γ)(1 + max_t |ln |t|| + |ln r_t| + ln M) (from 6e-14
      // at γ = 0 to 6e-12 at γ = 30 here; both sums are compensated and agree
      // to 2e-14, the rounding of the masses' logarithms):
      // never below the expanded one, and above it by at most the margin.
      const double min_letter = *std::min_element(c.letters.begin(), c.letters.end());
      const double size = static_cast<double>(c.n) * (std::log(static_cast<double>(c.letters.size())) -
                                                      std::log(min_letter)) +
                          std::log(static_cast<double>(c.M));
      const double margin = 16.0 * DBL_EPSILON * (1.0 + gamma) * (1.0 + size);
      CHECK(types >= expanded);
      CHECK(types <= expanded * (1.0 + margin + 2e-14));
    }
  CHECK(achievability_22_by_types({0.89, 0.11}, 3, std::log(8.0), 1.0) == 0.0);
  // The chain on short blocks: Lagrangian converse <= d_n* <= (22).
  for (long long M : {2, 3, 5})
    for (double gamma : {0.0, 1.0, 4.0}) {
      const ExactResult exact = solve_exact(Problem(Source::family("iid:4,0.8,0.2"), M, gamma));
      const double log_M = std::log(static_cast<double>(M));
      CHECK(*lagrangian_converse_by_types({0.8, 0.2}, 4, log_M, gamma) <= exact.lower_bound);
      CHECK(exact.value <= achievability_22_by_types({0.8, 0.2}, 4, log_M, gamma));
    }
}

TEST_CASE("Theorem 3: the converse per letter approaches [H(X) - R]^+") {
  const std::vector<double> letters{0.89, 0.11};
  const double H = -(0.89 * std::log(0.89) + 0.11 * std::log(0.11));
  for (double rate : {0.25, 0.4})
    for (double gamma : {0.0, 1.0, 4.0}) {
      const double limit = std::max(0.0, H - rate * std::log(2.0));
      const double at_1000 =
          *lagrangian_converse_by_types(letters, 1000, log_messages_at_rate(1000, rate), gamma) /
          1000.0;
      CAPTURE(rate);
      CAPTURE(gamma);
      // Measured: within 2e-6 nats per letter of the limit at n = 1000.
      CHECK(std::fabs(at_1000 - limit) <= 1e-4);
    }
  // M = floor(2^(nR)): an integer up to 4 ulps counts, nothing coarser.
  CHECK(*messages_at_rate(4, 0.5) == 4);
  CHECK(*messages_at_rate(10, 0.3) == 8);
  CHECK(*messages_at_rate(1, 1.584962500721) == 2);  // 2^R = 2.99999999999968
  CHECK(*messages_at_rate(62, 1.0) == (1LL << 62));
  CHECK(!messages_at_rate(63, 1.0));
  CHECK_THROWS_AS(log_messages_at_rate(10, 1e308), std::invalid_argument);
  CHECK(std::exp(log_messages_at_rate(4, 0.5)) == doctest::Approx(4.0).epsilon(1e-15));
  CHECK(std::exp(log_messages_at_rate(5, 0.5)) == doctest::Approx(5.0).epsilon(1e-15));
  CHECK(log_messages_at_rate(1000, 0.5) == doctest::Approx(500 * std::log(2.0)).epsilon(1e-15));
}

TEST_CASE("the nletter table: converse <= exact d_n*, n = 1 is the base source") {
  NLetterOptions options;
  options.rate = 0.5;
  options.threads = 1;
  const auto rows = nletter_table({"0.89", "0.11"}, {1, 2, 3, 4, 5, 6}, {0.0, 1.0, 4.0}, options);
  REQUIRE(rows.size() == 18);
  for (const NLetterRow& r : rows) {
    REQUIRE(r.exact);
    CHECK(r.exact->certified);
    CHECK(r.lagrangian * static_cast<double>(r.n) <= r.exact->value * (1 + 1e-12));
    CHECK(*r.messages == static_cast<long long>(std::floor(std::pow(2.0, 0.5 * r.n) + 1e-9)));
  }
  // n = 1, M = 1: d* is the focal loss of the whole source on one PMF.
  const ExactResult base = solve_exact(Problem(Source::parse("0.89,0.11"), 1, 1.0));
  CHECK(rows[1].exact->value == doctest::Approx(base.value).epsilon(1e-12));
}

TEST_CASE("cli: nletter prints per-letter values; bad input exits 2") {
  using focalrd::test::run_cli;
  const auto run = run_cli("nletter --letters 0.89,0.11 --rate 0.5 --gamma 1 --n 1,2,100,1000 --format csv");
  REQUIRE(run.status == 0);
  CHECK(run.out.find("converse_lagrangian_per_letter") != std::string::npos);
  for (const char* bad : {"--letters 0.89,0.11 --gamma 1", "--letters 0.5,0.6 --rate 0.5 --gamma 1",
                          "--letters 0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1 --rate 1 --gamma 1 --n 1000",
                          "--letters 0.89,0.11 --rate -1 --gamma 1", "--letters 0.89,0.11 --rate 0.5 --gamma nan"}) {
    const auto r = run_cli(std::string("nletter ") + bad);
    CAPTURE(bad);
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("h_gamma for huge alphabets: exact up to 4096 symbols, a proved upper bound beyond") {
  const focalrd::detail::Control control{Limits{}};
  for (double gamma : {0.5, 1.0, 4.0, 10.0}) {
    for (std::size_t N : {2, 3, 100, 4096})
      CHECK(*focalrd::detail::h_gamma_upper(std::log(static_cast<double>(N)), gamma, control) ==
            h_gamma(N, gamma, 1));
    // Above the exact range: at least h_γ(N) itself and at most (16); for
    // these γ the maximum of (15) lies at small d and the bound on the terms
    // of d >= 4096 stays below it, so the bound is h_γ(N) exactly.
    const double exact = h_gamma(10000, gamma, 1);
    const double upper = *focalrd::detail::h_gamma_upper(std::log(10000.0), gamma, control);
    CAPTURE(gamma);
    CHECK(upper >= exact);
    CHECK(upper <= h_gamma_bound(gamma));
    CHECK(upper == exact);
    // Non-decreasing in N, finite at N = 10^300.
    const double huge = *focalrd::detail::h_gamma_upper(300 * std::log(10.0), gamma, control);
    CHECK(huge >= upper);
    CHECK(std::isfinite(huge));
  }
  CHECK(*focalrd::detail::h_gamma_upper(1e6, 0.0, control) == 0.0);  // H_0 = 0
}

TEST_CASE("the converse (17) over types equals it on the expanded alphabet") {
  for (double gamma : {0.0, 1.0, 4.0}) {
    CHECK(converse_by_types({0.89, 0.11}, 8, std::log(16.0), gamma) ==
          doctest::Approx(converse_bound(Problem(Source::family("iid:8,0.89,0.11"), 16, gamma)))
              .epsilon(1e-12));
    CHECK(converse_by_types({0.5, 0.3, 0.2}, 5, std::log(9.0), gamma) ==
          doctest::Approx(converse_bound(Problem(Source::family("iid:5,0.5,0.3,0.2"), 9, gamma)))
              .epsilon(1e-12));
  }
}

TEST_CASE("the converse over types never exceeds d_n* (rounding at large n and large gamma)") {
  // Fair bits at rate 1/2: d_n*/n = H - R = 1/2 bit exactly at γ = 0.
  for (std::size_t n : {1000, 10000}) {
    const double L = *lagrangian_converse_by_types({0.5, 0.5}, n, log_messages_at_rate(n, 0.5), 0.0);
    CHECK(L <= 0.5 * std::log(2.0) * static_cast<double>(n));
  }
  // Letters summing to 1 only within 1e-9 are normalised first.
  const double skewed =
      *lagrangian_converse_by_types({0.5000000009, 0.5}, 10000, log_messages_at_rate(10000, 0.5), 0.0);
  CHECK(skewed <= 0.5 * std::log(2.0) * 10000.0);
  // Large γ: below the exact optimum of the listed block source.
  for (double gamma : {60.0, 700.0, 1000.0}) {
    const ExactResult exact = solve_exact(Problem(Source::family("iid:2,0.5,0.5"), 2, gamma));
    REQUIRE(exact.certified);
    CAPTURE(gamma);
    CHECK(*lagrangian_converse_by_types({0.5, 0.5}, 2, std::log(2.0), gamma) <= exact.value);
  }
  const ExactResult one = solve_exact(Problem(Source::parse("0.3,0.7"), 1, 700.0));
  CHECK(*lagrangian_converse_by_types({0.3, 0.7}, 1, 0.0, 700.0) <= one.value);
}

TEST_CASE("cli: nletter's limits, rates and letters (found in review)") {
  using focalrd::test::run_cli;
  // The time limit bounds the whole table, listing of types included.
  const auto slow = run_cli("nletter --letters 0.5,0.5 --n 999800:999999 --gamma 1 --rate 0.5 --time-limit 1");
  CHECK(slow.status == 1);
  CHECK(slow.seconds < 5.0);
  // A rate beyond 1000 bits per letter, a trailing comma: refused.
  CHECK(run_cli("nletter --letters 0.5,0.5 --rate 1e308 --n 10 --gamma 1").status == 2);
  CHECK(run_cli("nletter --letters 0.5,0.5, --rate 0.5 --gamma 1").status == 2);
  CHECK(run_cli("exact --source iid:2,0.5,0.5, -M 2 --gamma 1").status == 2);
  // Letters of mass 0 never occur: the exact search runs on the others.
  const auto zeros = run_cli("nletter --letters 0.5,0.5,0,0 --rate 0.5 --gamma 1 --n 6 --format csv");
  CHECK(zeros.status == 0);
  CHECK(zeros.out.find(",true,certified") != std::string::npos);
  // M = floor(2^R): 2^1.584962500721 = 2.99999999999968 gives 2 messages.
  CHECK(run_cli("exact --pmf 0.25,0.25,0.25,0.25 --rate 1.584962500721 --gamma 0").out.find("M = 2;") !=
        std::string::npos);
}

TEST_CASE("the scheme (28) over types equals it on the expanded alphabet") {
  for (const BlockCase& c : block_cases())
    for (double gamma : {0.0, 1.0, 4.0, 30.0}) {
      const Source source = Source::family(c.spec);
      const double expanded = achievability_28(source.pmf(), source.pmf(), c.M, gamma);
      const double types = achievability_28_by_types(c.letters, c.n, static_cast<double>(c.M), gamma);
      CAPTURE(c.spec);
      CAPTURE(c.M);
      CAPTURE(gamma);
      // The same greedy, raised by its rounding margin (below 1e-11 here).
      // But 0.5 = 0.3 + 0.2: in that source one sequence weighs exactly as
      // much as two others, loads tie in exact arithmetic, and rounding breaks
      // the ties, differently in the two computations (L + 2r against
      // (L + r) + r): another greedy code, so another upper bound. At γ = 0
      // (28) depends on the loads alone, and the two agree there too.
      const bool ties = c.spec == "iid:5,0.5,0.3,0.2" && gamma > 0.0;
      CHECK(types >= expanded * (1.0 - (ties ? 1e-5 : 1e-13)));
      CHECK(types <= expanded * (1.0 + (ties ? 1e-5 : 1e-11)));
      CHECK(types >= lagrangian_converse(Problem(source, c.M, gamma)));
      CHECK(types <= achievability_22_by_types(c.letters, c.n, std::log(static_cast<double>(c.M)), gamma));
    }
  CHECK(achievability_28_by_types({0.89, 0.11}, 3, 8.0, 1.0) == 0.0);
  // Masses far below the loads they join (r under L's rounding) and types
  // below 1e-290: every symbol placed, the chain holds.
  for (double gamma : {0.0, 2.0}) {
    const double M = 1048576.0;
    const double a28 = achievability_28_by_types({0.999, 0.001}, 200, M, gamma);
    CAPTURE(gamma);
    CHECK(std::isfinite(a28));
    CHECK(*lagrangian_converse_by_types({0.999, 0.001}, 200, std::log(M), gamma) <= a28);
    CHECK(a28 <= achievability_22_by_types({0.999, 0.001}, 200, std::log(M), gamma));
  }
  // Blocks of 1000 letters: the chain Lagrangian <= (28) < (22), over types.
  for (double gamma : {0.0, 1.0, 4.0}) {
    const double log_M = log_messages_at_rate(1000, 0.5);
    const double M = std::exp(log_M) * (1.0 - 1e-14);
    const double a28 = achievability_28_by_types({0.89, 0.11}, 1000, M, gamma);
    CAPTURE(gamma);
    CHECK(std::isfinite(a28));
    CHECK(*lagrangian_converse_by_types({0.89, 0.11}, 1000, log_M, gamma) <= a28);
    CHECK(a28 < achievability_22_by_types({0.89, 0.11}, 1000, log_M, gamma));
  }
}
