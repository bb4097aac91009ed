// The committed figure data (data/figures/, written by tools/make-figures.sh)
// replayed with focalrd verify, and the stability of every certified value
// under a one-ulp change of the input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "focalrd/focalrd.hpp"
#include "support/cli.hpp"
#include "support/csv.hpp"
#include "support/reference.hpp"

using namespace focalrd;

namespace {

// Certified values to 1e-12 (what holds on any machine), the optimised F_X
// by its guarantees, codes by their distortion; the exact points that need
// more than 2e5 nodes are left to tools/make-figures.sh. One test case per
// file, so that each stays short.
void replay(const std::string& file) {
  const auto v = test::run_cli("verify --tolerance 1e-12 --exact-node-limit 200000 " +
                               test::data_path("figures/" + file));
  INFO(file << "\n" << v.out);
  CHECK(v.status == 0);
  CHECK(v.out.find(" 0 disagreements,") != std::string::npos);
}

}  // namespace

TEST_CASE("regression: figure data replay with focalrd verify: Figs. 1-2") {
  for (const std::string file : {"fig1_hgamma.csv", "fig2_uniform.csv", "fig2_skewed.csv"})
    replay(file);
}
TEST_CASE("regression: figure data replay with focalrd verify: Figs. 3-4 bounds") {
  for (const std::string file : {"fig3_binomial_p05.csv", "fig4_binomial_p01.csv"}) replay(file);
}
TEST_CASE("regression: figure data replay with focalrd verify: Fig. 3 exact") {
  replay("fig3_exact.csv");
}
TEST_CASE("regression: figure data replay with focalrd verify: Fig. 4 exact") {
  replay("fig4_exact.csv");
}
TEST_CASE("regression: figure data replay with focalrd verify: Fig. 5 n-letter blocks") {
  replay("fig5_nletter.csv");
}
TEST_CASE("regression: figure data replay with focalrd verify: Fig. 6 excess distortion") {
  for (const std::string file : {"fig6_uniform.csv", "fig6_skewed.csv", "fig6_iid_n1.csv",
                                 "fig6_iid_n2.csv", "fig6_iid_n4.csv", "fig6_iid_n8.csv",
                                 "fig6_iid_n16.csv"})
    replay(file);
}

namespace {

// Every mass moved by one ulp, up or down by index (so ties are broken), as
// a different machine's rounding might leave them.
Source nudged(const Source& s) {
  std::vector<double> r = s.pmf();
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] > 0.0) r[a] = std::nextafter(r[a], a % 2 ? 1.0 : 0.0);
  return Source::from_pmf(r, {}, "nudged");
}

// The certified quantities of one point, by name (nats); the exact optimum
// is searched for only with `exact`.
std::map<std::string, double> certified(const Problem& problem, bool exact) {
  BoundsOptions o;
  o.optimised_fx = false;
  o.exact = exact;
  o.exact_options.method = SearchMethod::bnb;
  const BoundsResult b = evaluate_bounds(problem, o);
  std::map<std::string, double> out{{"h_gamma", *b.h_gamma},
                                    {"converse", *b.converse},
                                    {"converse_lagrangian", *b.converse_lagrangian},
                                    {"achievability_28", *b.achievability_28},
                                    {"achievability_22", *b.achievability_22},
                                    {"achievability_23", *b.achievability_23},
                                    {"achievability_reoptimised", *b.achievability_reoptimised}};
  if (exact) {
    REQUIRE(b.exact->certified);
    out["exact"] = b.exact->value;
  }
  return out;
}

// Which inputs to move by one ulp.
enum class Nudge { both, gamma, pmf };

// The certified values of the exact points of one figure file (the exact
// optimum where it is quick, every bound at all of them), with γ moved up by
// one ulp and with the PMF moved by one ulp, against the originals. The
// original optimum is the file's (certified, and replayed to 1e-12 by the
// tests above), so only the moved points are searched.
void perturb(const std::string& spec, const std::string& file, double gamma_lo, double gamma_hi,
             long long M_lo = 1, long long M_hi = 1000, Nudge nudge = Nudge::both) {
  std::map<std::string, double> worst;
  auto compare = [&](const std::map<std::string, double>& a, const std::map<std::string, double>& b,
                     const std::string& where) {
    for (const auto& [name, value] : a) {
      // Relative, with a floor far below any meaningful scale (γ = 0 moved to
      // the least normal γ moves h_γ from 0 to about 1e-308).
      const double diff = std::fabs(b.at(name) - value);
      const double change = diff <= 1e-300 ? 0.0 : diff / std::max(std::fabs(value), 1e-300);
      worst[name] = std::max(worst[name], change);
      INFO(where << " " << name << ": " << std::setprecision(17) << value << " -> " << b.at(name));
      CHECK(change < 1e-12);
    }
  };
  const Source source = Source::family(spec), other = nudged(source);
  for (const auto& row : test::read_csv(test::data_path("figures/" + file))) {
    const long long M = std::stoll(row.at("M"));
    const double gamma = std::stod(row.at("gamma"));
    // This test case's rows.
    if (!(gamma >= gamma_lo && gamma <= gamma_hi && M >= M_lo && M <= M_hi)) continue;
    const bool quick = spec == "binomial:100,0.5" ? (M == 2 || M == 4 || M >= 16) : gamma <= 4;
    auto base = certified(Problem(source, M, gamma), false);
    if (quick) {
      REQUIRE(row.at("exact_certified") == "true");
      base["exact"] = std::stod(row.at("exact")) * std::log(2.0);  // the file is in bits
    }
    const std::string where = spec + " M=" + std::to_string(M) + " gamma=" + row.at("gamma");
    // The next gamma up (the least normal one after 0, as subnormal gamma is refused).
    const double up = std::max(std::nextafter(gamma, 1e9), DBL_MIN);
    if (nudge != Nudge::pmf)
      compare(base, certified(Problem(source, M, up), quick), where + " (gamma + 1 ulp)");
    if (nudge != Nudge::gamma)
      compare(base, certified(Problem(other, M, gamma), quick), where + " (PMF +- 1 ulp)");
  }
  std::ostringstream summary;
  summary << std::setprecision(2);
  for (const auto& [name, change] : worst) summary << ' ' << name << ' ' << change;
  MESSAGE(spec << ": worst relative change under one ulp:" << summary.str());
}

}  // namespace

TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma <= 1") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 0.0, 1.0);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma = 2") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 2.0, 2.0);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma = 4, M <= 8") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 4.0, 4.0, 1, 8);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma = 4, M = 16") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 4.0, 4.0, 16, 16);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma = 4, M = 32, gamma") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 4.0, 4.0, 32, 32, Nudge::gamma);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma = 4, M = 32, PMF") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 4.0, 4.0, 32, 32, Nudge::pmf);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 3, gamma = 4, M = 64") {
  perturb("binomial:100,0.5", "fig3_exact.csv", 4.0, 4.0, 64, 64);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 4, gamma <= 1") {
  perturb("binomial:100,0.1", "fig4_exact.csv", 0.0, 1.0);
}
TEST_CASE("regression: one ulp moves no certified value by 1e-12: Fig. 4, gamma > 1") {
  perturb("binomial:100,0.1", "fig4_exact.csv", 1.5, 10.0);
}
