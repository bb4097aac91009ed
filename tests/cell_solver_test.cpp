#include "focalrd/cell_solver.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "detail/kkt.hpp"
#include "detail/logit_batch.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/tolerances.hpp"
#include "support/random.hpp"

using namespace focalrd;

namespace {

double solve_cost(CellSolverType type, const std::vector<double>& r, double gamma,
                  std::vector<double>* pmf = nullptr) {
  const auto solver = CellSolver::create(type);
  const CellSolution s = solver->solve(r, gamma, pmf);
  REQUIRE(s.status == SolveStatus::converged);
  return s.cost;
}

// The random and extreme cells of the solver comparisons: 3000 of them, 2 to
// 64 symbols of every shape of test::random_masses, γ up to 50.
// Calls f(trial, r, gamma) for each of them, always the same ones.
template <typename F>
void for_agreement_cells(F f) {
  static const std::vector<double> gammas{0.0, 0.01, 0.25, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0};
  auto g = test::rng("solver agreement");
  for (int trial = 0; trial < 3000; ++trial) {
    const int k = trial % 10 == 0 ? 64 : test::uniform_int(g, 2, trial % 3 == 0 ? 64 : 12);
    const std::vector<double> r = test::normalised(test::random_masses(g, k, trial));
    f(trial, r, trial % 2 ? gammas[trial / 2 % gammas.size()] : test::uniform(g, 0.0, 50.0));
  }
}

}  // namespace

TEST_CASE("cell solver names round-trip and unknown names are refused") {
  for (CellSolverType t : all_cell_solver_types())
    CHECK(cell_solver_type_from_string(to_string(t)) == t);
  CHECK_THROWS_WITH_AS(cell_solver_type_from_string("newton"),
                       "cell solver 'newton' is not known; use one of kkt, nlopt",
                       std::invalid_argument);
}

TEST_CASE("closed forms: γ = 0, equal pairs, single symbols, zero masses") {
  for (CellSolverType type : all_cell_solver_types()) {
    INFO("solver " << to_string(type));
    // γ = 0: c(S) = Σ r_a ln(R(S)/r_a), with p_a = r_a / R(S).
    const std::vector<double> r{0.1, 0.05, 0.25, 0.02};
    const double total = 0.42;
    double expected = 0.0;
    for (double x : r) expected += x * std::log(total / x);
    std::vector<double> pmf;
    CHECK(solve_cost(type, r, 0.0, &pmf) == doctest::Approx(expected).epsilon(1e-13));
    for (std::size_t a = 0; a < r.size(); ++a)
      CHECK(pmf[a] == doctest::Approx(r[a] / total).epsilon(1e-9));
    // Two equal masses r: p = 1/2 each, cost 2 r 2^(-γ) ln 2.
    for (double gamma : {0.0, 0.5, 1.0, 4.0, 50.0})
      CHECK(solve_cost(type, {0.2, 0.2}, gamma) ==
            doctest::Approx(0.4 * std::pow(2.0, -gamma) * std::log(2.0)).epsilon(1e-13));
    // One symbol, or one symbol of positive mass: exact reconstruction.
    CHECK(solve_cost(type, {0.3}, 2.0) == 0.0);
    CHECK(solve_cost(type, {0.0, 0.3, 0.0}, 2.0, &pmf) == 0.0);
    CHECK(pmf == std::vector<double>{0.0, 1.0, 0.0});
    // Zero masses get no reconstruction mass and do not change the cost.
    CHECK(solve_cost(type, {0.2, 0.0, 0.1}, 1.5, &pmf) ==
          doctest::Approx(solve_cost(type, {0.2, 0.1}, 1.5)).epsilon(1e-14));
    CHECK(pmf[1] == 0.0);
  }
}

TEST_CASE("KKT solution satisfies the stationarity conditions r_a φ(p_a) = λ") {
  auto g = test::rng("kkt stationarity");
  const auto solver = CellSolver::create(CellSolverType::kkt);
  for (int trial = 0; trial < 300; ++trial) {
    const int k = test::uniform_int(g, 2, 40);
    const std::vector<double> r = test::random_masses(g, k, trial);
    const double gamma = test::uniform(g, 0.0, 20.0);
    std::vector<double> p;
    REQUIRE(solver->solve(r, gamma, &p).status == SolveStatus::converged);
    double sum = 0.0;
    for (double x : p) sum += x;
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-15));
    // All r_a φ(p_a) equal, up to the precision of p (relative to q_a).
    const double lambda = r[0] * focal_phi(p[0], 1.0 - p[0], gamma);
    for (int a = 1; a < k; ++a) {
      INFO("trial " << trial << " k=" << k << " gamma=" << gamma << " a=" << a);
      if (p[a] > 0.5) continue;  // 1 - p rounds for the dominant symbol
      CHECK(r[a] * focal_phi(p[a], 1.0 - p[a], gamma) == doctest::Approx(lambda).epsilon(1e-9));
    }
  }
}

TEST_CASE("KKT and NLopt agree on random and extreme cells") {
  const auto kkt = CellSolver::create(CellSolverType::kkt);
  const auto nlopt = CellSolver::create(CellSolverType::nlopt);
  int checked = 0;
  double worst = 0.0;
  for_agreement_cells([&](int trial, const std::vector<double>& r, double gamma) {
    const std::size_t k = r.size();
    const CellSolution a = kkt->solve(r, gamma, nullptr);
    const CellSolution b = nlopt->solve(r, gamma, nullptr);
    INFO("trial " << trial << " k=" << k << std::setprecision(17) << " gamma=" << gamma
                  << " shape=" << trial % 5);
    std::ostringstream masses;
    masses << std::setprecision(17);
    for (double x : r) masses << x << ' ';
    INFO("masses " << masses.str());
    INFO(std::setprecision(17) << "kkt " << a.cost << " nlopt " << b.cost << " ("
                               << to_string(b.status) << ")");
    REQUIRE(a.status == SolveStatus::converged);
    CHECK(b.status != SolveStatus::failed);
    CHECK(tol::agrees(b.cost, a.cost, tol::kSolverAgreementRel, tol::kSolverAgreementAbs));
    // The exact solver is never beaten by more than rounding.
    CHECK(a.cost <= b.cost * (1 + 1e-14) + 1e-300);
    worst = std::max(worst, std::fabs(b.cost - a.cost) / std::max(a.cost, 1e-300));
    ++checked;
  });
  MESSAGE("cells compared: " << checked << ", worst relative difference " << worst);
}

TEST_CASE("the KKT solver's cost alone (no PMF asked for) is the cost of the full solve") {
  // Without a PMF to return, the solve stops a Newton pass earlier (logits to
  // about 1e-12): the cost, stationary at the optimum, must not move.
  const auto kkt = CellSolver::create(CellSolverType::kkt);
  double worst = 0.0;
  for_agreement_cells([&](int trial, const std::vector<double>& r, double gamma) {
    std::vector<double> pmf;
    const CellSolution full = kkt->solve(r, gamma, &pmf);
    const CellSolution alone = kkt->solve(r, gamma, nullptr);
    INFO("trial " << trial << " k=" << r.size() << " gamma=" << gamma);
    CHECK(alone.status == SolveStatus::converged);
    // Both are summed from e^(γ ln q): a rounding of ln q moves a term by γ
    // times it, so at large γ two solves agree to about 4γε, not better
    // (trial 2447, k = 2, γ = 50: each within 7e-15 of the optimum computed
    // to 50 digits, on either side of it).
    const double tolerance = std::max(1e-14, 4.0 * gamma * DBL_EPSILON);
    CHECK(std::fabs(alone.cost - full.cost) <= tolerance * full.cost + 1e-300);
    CHECK(alone.evaluations <= full.evaluations);
    worst = std::max(worst, std::fabs(alone.cost - full.cost) / std::max(full.cost, 1e-300));
  });
  MESSAGE("worst relative difference: " << worst);
}

TEST_CASE("at large γ the cost alone is still the cost of the full solve (found in review)") {
  // The cost's curvature in the logits grows like γ², so the last step taken
  // without evaluating after it must shrink with γ: at 5e-3 for every γ, the
  // cost alone was 3.4e-12 off at γ = 1000 (r = (1, 1/2, 1/2, 1/2), optimum
  // to 40 digits 3.7965304173979870e-125 nats), where 4γε is the rounding
  // that e^(γ ln q) carries.
  const auto kkt = CellSolver::create(CellSolverType::kkt);
  const CellSolution four = kkt->solve({1.0, 0.5, 0.5, 0.5}, 1000.0, nullptr);
  CHECK(four.cost / std::log(2.0) ==
        doctest::Approx(3.7965304173979870e-125).epsilon(4.0 * 1000.0 * DBL_EPSILON));
  auto g = test::rng("large gamma cost alone");
  for (int trial = 0; trial < 3000; ++trial) {
    const int k = test::uniform_int(g, 2, 8);
    const std::vector<double> r = test::random_masses(g, k, trial);
    const double gamma = std::exp(test::uniform(g, std::log(100.0), std::log(1000.0)));
    std::vector<double> pmf;
    const CellSolution full = kkt->solve(r, gamma, &pmf);
    const CellSolution alone = kkt->solve(r, gamma, nullptr);
    INFO("trial " << trial << " k=" << k << std::setprecision(17) << " gamma=" << gamma);
    CHECK(std::fabs(alone.cost - full.cost) <= 4.0 * gamma * DBL_EPSILON * full.cost + 1e-300);
  }
}

TEST_CASE("near-tied largest masses at large γ stay in the joint iteration (found in review)") {
  // With -ln(1 - x) of the start from its series to x⁴ up to x = 1/2, these
  // cells left the joint Newton iteration for the nested one: 80, 69 and 105
  // evaluations per symbol (10 to 21 with the start within 1.2e-6).
  const std::vector<std::pair<double, std::vector<double>>> cells{
      {50.0,
       {1.1270197535592638e+36, 1.1270197543326573e+36, 3.3666528102079184e+33,
        2.5066770766201625e+33, 1.3224288715049269e+34, 6.1066887743235279e+33,
        3.8683405896134304e+35, 2.3499063978692938e+34, 1.8679506567025509e+35,
        3.5732178148388502e+32, 5.9840592110323414e+31}},
      {343.40072192660625,
       {0.99999999984274734, 0.99999999997941169, 0.17305511485369404, 5.5383327360498607e-05,
        0.093248539340351377, 0.0097930697918707788, 0.020051845446944907}},
      {173.19216097088747, {6.3965796433345415e+26, 59389411052369528,      1355238974573926.2,
                            6.197993822129788e+20,  47342390227852.719,     3.5059843138082256e+20,
                            2.2636411917676393e+21, 5.8388451411933914e+17, 4.3670431745756286e+26,
                            5.9749953067194266e+20, 6.0570009835371622e+26, 9.3859818524116517e+19,
                            1.5656676227479023e+22, 69524014222280792,      1.7006818584460985e+26,
                            5.4507151566808572e+19, 3.4742568483572842e+25, 8.4231193957143098e+26,
                            5.1401584439032248e+18, 12327070665916.273,     3.5242582770628166e+19,
                            104199615776.44032,     410486924355648.62,     1.0171019298445941e+19,
                            2524159497846.5176,     2.5692415655919211e+27}}};
  for (const auto& [gamma, r] : cells) {
    const detail::CellOptimum opt = detail::kkt_cell(r.data(), r.size(), gamma, nullptr);
    INFO("k=" << r.size() << " gamma=" << gamma);
    REQUIRE(opt.converged);
    CHECK(opt.evaluations <= 30 * static_cast<int>(r.size()));
  }
}

TEST_CASE("the KKT optimum is below random feasible PMFs (convexity spot check)") {
  auto g = test::rng("below random pmfs");
  const auto kkt = CellSolver::create(CellSolverType::kkt);
  for (int trial = 0; trial < 200; ++trial) {
    const int k = test::uniform_int(g, 2, 8);
    const std::vector<double> r = test::random_masses(g, k, trial);
    const double gamma = test::uniform(g, 0.0, 6.0);
    const double best = kkt->solve(r, gamma, nullptr).cost;
    std::vector<double> p = test::normalised(test::random_masses(g, k, 1));
    CHECK(best <= cell_distortion(r.data(), p.data(), k, gamma));
  }
}

namespace {
// Runs the rest of a test on one path of evaluate_logits, then restores it.
struct OnPath {
  detail::MathPath saved = detail::math_path();
  bool ok;
  explicit OnPath(detail::MathPath path) : ok(detail::set_math_path(path)) {}
  ~OnPath() { detail::set_math_path(saved); }
};

// The vector paths this CPU has (AVX2, AVX-512), each compared with the scalar one.
std::vector<detail::MathPath> vector_paths() {
  std::vector<detail::MathPath> out;
  for (detail::MathPath path : {detail::MathPath::avx2, detail::MathPath::avx512})
    if (OnPath(path).ok) out.push_back(path);
  if (out.empty()) MESSAGE("this CPU has no AVX2: only the scalar path runs here");
  return out;
}

// The scalar path and the vector paths this CPU has.
std::vector<detail::MathPath> every_path() {
  std::vector<detail::MathPath> out{detail::MathPath::scalar};
  for (const detail::MathPath path : vector_paths()) out.push_back(path);
  return out;
}
}  // namespace

TEST_CASE("the vector paths of ℓ agree with the scalar one to 1e-13, value by value") {
  for (const detail::MathPath vector : vector_paths()) {
    INFO("path " << detail::to_string(vector));
    std::vector<double> s;
    for (double x = -745.0; x <= 745.0; x += 0.37) s.push_back(x);
    for (double x : {-1e300, -1e20, -40.0, -1e-300, 0.0, 1e-300, 1e-9, 40.0, 1e20, 1e300})
      s.push_back(x);
    const std::size_t k = s.size();
    for (const double gamma : {1e-300, 1e-8, 0.5, 1.0, 4.0, 37.5, 1e6, 1e300}) {
      std::vector<std::vector<double>> out[2];
      for (int path = 0; path < 2; ++path) {
        OnPath on(path ? vector : detail::MathPath::scalar);
        out[path].assign(6, std::vector<double>(k));
        auto& o = out[path];
        detail::evaluate_logits(
            s.data(), k, gamma,
            {o[0].data(), o[1].data(), o[2].data(), o[3].data(), o[4].data(), o[5].data()});
      }
      for (std::size_t a = 0; a < k; ++a)
        for (int f = 0; f < 6; ++f) {
          const double x = out[0][f][a], y = out[1][f][a];
          INFO("gamma " << gamma << " s " << s[a] << " field " << f << ": " << x << " vs " << y);
          CHECK(std::isfinite(y) == std::isfinite(x));
          if (std::isfinite(x)) CHECK(std::fabs(x - y) <= 1e-13 * std::fabs(x) + 1e-300);
        }
    }
  }
}

TEST_CASE("ℓ'' of the Newton pass is the slope's difference quotient, on every path") {
  // The second derivative that the KKT iteration's Chebyshev correction uses:
  // against (ℓ'(s + h) - ℓ'(s - h)) / 2h on the scalar path (within its
  // truncation and rounding, about 1e-9 (1 + γ)), and each vector path
  // against the scalar one.
  std::vector<double> s;
  for (double x = -40.0; x <= 40.0; x += 0.37) s.push_back(x);
  const std::size_t k = s.size();
  const std::vector<double> zero(k, 0.0);
  auto pass = [&](const std::vector<double>& at, double gamma, detail::MathPath path) {
    OnPath on(path);
    std::vector<double> p(k), q(k), log_p(k), log_q(k), e(k), inv_slope(k), curvature(k);
    detail::newton_pass(at.data(), zero.data(), zero.data(), 0.0, k, gamma,
                        {p.data(), q.data(), log_p.data(), log_q.data(), e.data(), inv_slope.data(),
                         curvature.data()});
    std::vector<double> slope(k);
    for (std::size_t a = 0; a < k; ++a) slope[a] = 1.0 / inv_slope[a];
    return std::make_pair(slope, curvature);
  };
  for (const double gamma : {1e-8, 0.5, 1.0, 4.0, 37.5}) {
    std::vector<double> up(k), down(k);
    const double h = 1e-5;
    for (std::size_t a = 0; a < k; ++a) {
      up[a] = s[a] + h;
      down[a] = s[a] - h;
    }
    const auto [slope, curvature] = pass(s, gamma, detail::MathPath::scalar);
    const auto high = pass(up, gamma, detail::MathPath::scalar).first;
    const auto low = pass(down, gamma, detail::MathPath::scalar).first;
    for (std::size_t a = 0; a < k; ++a) {
      INFO("gamma " << gamma << " s " << s[a]);
      CHECK(std::fabs(curvature[a] - (high[a] - low[a]) / (2.0 * h)) <= 1e-8 * (1.0 + gamma));
    }
    for (const detail::MathPath vector : vector_paths()) {
      const auto on_vector = pass(s, gamma, vector).second;
      for (std::size_t a = 0; a < k; ++a) {
        INFO("path " << std::string(detail::to_string(vector)) << " gamma " << gamma << " s "
                     << s[a]);
        CHECK(std::fabs(on_vector[a] - curvature[a]) <= 1e-13 * (1.0 + gamma));
      }
    }
  }
}

TEST_CASE("the vector paths' own log and exp are within 2 ulps of libm's") {
  for (const detail::MathPath vector : vector_paths()) {
    INFO("path " << detail::to_string(vector));
    OnPath on(vector);
    auto within = [](double y, double ref, double ulps) {
      const double ulp = std::nextafter(std::fabs(ref), HUGE_VAL) - std::fabs(ref);
      return std::fabs(y - ref) <= ulps * ulp;
    };
    // ln x over the whole positive range, subnormals included, and both sides
    // of the reduction's seam at sqrt(1/2)
    std::vector<double> x{1.0,
                          std::nextafter(1.0, 0.0),
                          std::nextafter(1.0, 2.0),
                          2.0,
                          0.5,
                          std::sqrt(0.5),
                          std::nextafter(std::sqrt(0.5), 0.0),
                          4.9e-324,
                          2.2e-308,
                          1.7976931348623157e308};
    auto g = test::rng("own log and exp");
    for (int i = 0; i < 20000; ++i)
      x.push_back(std::ldexp(test::uniform(g, 1.0, 2.0), test::uniform_int(g, -1074, 1023)));
    for (int i = 0; i < 20000; ++i) x.push_back(test::uniform(g, 0.5, 1.5));
    std::vector<double> y(x.size());
    detail::log_batch(x.data(), x.size(), y.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
      INFO("ln " << x[i]);
      CHECK(within(y[i], std::log(x[i]), 2.0));
    }
    // e^t for t in [-746, 0], through a one-symbol weighted loss r e^(γ ln q) (-ln p)
    // with r = 1, γ = 1, ln p = -1; subnormal results to within 2 of their spacing
    for (int i = 0; i <= 40000; ++i) {
      const double t = i < 40000 ? test::uniform(g, -746.0, 0.0) : 0.0;
      const double one = 1.0, minus_one = -1.0;
      const double e = detail::weighted_losses(&one, &minus_one, &t, 1, 1.0);
      const double ref = std::exp(t);
      INFO("exp " << t);
      CHECK((within(e, ref, 2.0) || std::fabs(e - ref) <= 1e-323));
    }
  }
}

TEST_CASE(
    "first_largest is std::max_element's and sum_except the sum without one term, every path") {
  auto g = test::rng("first largest");
  for (const detail::MathPath path : every_path()) {
    OnPath on(path);
    for (int k = 1; k <= 40; ++k)
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> x = test::random_masses(g, k, 1);
        if (trial % 2 && k > 2) x[k - 1] = x[k / 2] = x[1] = 2.0;  // ties: the first one counts
        INFO("path " << detail::to_string(path) << ", k " << k << ", trial " << trial);
        const std::size_t n = x.size();
        const std::size_t top = std::max_element(x.begin(), x.end()) - x.begin();
        CHECK(detail::first_largest(x.data(), n) == top);
        for (const std::size_t skip : {top, n, n / 2}) {
          double sum = 0.0;
          for (std::size_t a = 0; a < n; ++a) sum += a != skip ? x[a] : 0.0;
          CHECK(std::fabs(detail::sum_except(x.data(), n, skip) - sum) <= 1e-15 * sum);
        }
      }
  }
}

TEST_CASE(
    "the log-loss start's series is within 1.2e-6 of -ln(1 - x), the same bits on every path") {
  auto g = test::rng("log-loss series");
  for (const std::size_t k : {std::size_t{2}, std::size_t{7}, std::size_t{30}, std::size_t{67}}) {
    std::vector<double> r(k), log_r(k);
    for (std::size_t a = 0; a < k; ++a) {
      r[a] = a == 0 ? 0.5 : test::uniform(g, 0.0, 0.5);  // x = r: 0 < x <= 1/2
      log_r[a] = std::log(r[a]);
    }
    r[k - 1] = 1e-300;
    log_r[k - 1] = std::log(r[k - 1]);
    std::vector<double> scalar(k), vector(k);
    {
      OnPath on(detail::MathPath::scalar);
      CHECK_FALSE(detail::log_loss_series(r.data(), log_r.data(), k, 0.25, 1.0, scalar.data()));
    }
    for (std::size_t a = 0; a < k; ++a) {
      INFO("x " << r[a]);
      CHECK(std::fabs(scalar[a] - (log_r[a] + 0.25 - std::log1p(-r[a]))) <= 1.2e-6);
    }
    std::vector<double> last = r;  // only the last x beyond 1/2
    last[k - 1] = 0.6;
    for (const detail::MathPath path : every_path()) {
      INFO("path " << detail::to_string(path) << ", k " << k);
      OnPath on(path);
      CHECK_FALSE(detail::log_loss_series(r.data(), log_r.data(), k, 0.25, 1.0, vector.data()));
      CHECK(vector == scalar);
      // x beyond 1/2: the first symbol (scale 1.01), or only the last one
      CHECK(detail::log_loss_series(r.data(), log_r.data(), k, 0.25, 1.01, vector.data()));
      CHECK(detail::log_loss_series(last.data(), log_r.data(), k, 0.25, 1.0, vector.data()));
    }
  }
}

TEST_CASE("the KKT solver agrees with itself on every path to 1e-13 on random and extreme cells") {
  for (const detail::MathPath vector : vector_paths()) {
    INFO("path " << detail::to_string(vector));
    // The cells of "KKT and NLopt agree" (γ up to 50). Far beyond, the cost
    // q^γ ln(1/p) is itself ill-conditioned (γ times the error of ln q), on
    // either path; ℓ itself agrees there too (the test above).
    const auto kkt = CellSolver::create(CellSolverType::kkt);
    double worst = 0.0;
    for_agreement_cells([&](int trial, const std::vector<double>& r, double gamma) {
      const std::size_t k = r.size();
      CellSolution sol[2];
      for (int path = 0; path < 2; ++path) {
        OnPath on(path ? vector : detail::MathPath::scalar);
        sol[path] = kkt->solve(r, gamma, nullptr);
      }
      INFO("trial " << trial << " k=" << k << " gamma=" << gamma << std::setprecision(17) << ": "
                    << sol[0].cost << " vs " << sol[1].cost);
      REQUIRE(sol[1].status == SolveStatus::converged);
      const double rel = std::fabs(sol[0].cost - sol[1].cost) / std::max(sol[0].cost, 1e-300);
      CHECK(rel <= 1e-13);
      worst = std::max(worst, rel);
    });
    MESSAGE("worst relative difference between the scalar and the "
            << std::string(detail::to_string(vector)) << " path: " << worst);
  }
}

TEST_CASE("the corrected Newton iteration needs two evaluations per symbol for a cold cell") {
  // Not a timing: the count of evaluations of ℓ is deterministic. From the
  // log-loss start, Newton's method needs three passes for a cell's cost
  // (the second step is still about 1e-3); with the Chebyshev correction the
  // second is the last (its error is cubic), on every path.
  for (const detail::MathPath path : every_path()) {
    OnPath on(path);
    auto g = test::rng("two passes");
    for (const std::size_t k : {std::size_t{12}, std::size_t{30}}) {
      long evaluations = 0;
      const int cells = 200;
      for (int c = 0; c < cells; ++c) {
        std::vector<double> r(k);
        for (double& x : r) x = -std::log(test::uniform(g, 1e-12, 1.0));  // exponential masses
        const detail::CellOptimum opt = detail::kkt_cell(r.data(), k, 1.0, nullptr);
        REQUIRE(opt.converged);
        evaluations += opt.evaluations;
      }
      INFO("path " << std::string(detail::to_string(path)) << " k " << k);
      CHECK(static_cast<double>(evaluations) / (cells * k) <= 2.05);
    }
  }
}

TEST_CASE("the dual terms of many symbols at once equal them one at a time, on every path") {
  // symbol_duals (branch-and-bound's node bound) against symbol_dual: h, p
  // and dp/dx at one multiplier for masses from 1e-300 to 1, from cold and
  // warm logits, the batch's last lanes partial.
  auto g = test::rng("symbol duals");
  for (const detail::MathPath path : every_path()) {
    OnPath on(path);
    for (int trial = 0; trial < 300; ++trial) {
      const int m = test::uniform_int(g, 1, 40);
      const double gamma =
          trial % 3 == 0 ? test::uniform(g, 0.01, 1.0) : test::uniform(g, 1.0, 50.0);
      const double x = test::uniform(g, -40.0, 5.0);
      std::vector<double> r(m), log_r(m), s_one(m), s_all(m);
      std::vector<int> idx(m);
      for (int a = 0; a < m; ++a) {
        r[a] = std::exp(test::uniform(g, -690.0, 0.0));
        log_r[a] = std::log(r[a]);
        idx[a] = m - 1 - a;  // any order
        s_one[a] = s_all[a] = trial % 2 ? -log_r[a] : test::uniform(g, -30.0, 30.0);
      }
      std::vector<detail::SymbolDual> all(m);
      detail::symbol_duals(r.data(), log_r.data(), idx.data(), m, gamma, x, s_all.data(),
                           all.data());
      for (int i = 0; i < m; ++i) {
        const int a = idx[i];
        const detail::SymbolDual one = detail::symbol_dual(r[a], log_r[a], gamma, x, s_one[a]);
        INFO("path " << detail::to_string(path) << " trial " << trial << std::setprecision(17)
                     << " gamma " << gamma << " x " << x << " r " << r[a]);
        CHECK(all[i].h == doctest::Approx(one.h).epsilon(1e-13));
        CHECK(all[i].p == doctest::Approx(one.p).epsilon(1e-13));
        CHECK(all[i].dp_dx == doctest::Approx(one.dp_dx).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("cells that fit four vectors are solved in registers with the same values bit for bit") {
  // joint_newton_small against the iteration over arrays (set_small_cells
  // off): cost, PMF, multiplier and logits identical, cold and warm, k = 2..34
  // (one, two or four vectors of four or of eight, and beyond: arrays on both
  // sides), masses from 1e-300 to 1, γ to 50.
  auto g = test::rng("small cells");
  struct Solved {
    detail::CellOptimum opt;
    std::vector<double> p, logits;
  };
  auto solve = [](const std::vector<double>& r, double gamma, bool registers, bool cost_only,
                  const double* mu_hint, std::vector<double> logits) {
    const bool before = detail::set_small_cells(registers);
    Solved out;
    out.p.assign(r.size(), 0.0);
    out.opt = detail::kkt_cell(r.data(), r.size(), gamma, cost_only ? nullptr : out.p.data(),
                               mu_hint, mu_hint ? logits.data() : nullptr);
    out.logits = logits;
    detail::set_small_cells(before);
    return out;
  };
  int compared = 0;
  for (const detail::MathPath path : vector_paths()) {
    OnPath on(path);
    for (int trial = 0; trial < 4000; ++trial) {
      const int k = test::uniform_int(g, 2, 34);
      std::vector<double> r = test::random_masses(g, k, trial);
      const double gamma = test::uniform(g, 0.01, trial % 4 == 0 ? 50.0 : 10.0);
      const bool cost_only = trial % 2 == 0;
      // A warm start as branch-and-bound makes one: the optimum without the
      // last symbol, which joins with no logit of its own.
      std::vector<double> logits(k, std::nan(""));
      const detail::CellOptimum part = detail::kkt_cell(r.data(), k - 1, gamma, nullptr, nullptr, nullptr);
      const bool warm = trial % 3 != 0 && std::isfinite(part.mu);
      if (warm) {
        std::vector<double> head(k - 1, std::nan(""));
        const double mu0 = part.mu;
        detail::kkt_cell(r.data(), k - 1, gamma, nullptr, &mu0, head.data());
        std::copy(head.begin(), head.end(), logits.begin());
      }
      const double* hint = warm ? &part.mu : nullptr;
      const Solved a = solve(r, gamma, true, cost_only, hint, logits);
      const Solved b = solve(r, gamma, false, cost_only, hint, logits);
      INFO("path " << detail::to_string(path) << " trial " << trial << " k " << k
                   << std::setprecision(17) << " gamma " << gamma << " warm " << warm);
      CHECK(a.opt.cost == b.opt.cost);
      CHECK(a.opt.mu == b.opt.mu);
      CHECK(a.opt.converged == b.opt.converged);
      CHECK(a.p == b.p);
      if (warm) CHECK(a.logits == b.logits);
      ++compared;
    }
  }
  MESSAGE("cells compared: " << compared);
}

TEST_CASE("two cells solved in one vector have the values of one at a time, bit for bit") {
  // kkt_cell_pair (branch-and-bound's siblings; both halves of an AVX-512
  // vector where the CPU has it) against two kkt_cell calls: cost,
  // multiplier, logits; cold and warm, two to four symbols each.
  auto g = test::rng("cell pairs");
  int compared = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const double gamma = test::uniform(g, 0.01, trial % 4 == 0 ? 50.0 : 10.0);
    std::vector<double> r[2], log_r[2], logits[2][2];
    double hint[2];
    bool warm[2];
    for (int c = 0; c < 2; ++c) {
      const int k = test::uniform_int(g, 2, trial % 7 == 0 ? 6 : 4);
      r[c] = test::random_masses(g, k, trial + c);
      for (double x : r[c]) log_r[c].push_back(std::log(x));
      warm[c] = (trial + c) % 3 != 0;
      std::vector<double> head(k - 1, std::nan(""));
      hint[c] = 0.0;
      if (warm[c]) {
        const detail::CellOptimum part = detail::kkt_cell(r[c].data(), k - 1, gamma, nullptr);
        hint[c] = part.mu;
        warm[c] = std::isfinite(part.mu);
        if (warm[c]) detail::kkt_cell(r[c].data(), k - 1, gamma, nullptr, &hint[c], head.data());
      }
      head.push_back(std::nan(""));
      logits[c][0] = logits[c][1] = head;
    }
    detail::CellRequest req[2];
    detail::CellOptimum pair[2], alone[2];
    for (int c = 0; c < 2; ++c) {
      req[c] = {r[c].data(), r[c].size(), warm[c] ? &hint[c] : nullptr,
                warm[c] ? logits[c][0].data() : nullptr, log_r[c].data()};
      alone[c] = detail::kkt_cell(r[c].data(), r[c].size(), gamma, nullptr,
                                  warm[c] ? &hint[c] : nullptr,
                                  warm[c] ? logits[c][1].data() : nullptr, log_r[c].data());
    }
    detail::kkt_cell_pair(req, gamma, pair);
    for (int c = 0; c < 2; ++c) {
      INFO("trial " << trial << " cell " << c << " k " << r[c].size() << std::setprecision(17)
                    << " gamma " << gamma << " warm " << warm[c]);
      CHECK(pair[c].cost == alone[c].cost);
      CHECK(pair[c].mu == alone[c].mu);
      CHECK(pair[c].converged == alone[c].converged);
      if (warm[c]) CHECK(logits[c][0] == logits[c][1]);  // cold: none asked for
      ++compared;
    }
  }
  MESSAGE("cells compared: " << compared);
}
