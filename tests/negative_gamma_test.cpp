// γ < 0 (detail/negative_gamma.hpp). Cells: the loss's shape, closed forms,
// and the global optimum against independent searches (a fine grid with
// golden-section refinement for k <= 3, random feasible PMFs and NLopt's
// global MLSL for k <= 8).
// The exact search: enumeration against the DP, branch-and-bound against the
// DP (and its bound's parts against brute force), monotonicity in M, closed
// forms, and the CLI's refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlopt.hpp>

#include "detail/negative_gamma.hpp"
#include "focalrd/bounds.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/result.hpp"
#include "focalrd/search.hpp"
#include "support/cli.hpp"
#include "support/random.hpp"

using focalrd::detail::negative_gamma_cell;
using focalrd::detail::negative_gamma_inflection;
using focalrd::detail::negative_gamma_minimiser;

namespace {

// g(p) = (1-p)^(-β) ln(1/p) in plain libm, its limit at p = 1.
double g(double p, double beta) {
  if (p >= 1.0) return beta < 1.0 ? 0.0 : (beta == 1.0 ? 1.0 : HUGE_VAL);
  return std::pow(1.0 - p, -beta) * -std::log(p);
}

double cost(const std::vector<double>& r, const std::vector<double>& p, double beta) {
  double total = 0.0;
  for (std::size_t a = 0; a < r.size(); ++a) total += r[a] * g(p[a], beta);
  return total;
}

// min over x in [lo, hi] of f by a grid of 400 intervals and golden sections
// around each of its local minima (f need not be unimodal on [lo, hi]; two
// minima of nearly equal value are both refined).
template <class F>
double grid_min(F f, double lo, double hi) {
  const int n = 400;
  std::vector<double> v(n + 1);
  for (int i = 0; i <= n; ++i) v[i] = f(lo + (hi - lo) * i / n);
  double best = *std::min_element(v.begin(), v.end());
  const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int i = 0; i <= n; ++i) {
    if (!std::isfinite(v[i]) || (i > 0 && v[i - 1] <= v[i]) || (i < n && v[i + 1] < v[i]))
      continue;  // not a local minimum (the first of equal values counts)
    double a = lo + (hi - lo) * std::max(0, i - 1) / n, b = lo + (hi - lo) * std::min(n, i + 1) / n;
    for (int it = 0; it < 200; ++it) {
      const double c = b - phi * (b - a), d = a + phi * (b - a);
      (f(c) < f(d) ? b : a) = (f(c) < f(d) ? d : c);
    }
    best = std::min(best, f(0.5 * (a + b)));
  }
  return best;
}

// The best single-symbol value of g on (0, c]: g is convex for β >= 1 (least
// at min(p*, c), p* = star) and decreasing for β < 1.
double best_on(double c, double beta, double star) {
  if (beta <= 1.0) return g(c, beta);
  return g(std::min(c, star), beta);
}

}  // namespace

TEST_CASE("γ < 0: the loss is convex for β >= 1 and convex then concave for β < 1") {
  for (double beta : {0.05, 0.3, 0.5, 0.9, 0.99, 1.0, 1.5, 3.0, 10.0}) {
    const double p_i = beta < 1.0 ? negative_gamma_inflection(beta) : 1.0;
    if (beta < 1.0) {
      CHECK(p_i > 0.5);
      CHECK(p_i < 1.0);
    }
    for (int i = 1; i < 1000; ++i) {
      const double p = i / 1000.0, h = 1e-4;
      if (std::fabs(p - p_i) < 2e-3 || p + h >= 1.0 || p - h <= 0.0) continue;
      const double second = (g(p + h, beta) - 2.0 * g(p, beta) + g(p - h, beta)) / (h * h);
      INFO("beta " << beta << " p " << p);
      CHECK((second > 0.0) == (p < p_i));
    }
    if (beta > 1.0) {  // β ln(1/p*) = (1-p*)/p*
      const double star = negative_gamma_minimiser(beta);
      CHECK(beta * -std::log(star) == doctest::Approx((1.0 - star) / star).epsilon(1e-12));
    }
  }
}

TEST_CASE("γ < 0: closed forms of single symbols and of cells where p* fits") {
  double p[4];
  // One symbol: p = 1 where the loss falls to its limit (0 for β < 1, 1 nat at
  // β = 1); β > 1 stops at p* with slack and has no finite cost without.
  CHECK(negative_gamma_cell(std::vector<double>{0.3}.data(), 1, -0.5, true, p).cost == 0.0);
  CHECK(p[0] == 1.0);
  CHECK(negative_gamma_cell(std::vector<double>{0.3}.data(), 1, -1.0, false, p).cost == 0.3);
  CHECK(std::isinf(negative_gamma_cell(std::vector<double>{0.3}.data(), 1, -2.0, false, p).cost));
  const double star = negative_gamma_minimiser(2.0);
  CHECK(negative_gamma_cell(std::vector<double>{0.3}.data(), 1, -2.0, true, p).cost ==
        doctest::Approx(0.3 * g(star, 2.0)).epsilon(1e-14));
  // β = 3: p* = 0.23...; three symbols fit (3 p* < 1), each at p*; without
  // slack they must take the whole mass, above p*.
  const double star3 = negative_gamma_minimiser(3.0);
  REQUIRE(3.0 * star3 < 1.0);
  const std::vector<double> r{0.5, 0.3, 0.2};
  const auto with = negative_gamma_cell(r.data(), 3, -3.0, true, p);
  CHECK(with.cost == doctest::Approx(g(star3, 3.0)).epsilon(1e-14));
  for (int a = 0; a < 3; ++a) CHECK(p[a] == doctest::Approx(star3).epsilon(1e-14));
  const auto without = negative_gamma_cell(r.data(), 3, -3.0, false, p);
  CHECK(without.cost > with.cost);
  CHECK(p[0] + p[1] + p[2] == doctest::Approx(1.0).epsilon(1e-14));
}

TEST_CASE("γ < 0: the cell optimum is global (k = 2, 3 against a refined grid)") {
  auto rng = focalrd::test::rng("negative gamma grid");
  double worst = 0.0;
  for (double beta : {0.5, 1.0, 1.5, 3.0, 0.1, 0.9}) {
    for (int trial = 0; trial < 8; ++trial) {
      const std::size_t k = trial % 2 ? 3 : 2;
      const bool slack = trial % 4 >= 2;
      std::vector<double> r(k);
      for (double& x : r) x = focalrd::test::uniform(rng, 0.01, 1.0);
      const double total = std::accumulate(r.begin(), r.end(), 0.0);
      for (double& x : r) x /= total;
      std::vector<double> p(k);
      const auto solved = negative_gamma_cell(r.data(), k, -beta, slack, p.data());
      INFO("beta " << beta << " k " << k << " slack " << slack << " r " << r[0] << " " << r[1]);
      REQUIRE(solved.converged);
      // Its PMF is feasible and costs what it says.
      const double sum = std::accumulate(p.begin(), p.end(), 0.0);
      CHECK(sum <= 1.0 + 1e-14);
      if (!slack) CHECK(sum == doctest::Approx(1.0).epsilon(1e-13));
      CHECK(cost(r, p, beta) == doctest::Approx(solved.cost).epsilon(1e-12));
      // The grid: the last coordinate takes the rest of the budget, or its
      // best value within it where there is slack.
      const double star = beta > 1.0 ? negative_gamma_minimiser(beta) : 1.0;
      auto last = [&](double left, double mass) {
        return mass * (slack ? best_on(left, beta, star) : g(left, beta));
      };
      double grid;
      if (k == 2) {
        grid = grid_min([&](double x) { return r[0] * g(x, beta) + last(1.0 - x, r[1]); }, 1e-9,
                        1.0 - 1e-9);
      } else {
        grid = grid_min(
            [&](double x) {
              return r[0] * g(x, beta) +
                     grid_min([&](double y) { return r[1] * g(y, beta) + last(1.0 - x - y, r[2]); },
                              1e-9 * (1.0 - x), (1.0 - x) * (1.0 - 1e-9));
            },
            1e-6, 1.0 - 1e-6);
      }
      // Never beaten, and the grid comes within its own resolution.
      CHECK(solved.cost <= grid * (1.0 + 1e-12));
      CHECK(grid <= solved.cost * (1.0 + 1e-7));
      worst = std::max(worst, (grid - solved.cost) / solved.cost);
    }
  }
  MESSAGE("largest relative excess of the refined grid over the solver: " << worst);
}

namespace {
// min Σ r_a g(p_a) by NLopt's MLSL (low-discrepancy starts, BOBYQA local
// searches) over weights w_0 = 1, w_a = e^(y_a) for the other symbols and,
// with slack, w_out = e^(y_out) for the mass outside the cell (so that no
// outside mass is a bound, not infinity), p_a = w_a / Σ w: every point feasible.
double mlsl_minimum(const std::vector<double>& r, double beta, bool slack) {
  const std::size_t k = r.size(), dims = slack ? k : k - 1;
  struct Data {
    const std::vector<double>* r;
    double beta;
    bool slack;
  } data{&r, beta, slack};
  auto objective = [](unsigned n, const double* y, double*, void* raw) {
    const Data& d = *static_cast<Data*>(raw);
    const std::size_t k = d.r->size();
    double top = 0.0;  // w_0 = e^0
    for (unsigned i = 0; i < n; ++i) top = std::max(top, y[i]);
    std::vector<double> w(k + 1, 0.0);  // w[k]: the outside mass (slack)
    w[0] = std::exp(-top);
    for (std::size_t a = 1; a < k; ++a) w[a] = std::exp(y[a - 1] - top);
    if (d.slack) w[k] = std::exp(y[k - 1] - top);
    const double sum = std::accumulate(w.begin(), w.end(), 0.0);
    double total = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      const double rest = sum - w[a];  // q_a without cancellation where p_a -> 1
      const double log_p = std::log(w[a] / sum);
      const double loss = rest > 0.0 ? std::exp(-d.beta * std::log(rest / sum)) * -log_p
                                     : g(1.0, d.beta);
      total += (*d.r)[a] * loss;
    }
    return total;
  };
  nlopt::opt global(nlopt::G_MLSL_LDS, static_cast<unsigned>(dims));
  nlopt::opt local(nlopt::LN_BOBYQA, static_cast<unsigned>(dims));
  local.set_xtol_rel(1e-12);
  local.set_maxeval(2000);
  global.set_local_optimizer(local);
  global.set_lower_bounds(-40.0);  // p from e^-40 to within e^-40 of 1
  global.set_upper_bounds(40.0);
  global.set_min_objective(objective, &data);
  global.set_maxeval(8000);
  std::vector<double> y(dims, 0.0);
  double best = HUGE_VAL;
  try {
    global.optimize(y, best);
  } catch (const std::exception&) {
    // a roundoff or forced stop: `best` holds the best point found
  }
  return best;
}
}  // namespace

TEST_CASE("γ < 0: NLopt's global MLSL never beats the cell optimum and finds it (k <= 8)") {
  auto rng = focalrd::test::rng("negative gamma mlsl");
  double worst = 0.0;
  for (double beta : {0.5, 1.0, 1.5, 3.0}) {
    for (std::size_t k : {2, 4, 8}) {
      for (bool slack : {true, false}) {
        std::vector<double> r(k);
        for (double& x : r) x = focalrd::test::uniform(rng, 0.01, 1.0);
        const double total = std::accumulate(r.begin(), r.end(), 0.0);
        for (double& x : r) x /= total;
        std::vector<double> p(k);
        const double exact = negative_gamma_cell(r.data(), k, -beta, slack, p.data()).cost;
        const double mlsl = mlsl_minimum(r, beta, slack);
        CHECK(cost(r, p, beta) == doctest::Approx(exact).epsilon(1e-12));
        INFO("beta " << beta << " k " << k << " slack " << slack << ": " << exact << " vs " << mlsl);
        CHECK(exact <= mlsl * (1.0 + 1e-10));
        CHECK(mlsl <= exact * (1.0 + 1e-6));
        worst = std::max(worst, (mlsl - exact) / exact);
      }
    }
  }
  MESSAGE("largest relative excess of MLSL over the solver: " << worst);
}

TEST_CASE("γ < 0: no random feasible PMF beats the cell optimum (k <= 8), and splitting a cell never hurts") {
  auto rng = focalrd::test::rng("negative gamma random");
  for (double beta : {0.5, 1.0, 1.5, 3.0}) {
    for (std::size_t k = 2; k <= 8; k += 3) {
      std::vector<double> r(k);
      for (double& x : r) x = focalrd::test::uniform(rng, 0.01, 1.0);
      const double best = negative_gamma_cell(r.data(), k, -beta, true, nullptr).cost;
      INFO("beta " << beta << " k " << k << " r0 " << r[0] << " r1 " << r[1]);
      REQUIRE(std::isfinite(best));
      std::gamma_distribution<double> d(0.5, 1.0);
      for (int t = 0; t < 20000; ++t) {
        std::vector<double> p(k + 1);  // the last one: mass outside the cell
        for (double& x : p) x = d(rng) + 1e-300;
        const double total = std::accumulate(p.begin(), p.end(), 0.0);
        for (double& x : p) x /= total;
        p.pop_back();
        CHECK(cost(r, p, beta) >= best * (1.0 - 1e-14));
      }
      // c(S) >= c(A) + c(B): S's PMF restricted to each part is feasible there.
      const std::size_t half = k / 2;
      const double parts = negative_gamma_cell(r.data(), half, -beta, true, nullptr).cost +
                           negative_gamma_cell(r.data() + half, k - half, -beta, true, nullptr).cost;
      CHECK(parts <= best * (1.0 + 1e-14));
    }
  }
}

// ---- the exact search for γ < 0 ----

namespace {
focalrd::ExactResult exact_at(const std::vector<double>& pmf, long long M, double gamma,
                              focalrd::SearchMethod method = focalrd::SearchMethod::automatic) {
  focalrd::ExactOptions o;
  o.method = method;
  return focalrd::solve_exact(focalrd::Problem(focalrd::Source::from_pmf(pmf), M, gamma), o);
}
}  // namespace

TEST_CASE("γ < 0: enumeration and the DP agree, d* falls with M, and every code's PMFs are feasible") {
  auto rng = focalrd::test::rng("negative gamma search");
  for (double gamma : {-0.3, -0.8, -1.0, -1.5, -3.0}) {
    for (int trial = 0; trial < 3; ++trial) {
      const int n = focalrd::test::uniform_int(rng, 3, 7);
      const std::vector<double> pmf =
          focalrd::test::normalised(focalrd::test::random_masses(rng, n, trial));
      double previous = HUGE_VAL;
      for (long long M = 1; M <= n + 1; ++M) {
        const auto e = exact_at(pmf, M, gamma, focalrd::SearchMethod::enumerate);
        const auto d = exact_at(pmf, M, gamma, focalrd::SearchMethod::dp);
        INFO("gamma " << gamma << " n " << n << " M " << M);
        REQUIRE(e.certified);
        REQUIRE(d.certified);
        CHECK(d.value == doctest::Approx(e.value).epsilon(1e-12));
        CHECK(e.value <= previous * (1.0 + 1e-12));  // more messages never hurt
        // g > 0 below p = 1: d* > 0 unless every symbol has its own message
        // and the loss vanishes at p = 1 (γ > -1)
        CHECK((e.value > 0.0) == (M < n || gamma <= -1.0));
        CHECK(focalrd::code_distortion(pmf, e.code, gamma) ==
              doctest::Approx(e.value).epsilon(1e-13));
        for (const auto& cell : e.code.cells) {
          double sum = 0.0;
          for (double x : cell.pmf) sum += x;
          CHECK(sum <= 1.0 + 1e-15);
        }
        previous = e.value;
      }
    }
  }
}

TEST_CASE("γ < 0: closed forms of the exact search") {
  const std::vector<double> pmf{0.5, 0.3, 0.2};
  // γ = -1: alone, a symbol is decoded with P = 1 at loss 1 nat; M >= n gives 1 nat.
  CHECK(exact_at(pmf, 3, -1.0).value == doctest::Approx(1.0).epsilon(1e-15));
  // γ > -1: alone at P = 1, no loss.
  CHECK(exact_at(pmf, 3, -0.5).value == 0.0);
  // β = 3 > 1: p* = 0.149 fits three times into every cell, so every code with
  // cells of at most 6 symbols costs g(p*) = min g, whatever M.
  const double star = negative_gamma_minimiser(3.0);
  for (long long M : {2, 3, 5})
    CHECK(exact_at(pmf, M, -3.0).value == doctest::Approx(g(star, 3.0)).epsilon(1e-13));
  // M = 1: the whole alphabet, nowhere else for the mass to go: above p* each.
  const auto one = exact_at(pmf, 1, -3.0);
  CHECK(one.value > g(star, 3.0));
  double sum = 0.0;
  for (double x : one.code.cells.at(0).pmf) sum += x;
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-14));
  // A symbol of mass 0 takes the spare mass at no cost: then M = 1 is p* again.
  CHECK(exact_at({0.5, 0.3, 0.2, 0.0}, 1, -3.0).value == doctest::Approx(g(star, 3.0)).epsilon(1e-13));
}

TEST_CASE("γ < 0 through the CLI: exact values, a verified record, and one-line refusals elsewhere") {
  using focalrd::test::run_cli;
  const auto ok = run_cli("exact --pmf 0.5,0.3,0.2 -M 2 --gamma -1.5 --format json");
  CHECK(ok.status == 0);
  const std::string path = "/tmp/focalrd-test-negative-gamma.json";
  {
    std::ofstream(path) << ok.out;
  }
  const auto verified = run_cli("verify " + path);
  INFO(verified.out << verified.err);
  CHECK(verified.status == 0);
  CHECK(verified.out.find("1 certified values agree") != std::string::npos);
  std::remove(path.c_str());
  // bounds: what is proved at γ < 0, the rest named in the note; verify
  // replays it, and a sweep over γ in [-1.5, 1] with every quantity.
  const auto b = run_cli("bounds --pmf 0.5,0.3,0.2 -M 2 --gamma -0.5 --format json --units nats");
  INFO(b.out << b.err);
  CHECK(b.status == 0);
  CHECK(b.out.find("\"h_gamma\":null") != std::string::npos);
  CHECK(b.out.find("\"achievability_22\":null") != std::string::npos);
  CHECK(b.out.find("proved for gamma >= 0 only") != std::string::npos);
  const focalrd::Problem problem(focalrd::Source::from_pmf({0.5, 0.3, 0.2}), 2, -0.5);
  const double lagrangian = focalrd::lagrangian_converse(problem), dstar = exact_at({0.5, 0.3, 0.2}, 2, -0.5).value;
  CHECK(lagrangian < dstar);
  const auto key = b.out.rfind("\"converse_lagrangian\":");
  REQUIRE(key != std::string::npos);
  CHECK(std::stod(b.out.substr(key + 22)) == doctest::Approx(lagrangian).epsilon(1e-15));
  {
    std::ofstream(path) << b.out;
  }
  const auto replayed = run_cli("verify " + path);
  INFO(replayed.out << replayed.err);
  CHECK(replayed.status == 0);
  std::remove(path.c_str());
  const std::string csv = "/tmp/focalrd-test-negative-gamma.csv";
  const auto sweep = run_cli("sweep --pmf 0.5,0.3,0.2 -M 1:3 --gamma=-1.5:1:0.5 --quantities all "
                             "--format csv --output " + csv);
  INFO(sweep.err);
  CHECK(sweep.status == 0);
  const auto swept = run_cli("verify " + csv);
  INFO(swept.out << swept.err);
  CHECK(swept.status == 0);
  std::remove(csv.c_str());
  for (const std::string& refused :
       {std::string("bounds --pmf 0.5,0.3,0.2 -M 2 --gamma -1 --fx optimised"),
        std::string("exact --pmf 0.5,0.3,0.2 -M 2 --gamma -1 --method counts"),
        std::string("exact --pmf 0.5,0.3,0.2 -M 2 --gamma -1 --cell-solver nlopt"),
        std::string("exact --pmf 1 -M 1 --gamma -2"),
        std::string("exact --pmf 0.5,0.5 -M 2 --gamma -10.5"),
        std::string("exact --source dirichlet:40,1 -M 3 --gamma -0.5 --method dp"),
        std::string("sweep --pmf 0.5,0.5 -M 2 --gamma=-1 --quantities exact,converse")}) {
    const auto r = run_cli(refused);
    INFO(refused << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("gamma") != std::string::npos);
  }
}

TEST_CASE("γ < 0: check --negative-gamma: what is proved holds; (22), (23) fail at γ <= -1 only") {
  // Proved for every γ (a failure exits 1): the Lagrangian converse <= d* <=
  // the codes' distortions. Findings, not defects: (22) and (23) are derived
  // for γ >= 0 and take the loss at p = 1 to be 0, true for -1 < γ < 0 only.
  const auto run = focalrd::test::run_cli("check --negative-gamma --trials 150 --threads 2 --format csv");
  INFO(run.err);
  CHECK(run.status == 0);
  int findings = 0, at_or_below_minus_one = 0;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("trial,", 0) == 0) continue;
    std::vector<std::string> field;
    std::istringstream cells(line);
    for (std::string f; std::getline(cells, f, ',');) field.push_back(f);
    REQUIRE(field.size() >= 8);
    INFO(line);
    CHECK(field[2] == "false");  // trial, relation, proved, lhs, rhs, units, M, gamma
    CHECK(field[1].find("achievability_2") != std::string::npos);
    ++findings;
    if (std::stod(field[7]) <= -1.0) ++at_or_below_minus_one;
  }
  CHECK(findings > 0);
  CHECK(at_or_below_minus_one == findings);
}

namespace {
// The Lagrangian converse's dual function at λ by brute force: each symbol's
// min over p in (0, 1] of r g(p) + λ p, by grids with golden refinement in
// ln p below 1/2 and in ln(1 - p) above (separate grids, so that a minimum
// inside and one near p = 1 of nearly equal value, as at the dual optimum,
// are both resolved), and p = 1 itself.
double dual_by_grid(const std::vector<double>& r, double beta, double M, double lambda) {
  double total = -lambda * M;
  for (double x : r) {
    auto low = [&](double t) { return x * g(std::exp(t), beta) + lambda * std::exp(t); };
    auto high = [&](double u) {  // p = 1 - q, q = e^u
      const double q = std::exp(u);
      return x * std::pow(q, -beta) * -std::log1p(-q) + lambda * (1.0 - q);
    };
    total += std::min({grid_min(low, -60.0, std::log(0.5)), grid_min(high, -40.0, std::log(0.5)),
                       grid_min(high, -700.0, -40.0), x * g(1.0, beta) + lambda});
  }
  return total;
}
}  // namespace

TEST_CASE("γ < 0: the Lagrangian converse is the dual's maximum (against a grid), below d*, exact at M >= n") {
  auto rng = focalrd::test::rng("negative gamma lagrangian");
  double worst = 0.0;
  for (double beta : {0.3, 0.8, 1.0, 1.5, 3.0}) {
    for (int trial = 0; trial < 3; ++trial) {
      const int n = focalrd::test::uniform_int(rng, 3, 6);
      const std::vector<double> pmf =
          focalrd::test::normalised(focalrd::test::random_masses(rng, n, trial));
      for (long long M : {1LL, 2LL, static_cast<long long>(n)}) {
        const focalrd::Problem problem(focalrd::Source::from_pmf(pmf), M, -beta);
        const double bound = focalrd::lagrangian_converse(problem);
        const auto exact = exact_at(pmf, M, -beta);
        INFO("beta " << beta << " n " << n << " M " << M);
        REQUIRE(exact.certified);
        CHECK(std::isfinite(bound));
        CHECK(bound <= exact.value * (1.0 + 1e-12));
        if (M >= n) CHECK(bound == doctest::Approx(exact.value).epsilon(1e-12));
        // The dual by brute force, maximised over λ by golden sections (it is
        // concave), λ in [0, 20]: never above the solver's, and close to it.
        const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
        auto L = [&](double lambda) {
          return dual_by_grid(problem.pmf(), beta, static_cast<double>(M), lambda);
        };
        double a = 0.0, b = 20.0, c = b - phi * (b - a), d = a + phi * (b - a);
        double Lc = L(c), Ld = L(d);
        for (int it = 0; it < 50; ++it) {  // one new evaluation per step
          if (Lc > Ld) {
            b = d, d = c, Ld = Lc, c = b - phi * (b - a), Lc = L(c);
          } else {
            a = c, c = d, Lc = Ld, d = a + phi * (b - a), Ld = L(d);
          }
        }
        const double brute = std::max({0.0, L(0.0), Lc, Ld});
        INFO("brute " << std::setprecision(17) << brute << " bound " << bound);
        CHECK(brute <= bound + 1e-12 * std::max(1.0, bound));
        CHECK(bound <= brute + 1e-8 * std::max(1.0, bound));
        worst = std::max(worst, bound - brute);
      }
    }
  }
  MESSAGE("largest excess of the Lagrangian converse over the brute-force dual: " << worst);
}

TEST_CASE("γ < 0: peaked cells whose optimum leaves 1 - p far below 1e-16") {
  // β < 1: near p = 1 the loss goes as (1-p)^(1-β), so a heavy symbol's
  // optimal 1 - p can be 1e-20 (r_light = 1e-7, β = 0.68 gives 3.3e-20). Against
  // min over t = ln q of r_t g(1 - q) + r_l g(q) (the two-symbol cell,
  // p_light = q) on a grid in t with golden refinement, q kept as q.
  auto two_symbol_grid = [](const std::vector<double>& r, double beta) {
    auto F = [&](double t) {
      const double q = std::exp(t);
      const double heavy = std::pow(q, -beta) * -std::log1p(-q);  // g(1 - q)
      return r[0] * heavy + r[1] * g(q, beta);
    };
    return grid_min(F, -700.0, std::log(0.5));
  };
  double worst = 0.0;
  for (double beta : {0.1, 0.5, 0.6788588220554745, 0.9, 1.0}) {
    for (double light : {1e-3, 1e-6, 1.7744819602234384e-07, 1e-9, 2.8192111316799305e-10, 1e-12}) {
      const std::vector<double> r{1.0 - light, light};
      const double grid = two_symbol_grid(r, beta);
      for (bool slack : {false, true}) {  // slack never helps where g decreases
        std::vector<double> p(2);
        const auto solved = negative_gamma_cell(r.data(), 2, -beta, slack, p.data());
        INFO("beta " << beta << " light " << light << " slack " << slack);
        REQUIRE(solved.converged);
        CHECK(solved.cost <= grid * (1.0 + 1e-12));
        CHECK(solved.cost == doctest::Approx(grid).epsilon(1e-9));
        // Its PMF, read as a full PMF on the cell, costs what it says.
        CHECK(focalrd::cell_distortion(r.data(), p.data(), 2, -beta) ==
              doctest::Approx(solved.cost).epsilon(1e-13));
        worst = std::max(worst, std::fabs(grid - solved.cost) / solved.cost);
      }
    }
  }
  MESSAGE("largest relative difference from the grid in ln q: " << worst);
  // The exact search at M = 1 (the whole alphabet) reports the same optimum.
  const std::vector<double> peaked{0.9999998225518041, 1.7744819602234384e-07};
  const auto one = exact_at(peaked, 1, -0.6788588220554745);
  CHECK(one.value == doctest::Approx(two_symbol_grid(peaked, 0.6788588220554745)).epsilon(1e-9));
}

TEST_CASE("γ < 0: a review's cases: β = 1 near p = 1, a tiny d*, optima beyond doubles, γ = -10") {
  // β = 1 with a dominant symbol: g'' by its series (the closed form cancels).
  const auto a = exact_at({0.6, 0.4, 3e-10}, 2, -1.0);
  REQUIRE(a.certified);
  const focalrd::Problem pa(focalrd::Source::from_pmf({0.6, 0.4, 3e-10}, [] {
    focalrd::SourceOptions o;
    o.normalize = true;
    return o;
  }()), 2, -1.0);
  CHECK(focalrd::lagrangian_converse(pa) <= a.value * (1.0 + 1e-14));
  // A tiny d*: the Lagrangian converse without cancellation (it was 2^-51).
  const std::vector<double> tiny{1.0 - 1e-17, 1e-17};
  const focalrd::Problem pt(focalrd::Source::from_pmf(tiny), 1, -1e-9);
  const auto t = exact_at(tiny, 1, -1e-9);
  REQUIRE(t.certified);
  CHECK(t.value > 0.0);
  CHECK(focalrd::lagrangian_converse(pt) <= t.value * (1.0 + 1e-12));
  CHECK(focalrd::lagrangian_converse(pt) >= t.value * (1.0 - 1e-6));
  // γ = -0.99 and a mass 1e-5: the optimum's 1 - p is near 1e-300, beyond
  // doubles: refused by exact (one line, exit 2), left out by bounds.
  using focalrd::test::run_cli;
  const auto refused = run_cli("exact --pmf 1,1e-5 --normalize -M 1 --gamma -0.99");
  CHECK(refused.status == 2);
  CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
  CHECK(refused.err.find("below what doubles hold") != std::string::npos);
  const auto skipped = run_cli("bounds --pmf 1,1e-5 --normalize -M 1 --gamma -0.99 --format json");
  CHECK(skipped.out.find("\"exact\":null") != std::string::npos);
  CHECK(skipped.out.find("\"achievability_reoptimised\":null") != std::string::npos);
  // γ = -10, M = 1, the whole alphabet: certified or not, the interval holds
  // d*, here the minimum over p of r_0 g(p) + r_1 g(1 - p) on a grid.
  const std::vector<double> pair{1.0 - 1e-15, 1e-15};
  const auto w = exact_at(pair, 1, -10.0);
  const double grid = grid_min(
      [&](double p) {
        return pair[0] * g(p, 10.0) + pair[1] * std::pow(p, -10.0) * -std::log1p(-p);
      },
      1e-9, 1.0 - 1e-9);
  CHECK(w.lower_bound <= grid * (1.0 + 1e-12));
  CHECK(grid <= w.value * (1.0 + 1e-12));
  double sum = 0.0;
  for (double x : w.code.cells.at(0).pmf) sum += x;
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE(
    "γ < 0: one symbol's inner minimum is global, and a cell's dual meets its cost where the cell "
    "is convex") {
  // What branch-and-bound's node bound rests on (bnb/node_bound.hpp): h(λ) =
  // min_p r g(p) + λ p globally (against the refined grid), its minimiser's
  // dp/d ln λ (against central differences), and the cell's dual optimum: the
  // cost for β >= 1 (strong duality, with the solver's multiplier), below it
  // otherwise.
  using focalrd::detail::negative_gamma_cap;
  using focalrd::detail::negative_gamma_dual;
  using focalrd::detail::negative_gamma_inner;
  auto rng = focalrd::test::rng("negative gamma inner minimum");
  for (double beta : {0.3, 0.8, 1.0, 1.5, 3.0}) {
    const double cap = negative_gamma_cap(beta);
    for (int trial = 0; trial < 6; ++trial) {
      const double r = std::pow(10.0, focalrd::test::uniform(rng, -4.0, 0.0));
      for (double lambda : {0.0, 1e-3, 0.05, 0.4, 3.0}) {
        double s = HUGE_VAL;
        const auto in = negative_gamma_inner(r, beta, cap, lambda, s);
        const double h = in.loss + lambda * in.p;
        const double brute = dual_by_grid({r}, beta, 0.0, lambda);
        INFO("beta " << beta << " r " << r << " lambda " << lambda << " h " << h << " brute "
                     << brute);
        CHECK(h <= brute + 1e-12 * std::max(1.0, brute));
        CHECK(brute <= h + 1e-9 * std::max(1.0, h));
        CHECK(in.p + in.q == doctest::Approx(1.0).epsilon(1e-15));
        if (lambda > 0.0 && in.p < 0.5 && in.dp_dx != 0.0) {
          const double d = 1e-5;
          double s1 = s, s2 = s;
          const double up = negative_gamma_inner(r, beta, cap, lambda * std::exp(d), s1).p;
          const double down = negative_gamma_inner(r, beta, cap, lambda * std::exp(-d), s2).p;
          CHECK(in.dp_dx == doctest::Approx((up - down) / (2.0 * d)).epsilon(1e-5));
        }
      }
    }
    for (int trial = 0; trial < 8; ++trial) {
      const int k = focalrd::test::uniform_int(rng, 1, 6);
      const std::vector<double> r = focalrd::test::random_masses(rng, k, trial);
      const auto cell = negative_gamma_cell(r.data(), r.size(), -beta, true, nullptr);
      const auto dual = negative_gamma_dual(r.data(), r.size(), -beta, 1.0);
      INFO("beta " << beta << " k " << k << " cost " << cell.cost << " dual " << dual.value);
      CHECK(dual.value <= cell.cost * (1.0 + 1e-12));
      if (beta >= 1.0 || k == 1) {
        CHECK(dual.value == doctest::Approx(cell.cost).epsilon(1e-11));
        CHECK(dual.lambda == doctest::Approx(cell.lambda).epsilon(1e-6).scale(1e-12));
      } else {
        CHECK(std::isnan(cell.lambda));
      }
    }
  }
}

TEST_CASE(
    "γ < 0: branch-and-bound agrees with the DP (ties, zero masses, any thread count) and reaches "
    "past 20 symbols") {
  auto rng = focalrd::test::rng("negative gamma branch and bound");
  for (double gamma : {-0.3, -0.8, -1.0, -1.5, -3.0}) {
    // Masses of every shape; the extreme ones (down to 1e-15, whose cells
    // take the global solver longest) on fewer symbols.
    for (int trial = 0; trial < 5; ++trial) {
      const int n = focalrd::test::uniform_int(rng, 5, trial == 2 || trial == 3 ? 6 : 9);
      std::vector<double> pmf = focalrd::test::random_masses(rng, n, trial);
      if (trial % 2 == 1) pmf[2] = pmf[1] = pmf[0];  // a tie class
      if (trial == 0) pmf.push_back(0.0);            // a symbol of mass 0
      pmf = focalrd::test::normalised(pmf);
      for (long long M : {2LL, 3LL, static_cast<long long>(n - 1)}) {
        const auto d = exact_at(pmf, M, gamma, focalrd::SearchMethod::dp);
        focalrd::ExactOptions o;
        o.method = focalrd::SearchMethod::bnb;
        const focalrd::Problem problem(focalrd::Source::from_pmf(pmf), M, gamma);
        o.threads = 1;
        const auto one = focalrd::solve_exact(problem, o);
        o.threads = 2;
        const auto two = focalrd::solve_exact(problem, o);
        INFO("gamma " << gamma << " n " << n << " M " << M << " trial " << trial);
        REQUIRE(d.certified);
        REQUIRE(one.certified);
        CHECK(one.value == doctest::Approx(d.value).epsilon(1e-10));
        CHECK(one.lower_bound <= one.value);
        CHECK(focalrd::code_distortion(pmf, one.code, gamma) ==
              doctest::Approx(one.value).epsilon(1e-13));
        CHECK(two.value == one.value);
        CHECK(two.lower_bound == one.lower_bound);
        CHECK(two.stats.nodes == one.stats.nodes);
        REQUIRE(two.code.cells.size() == one.code.cells.size());
        for (std::size_t c = 0; c < one.code.cells.size(); ++c) {
          CHECK(two.code.cells[c].symbols == one.code.cells[c].symbols);
          CHECK(two.code.cells[c].pmf == one.code.cells[c].pmf);
        }
      }
    }
  }
  // 24 symbols, beyond enumeration and the DP at γ < 0: at β = 3 each cell of
  // at most 1/p* = 6.7 symbols gives every symbol p*, so with 4 cells
  // d* = g(p*) exactly, and the bound meets it at the root.
  std::vector<double> pmf = focalrd::test::normalised(focalrd::test::random_masses(rng, 24, 1));
  const auto b = exact_at(pmf, 4, -3.0);
  CHECK(b.method == "bnb");
  REQUIRE(b.certified);
  CHECK(b.value == doctest::Approx(g(negative_gamma_minimiser(3.0), 3.0)).epsilon(1e-12));
}

TEST_CASE("γ < 0: masses near 1e-300 beside a heavy one (a review's cases): finite, certified, "
          "and each printed code costs its printed value") {
  // Such a cell's multiplier is of the light masses' order (λ = -r g'(p) for
  // the symbol that takes the spare mass): the solver's bracket reaches it
  // geometrically. Before, the bisection from [-1, 0] or [0, 1] stopped at
  // its iteration limit, and exact printed inf, or a value its code did not
  // have, or a poor whole-alphabet PMF.
  auto check_case = [](std::vector<double> pmf, long long M, double gamma) {
    pmf = focalrd::test::normalised(pmf);
    const auto b = exact_at(pmf, M, gamma, focalrd::SearchMethod::bnb);
    const auto d = exact_at(pmf, M, gamma, focalrd::SearchMethod::dp);
    INFO("M " << M << " gamma " << gamma << " n " << pmf.size() << " bnb " << b.value << " dp "
              << d.value);
    CHECK(std::isfinite(b.value));
    CHECK(b.certified);
    CHECK(d.certified);
    CHECK(b.value == doctest::Approx(d.value).epsilon(1e-12));
    CHECK(focalrd::code_distortion(pmf, b.code, gamma) == doctest::Approx(b.value).epsilon(1e-13));
    CHECK(focalrd::code_distortion(pmf, d.code, gamma) == doctest::Approx(d.value).epsilon(1e-13));
    return b.value;
  };
  check_case({1e-200, 1.0, 1e-210}, 2, -1.0001);
  check_case({7.511654665574494e-300, 1.0}, 1, -1.001);
  check_case({1.0, 1.0099218645475035e-204, 3.8218321183644554e-179, 9.021516543486195e-205}, 3,
             -3.0);
  check_case({1.1530171719462262e-151, 4.8282344346329285e-223, 1.0, 1.0704093786679053e-202,
              3.579471794516857e-174},
             3, -1.1);
  // Closed forms: the heavy symbols at p*, a light one taking the rest at no
  // cost (its mass times a finite loss is below rounding).
  for (double beta : {1.5, 3.0, 9.99}) {
    const double star = negative_gamma_minimiser(beta);
    CHECK(check_case({1e-300, 1.0}, 1, -beta) == doctest::Approx(g(star, beta)).epsilon(1e-12));
    CHECK(check_case({1.6529091749065153e-300, 1.0, 1.6529091749065153e-300}, 1, -beta) ==
          doctest::Approx(g(star, beta)).epsilon(1e-12));
  }
  CHECK(check_case({0.13, 2e-242, 0.87}, 2, -3.0) ==
        doctest::Approx(g(negative_gamma_minimiser(3.0), 3.0)).epsilon(1e-12));
  // And at random: light masses from 1e-300 to 1e-150 among heavy ones.
  auto rng = focalrd::test::rng("negative gamma light masses");
  for (int trial = 0; trial < 40; ++trial) {
    const int n = focalrd::test::uniform_int(rng, 2, 6);
    std::vector<double> pmf(n);
    for (double& x : pmf)
      x = focalrd::test::uniform(rng, 0.0, 1.0) < 0.5
              ? std::pow(10.0, -focalrd::test::uniform(rng, 150.0, 300.0))
              : focalrd::test::uniform(rng, 0.1, 1.0);
    pmf[focalrd::test::uniform_int(rng, 0, n - 1)] = 1.0;  // at least one heavy symbol
    const double gamma = std::vector<double>{-1.0001, -1.1, -1.5, -3.0, -9.99}[trial % 5];
    check_case(pmf, focalrd::test::uniform_int(rng, 1, 3), gamma);
  }
}
