// Replays a sample of the committed figure data (data/figures/, written by
// tools/make-figures.sh): certified columns must not drift beyond 1e-9
// relative; the optimised F_X, a heuristic, is checked by its guarantees.
#include <doctest/doctest.h>

#include <cmath>
#include <iomanip>
#include <string>
#include <vector>

#include "focalrd/bounds.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/search.hpp"
#include "support/csv.hpp"
#include "support/reference.hpp"

using namespace focalrd;

namespace {

const double kBits = 1.0 / std::log(2.0);
constexpr double kDrift = 1e-9;

void check_value(const test::CsvRow& row, const std::string& column, double nats) {
  const auto it = row.find(column);
  REQUIRE(it != row.end());
  REQUIRE(!it->second.empty());
  const double recorded = std::stod(it->second);
  INFO(std::setprecision(17) << column << ": recorded " << recorded << ", now " << nats * kBits);
  CHECK(std::fabs(nats * kBits - recorded) <= kDrift * std::fabs(recorded));
}

std::vector<test::CsvRow> sample(const std::string& file, std::size_t every) {
  const auto rows = test::read_csv(test::data_path("figures/" + file));
  REQUIRE(!rows.empty());
  std::vector<test::CsvRow> out;
  for (std::size_t i = 0; i < rows.size(); i += every) out.push_back(rows[i]);
  out.push_back(rows.back());
  return out;
}

// The heuristic column: not its digits (a search's result, which depends on
// the last bit of its input), but what it guarantees: an achievable
// distortion, so at least the Lagrangian converse (and d*), and never above
// (28) at F = R, where its search starts.
void check_optimised_fx(const test::CsvRow& row, const BoundsResult& b) {
  const double bits = *b.achievability_optimised_fx * kBits;
  const double recorded = std::stod(row.at("achievability_optimised_fx"));
  INFO(std::setprecision(17) << "optimised F_X: recorded " << recorded << ", now " << bits);
  CHECK(bits <= *b.achievability_28 * kBits * (1 + 1e-12));
  CHECK(bits >= *b.converse_lagrangian * kBits * (1 - 1e-12));
  CHECK(recorded <= std::stod(row.at("achievability_28")) * (1 + 1e-12));
  CHECK(recorded >= std::stod(row.at("converse_lagrangian")) * (1 - 1e-12));
}

void replay_bounds(const std::string& file, std::size_t every) {
  for (const auto& row : sample(file, every)) {
    const Problem problem(Source::family(row.at("source")), std::stoll(row.at("M")),
                          std::stod(row.at("gamma")));
    BoundsOptions options;
    options.exact = false;
    const BoundsResult b = evaluate_bounds(problem, options);
    INFO(file << " M=" << problem.messages() << " gamma=" << problem.gamma());
    check_value(row, "converse", *b.converse);
    check_value(row, "converse_lagrangian", *b.converse_lagrangian);
    check_value(row, "achievability_28", *b.achievability_28);
    check_value(row, "achievability_22", *b.achievability_22);
    check_value(row, "achievability_23", *b.achievability_23);
    check_optimised_fx(row, b);
    check_value(row, "achievability_reoptimised", *b.achievability_reoptimised);
  }
}

}  // namespace

TEST_CASE("regression: Fig. 1 data (h_gamma and its bound)") {
  for (const auto& row : sample("fig1_hgamma.csv", 37)) {
    const double gamma = std::stod(row.at("gamma"));
    check_value(row, "h_gamma", h_gamma(std::stoul(row.at("n")), gamma));
    check_value(row, "h_gamma_bound", h_gamma_bound(gamma));
  }
}

TEST_CASE("regression: Fig. 2 data (exact d* of Example 1)") {
  for (const std::string file : {"fig2_uniform.csv", "fig2_skewed.csv"}) {
    for (const auto& row : sample(file, 9)) {
      const Problem problem(
          Source::parse(file == "fig2_uniform.csv" ? "1/3,1/3,1/3" : "2/3,1/4,1/12"),
          std::stoll(row.at("M")), std::stod(row.at("gamma")));
      INFO(file << " gamma=" << problem.gamma());
      check_value(row, "exact", solve_exact(problem).value);
    }
  }
}

TEST_CASE("regression: Fig. 3 data (Binomial(100, 0.5))") {
  replay_bounds("fig3_binomial_p05.csv", 43);
}

TEST_CASE("regression: Fig. 4 data (Binomial(100, 0.1), M = 8)") {
  replay_bounds("fig4_binomial_p01.csv", 23);
}

TEST_CASE("regression: the exact d* of Figs. 3-4 (branch-and-bound), where quick") {
  // Only certified points that take a second or less; the search is
  // deterministic, so the value is replayed bit for bit up to rounding.
  int replayed = 0;
  for (const std::string file : {"fig3_exact.csv", "fig4_exact.csv"}) {
    for (const auto& row : test::read_csv(test::data_path("figures/" + file))) {
      const long long M = std::stoll(row.at("M"));
      const double gamma = std::stod(row.at("gamma"));
      const bool quick = file == "fig3_exact.csv" ? (M == 2 || M == 4 || M == 16) : gamma <= 4.0;
      if (!quick || row.at("exact_certified") != "true") continue;
      ExactOptions options;
      options.method = SearchMethod::bnb;
      const ExactResult r =
          solve_exact(Problem(Source::family(row.at("source")), M, gamma), options);
      INFO(file << " M=" << M << " gamma=" << gamma);
      CHECK(r.certified);
      check_value(row, "exact", r.value);
      ++replayed;
    }
  }
  CHECK(replayed >= 10);
}
