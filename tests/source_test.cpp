#include "focalrd/source.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

using namespace focalrd;

TEST_CASE("parsing PMF lists: separators, fractions, exponents, brackets") {
  const Source a = Source::parse("2/3, 1/4 1/12");
  REQUIRE(a.size() == 3);
  CHECK(a[0] == 2.0 / 3.0);
  CHECK(a[1] == 0.25);
  CHECK(a[2] == 1.0 / 12.0);
  const Source b = Source::parse("[5e-1,0.25, 2.5E-1]");
  CHECK(b.size() == 3);
  CHECK(b[0] == 0.5);
  CHECK(Source::parse("  1 ").size() == 1);
}

TEST_CASE("bad PMFs are refused with a message naming the entry and the rule") {
  auto message = [](const std::string& text, SourceOptions o = {}) {
    try {
      Source::parse(text, o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(message("0.5,abc,0.5").find("'abc' is not a number") != std::string::npos);
  CHECK(message("").find("is empty") != std::string::npos);
  CHECK(message("0.5,,0.5").find("empty entry") != std::string::npos);
  CHECK(message("0.5,0.5,").find("empty entry") != std::string::npos);
  CHECK(message("1.1,-0.1").find("symbol 0 is 1.1") != std::string::npos);
  CHECK(message("0.6,-0.1,0.5")
            .find("symbol 1 is -0.1; probabilities must be finite and in [0, 1]") !=
        std::string::npos);
  CHECK(message("0.5,nan,0.5").find("symbol 1 is nan") != std::string::npos);
  CHECK(message("0.5,inf").find("symbol 1 is inf") != std::string::npos);
  CHECK(message("1/0").find("divides by zero") != std::string::npos);
  CHECK(message("0.5,0.4").find("sum to 0.9") != std::string::npos);
  CHECK(message("0,0").find("sum to 0; the PMF must sum to 1") != std::string::npos);
  CHECK(message("1e-320,1").find("below the smallest normal double") != std::string::npos);
  // A sum within 1e-9 of 1 is taken as given; further off needs --normalize.
  CHECK(message("0.5,0.5000000001") == "accepted");
  SourceOptions norm;
  norm.normalize = true;
  const Source s = Source::parse("1,1,2", norm);
  CHECK(s[2] == 0.5);
  CHECK(message("1,-1,2", norm).find("symbol 1 is -1") != std::string::npos);
}

TEST_CASE("weights, eqs. (6)-(7): R = P Q / Σ P Q") {
  const Source p = Source::parse("0.5,0.25,0.25");
  const Source r = p.with_weights({1.0, 2.0, 0.0});
  // Σ P Q = 0.5 + 0.5 = 1.
  CHECK(r[0] == doctest::Approx(0.5));
  CHECK(r[1] == doctest::Approx(0.5));
  CHECK(r[2] == 0.0);
  CHECK(r.support_size() == 2);
  // Only the ratios of Q matter.
  const Source r2 = p.with_weights({10.0, 20.0, 0.0});
  CHECK(r2[0] == doctest::Approx(0.5).epsilon(1e-15));
  CHECK_THROWS_WITH_AS(p.with_weights({1.0, 1.0}),
                       "--weights has 2 entries but the source has 3 symbols",
                       std::invalid_argument);
  CHECK_THROWS_AS(p.with_weights({1.0, -1.0, 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(p.with_weights({0.0, 0.0, 0.0}), std::invalid_argument);
}
