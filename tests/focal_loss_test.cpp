#include "focalrd/focal_loss.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace focalrd;

TEST_CASE("focal loss eq. (8): closed values") {
  // γ = 0 is the log loss.
  CHECK(focal_loss(0.25, 0.0) == doctest::Approx(std::log(4.0)).epsilon(1e-15));
  // p = 1/2: (1/2)^γ ln 2.
  CHECK(focal_loss(0.5, 3.0) == doctest::Approx(std::log(2.0) / 8.0).epsilon(1e-15));
  // Perfect reconstruction costs nothing; no mass costs infinitely much.
  CHECK(focal_loss(1.0, 0.0, 2.0) == 0.0);
  CHECK(focal_loss(1.0, 0.0, 0.0) == 0.0);
  CHECK(std::isinf(focal_loss(0.0, 1.0, 2.0)));
  // Near p = 1 the complement q carries the precision: (1e-20)^1 · ln(1/(1-1e-20)).
  CHECK(focal_loss(1.0, 1e-20, 1.0) == doctest::Approx(1e-40).epsilon(1e-14));
}

TEST_CASE("φ = -g' matches central differences of the loss") {
  for (double gamma : {0.0, 0.3, 1.0, 2.5, 10.0}) {
    for (double p : {1e-4, 0.01, 0.2, 0.5, 0.8, 0.99}) {
      const double h = 1e-6 * std::min(p, 1.0 - p);
      const double fd = -(focal_loss(p + h, gamma) - focal_loss(p - h, gamma)) / (2 * h);
      INFO("gamma=" << gamma << " p=" << p);
      CHECK(focal_phi(p, 1.0 - p, gamma) == doctest::Approx(fd).epsilon(1e-6));
    }
  }
  CHECK(focal_phi(1.0, 0.0, 0.0) == 1.0);  // φ(1) = 1 for the log loss
  CHECK(focal_phi(1.0, 0.0, 0.5) == 0.0);  // and 0 for γ > 0
}

TEST_CASE("the logit form ℓ(s) = ln φ(p(s)) and its slope") {
  for (double gamma : {0.0, 0.05, 1.0, 3.0, 50.0}) {
    for (double s : {-30.0, -5.0, -0.3, 0.0, 0.7, 4.0, 25.0}) {
      const LogitPoint x = logit_point(s);
      INFO("gamma=" << gamma << " s=" << s);
      CHECK(x.p + x.q == doctest::Approx(1.0).epsilon(1e-15));
      CHECK(x.log_p - x.log_q == doctest::Approx(s).epsilon(1e-14));
      const LogPhi l = log_phi(x, gamma);
      const double phi = focal_phi(x.p, x.q, gamma);
      if (phi > 1e-300)  // ℓ itself stays finite where φ underflows
        CHECK(l.value == doctest::Approx(std::log(phi)).epsilon(1e-12));
      const double h = 1e-5;
      const double fd =
          (log_phi(logit_point(s + h), gamma).value - log_phi(logit_point(s - h), gamma).value) /
          (2 * h);
      CHECK(l.slope == doctest::Approx(fd).epsilon(1e-7));
      CHECK(l.slope < 0.0);
    }
  }
  // The asymptotes: slope -1 for p -> 0 and -γ for p -> 1.
  CHECK(log_phi(logit_point(-60.0), 2.0).slope == doctest::Approx(-1.0).epsilon(1e-12));
  CHECK(log_phi(logit_point(60.0), 2.0).slope == doctest::Approx(-2.0).epsilon(1e-12));
}

TEST_CASE("elasticity_bound: q/|ℓ'| on a dense grid stays below it, and it is tight") {
  // |ℓ'|/q = (γ-1) p/q + (γp + 1)/(γ p L + q), L = ln(1/p): the textbook form,
  // in long double, independent of log_phi's.
  for (double gamma : {0.0, 1e-3, 0.05, 0.5, 1.0, 2.0, 4.0, 10.0, 30.0, 100.0, 1000.0, 1e5}) {
    const double c = elasticity_bound(gamma);
    long double worst = 0.0L;
    for (int i = 0; i <= 200000; ++i) {  // ln p from -60 - ln(1 + γ) to -1e-9
      const long double y = -1e-9L - (60.0L + std::log1p(gamma)) * i / 200000.0L;
      const long double p = std::exp(y), q = -std::expm1(y), L = -y;
      const long double e = (gamma - 1.0L) * p / q + (gamma * p + 1.0L) / (gamma * p * L + q);
      worst = std::max(worst, 1.0L / e);
    }
    INFO("gamma=" << gamma);
    CHECK(static_cast<long double>(c) * (1.0L + 1e-15L) >= worst);  // γ = 0: 1 both, to rounding
    CHECK(static_cast<long double>(c) <= worst * (1.0L + 1e-5L));
  }
  CHECK(elasticity_bound(0.0) == 1.0);
  // The maxima (1.0474784899, 1.1810581765 by mpmath at 30 digits on a grid
  // of 20000 points in ln p) raised by 1e-6.
  CHECK(elasticity_bound(1.0) == doctest::Approx(1.0474795374).epsilon(1e-8));
  CHECK(elasticity_bound(10.0) == doctest::Approx(1.1810593576).epsilon(1e-8));
  CHECK(std::isinf(elasticity_bound(-0.5)));
}

TEST_CASE("cell distortion: zero masses, dominant symbols") {
  const std::vector<double> r{0.5, 0.0, 0.5};
  const std::vector<double> p{0.5, 0.0, 0.5};
  // Symbol 1 has no mass and no reconstruction mass: it costs nothing.
  CHECK(cell_distortion(r.data(), p.data(), 3, 1.0) == doctest::Approx(0.5 * std::log(2.0)));
  // A dominant symbol: its complement is the sum of the others (1e-18), not
  // 1 - p, which would round to 0.
  const std::vector<double> r2{1.0, 1e-18};
  const std::vector<double> p2{1.0, 1e-18};
  const double expected = 1e-18 * std::log(1e18) * std::pow(1.0 - 1e-18, 1.0) + 1.0 * 1e-18 * 1e-18;
  CHECK(cell_distortion(r2.data(), p2.data(), 2, 1.0) == doctest::Approx(expected).epsilon(1e-14));
}

TEST_CASE("entropies: Shannon and H_γ of eq. (11)") {
  const std::vector<double> uniform(8, 0.125);
  CHECK(entropy(uniform) == doctest::Approx(std::log(8.0)).epsilon(1e-15));
  // Proposition 1: H_0 = 0, H_γ >= 0 and non-decreasing in γ.
  const std::vector<double> p{0.6, 0.3, 0.1};
  CHECK(std::fabs(focal_entropy(p, 0.0)) < 1e-15);
  double previous = 0.0;
  for (double gamma : {0.1, 0.5, 1.0, 2.0, 8.0}) {
    const double h = focal_entropy(p, gamma);
    CHECK(h >= previous);
    previous = h;
  }
  // H_1 of a uniform pair: ln(2 · (1/2)^(1/2)) = ln(2)/2.
  CHECK(focal_entropy({0.5, 0.5}, 1.0) == doctest::Approx(std::log(2.0) / 2).epsilon(1e-15));
}
