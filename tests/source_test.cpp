#include "focalrd/source.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "focalrd/focal_loss.hpp"
#include "support/errors.hpp"
#include "support/reference.hpp"

using namespace focalrd;

using focalrd::test::error_of;

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
    return error_of([&] { Source::parse(text, o); });
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
  CHECK(message("1e-320,1").find("outside the range of normal doubles") != std::string::npos);
  // One rule for literals that are not zero but round to 0 or to a subnormal.
  CHECK(message("1e-400,1").find("outside the range of normal doubles") != std::string::npos);
  CHECK(message("1e-200/1e200,1").find("outside the range of normal doubles") != std::string::npos);
  CHECK(message("0e-500,1") == "accepted");
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

TEST_CASE("source families: binomial, uniform, geometric, dirichlet") {
  const Source b = Source::family("binomial:4,0.5");
  REQUIRE(b.size() == 5);
  const double expected[] = {1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16};
  for (int k = 0; k < 5; ++k) CHECK(b[k] == expected[k]);
  // Binomial(100, 0.1): exact probabilities, every symbol kept, the sum 1 to rounding.
  const Source b100 = Source::family("binomial:100,0.1");
  CHECK(b100.size() == 101);
  CHECK(b100.support_size() == 101);
  CHECK(b100[100] == doctest::Approx(1e-100).epsilon(1e-13));
  CHECK(b100[10] == doctest::Approx(0.13186534682448858).epsilon(1e-15));
  double sum = 0;
  for (double x : b100.pmf()) sum += x;
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-15));
  // Degenerate P gives true zeros, not dropped symbols.
  CHECK(Source::family("binomial:3,1")[3] == 1.0);
  CHECK(Source::family("binomial:3,1").size() == 4);
  // Underflow is refused rather than dropped silently.
  CHECK_THROWS_WITH_AS(Source::family("binomial:2000,0.5"),
                       doctest::Contains("symbols with probability below"), std::invalid_argument);
  CHECK(Source::family("uniform:7")[3] == doctest::Approx(1.0 / 7));
  const Source geo = Source::family("geometric:0.5,3");
  CHECK(geo[0] == doctest::Approx(4.0 / 7).epsilon(1e-15));
  CHECK(geo[2] == doctest::Approx(1.0 / 7).epsilon(1e-15));
  // Dirichlet: reproducible from the seed, different across seeds.
  CHECK(Source::family("dirichlet:6,42").pmf() == Source::family("dirichlet:6,42").pmf());
  CHECK(Source::family("dirichlet:6,42").pmf() != Source::family("dirichlet:6,43").pmf());
  CHECK(Source::family("dirichlet:6,42,0.1").size() == 6);
}

TEST_CASE("source families: bad specifications") {
  auto message = [](const std::string& spec) { return error_of([&] { Source::family(spec); }); };
  CHECK(message("poisson:3").find("source kind 'poisson' is not known") != std::string::npos);
  CHECK(message("binomial:0,0.5").find("K is 0") != std::string::npos);
  CHECK(message("binomial:10,1.5").find("P is 1.5") != std::string::npos);
  CHECK(message("binomial:10").find("needs the form binomial:K,P") != std::string::npos);
  CHECK(message("binomial:2.5,0.5").find("it must be an integer") != std::string::npos);
  CHECK(message("uniform:0").find("N is 0") != std::string::npos);
  CHECK(message("geometric:0,5").find("P is 0") != std::string::npos);
  CHECK(message("dirichlet:5,1,-1").find("ALPHA is -1") != std::string::npos);
  // Exponents of 19 digits or more (a fuzzer's find: Boost's decimal parser
  // overflowed on them, undefined behaviour under the sanitizers).
  for (const char* spec :
       {"iid:19,+0e99999999999999180000", "iid:2,0.5e99999999999999180000,0.5",
        "iid:2,0.5e-99999999999999180000,0.5", "binomial:3,1e-99999999999999999999"})
    CHECK(message(spec) != "accepted");
}

TEST_CASE("PMF files: lines, CSV columns, headers, comments") {
  const std::string path = "/tmp/focalrd-source-test.csv";
  {
    std::ofstream f(path);
    f << "# a comment\nsymbol,prob\n0,0.5\n1, 0.25\n\n2,1/4\n";
  }
  const Source by_name = Source::read_file(path, "prob");
  CHECK(by_name.pmf() == std::vector<double>{0.5, 0.25, 0.25});
  const Source by_index = Source::read_file(path, "1");
  CHECK(by_index.pmf() == by_name.pmf());
  CHECK_THROWS_WITH_AS(Source::read_file(path, "missing"), doctest::Contains("no column named"),
                       std::invalid_argument);
  CHECK_THROWS_AS(Source::read_file("/nonexistent/file"), std::invalid_argument);
  std::remove(path.c_str());
}

TEST_CASE("family PMFs are correctly rounded, bit for bit (exact_pmf.json)") {
  test::Tree root;
  boost::property_tree::read_json(test::data_path("reference/exact_pmf.json"), root);
  int families = 0;
  for (const auto& item : root.get_child("cases")) {
    const std::string spec = item.second.get<std::string>("spec");
    const std::vector<double> expected = test::numbers(item.second, "pmf");
    const Source s = Source::family(spec);
    INFO(spec);
    REQUIRE(s.size() == expected.size());
    int off = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) off += s[k] != expected[k];
    CHECK(off == 0);
    ++families;
  }
  CHECK(families == 13);
  // Binomial(K, 1/2) is exactly symmetric.
  const Source half = Source::family("binomial:100,0.5");
  for (std::size_t k = 0; k <= 100; ++k) CHECK(half[k] == half[100 - k]);
}

TEST_CASE("the binomial sources of Example 2 have the reference entropy (binomial_bounds.json)") {
  int checked = 0;
  for (const test::Tree& c : test::read_records("reference/binomial_bounds.json")) {
    const Source s = Source::family(c.get<std::string>("source"));
    const double bits = entropy(s.pmf()) / std::log(2.0);
    CHECK(bits == doctest::Approx(test::number(c, "entropy")).epsilon(1e-14));
    ++checked;
  }
  CHECK(checked > 30);
}

TEST_CASE("iid:N,P1,...,Pk: blocks of N letters, lexicographic, correctly rounded products") {
  // N = 1 is the base source itself.
  CHECK(Source::family("iid:1,0.9,0.1").pmf() == Source::parse("0.9,0.1").pmf());
  CHECK(Source::family("iid:1,0.2,0.3,0.5").pmf() == Source::parse("0.2 0.3 0.5").pmf());
  // Products of the letters as written, each rounded once: 0.1^3 is the
  // double nearest 0.001, not 0.1*0.1*0.1 in doubles (which is not).
  const Source s3 = Source::family("iid:3,0.1,0.9");
  REQUIRE(s3.size() == 8);
  CHECK(s3.block_length() == 3);
  CHECK(s3.letters() == 2);
  CHECK(s3[0] == 0.001);  // 000
  CHECK(0.1 * 0.1 * 0.1 != 0.001);
  CHECK(s3[1] == 0.009);  // 001
  CHECK(s3[3] == 0.081);  // 011
  CHECK(s3[7] == 0.729);  // 111
  // Dyadic letters: exact masses, 9/16, 3/16, 3/16, 1/16.
  CHECK(Source::family("iid:2,0.75,0.25").pmf() ==
        std::vector<double>{9.0 / 16, 3.0 / 16, 3.0 / 16, 1.0 / 16});
  // Sequences of one type have the same mass, bit for bit, and the types
  // add up to the multinomial masses.
  const Source t = Source::family("iid:5,0.2,0.3,0.5");
  REQUIRE(t.size() == 243);
  const Source b = Source::family("binomial:5,0.3");
  const Source iid_b = Source::family("iid:5,0.7,0.3");
  std::vector<double> by_ones(6, 0.0);
  for (std::size_t i = 0; i < 32; ++i) {
    const int ones = __builtin_popcount(static_cast<unsigned>(i));
    for (std::size_t j = 0; j < 32; ++j)
      if (__builtin_popcount(static_cast<unsigned>(j)) == ones) CHECK(iid_b[i] == iid_b[j]);
    by_ones[ones] += iid_b[i];
  }
  for (int k = 0; k <= 5; ++k) CHECK(by_ones[k] == doctest::Approx(b[k]).epsilon(1e-15));
  for (std::size_t i = 0; i < 243; ++i) {
    std::size_t reversed = 0;  // the same letters in reverse order: the same type
    for (std::size_t x = i, d = 0; d < 5; ++d, x /= 3) reversed = reversed * 3 + x % 3;
    CHECK(t[i] == t[reversed]);
  }
  // Labels: the letters of a symbol, x_1 first.
  CHECK(block_sequence(5, 2, 3) == "101");
  CHECK(block_sequence(0, 2, 3) == "000");
  CHECK(block_sequence(11, 12, 2) == "0.11");
  // A weighted block source is still an alphabet of sequences.
  CHECK(s3.with_weights(std::vector<double>(8, 1.0)).block_length() == 3);
  CHECK(Source::family("binomial:3,0.5").block_length() == 0);
}

TEST_CASE("iid:N,P1,...,Pk: bad specifications") {
  auto message = [](const std::string& spec) { return error_of([&] { Source::family(spec); }); };
  CHECK(message("iid:3").find("needs the form iid:N,P1,...,Pk") != std::string::npos);
  CHECK(message("iid:0,0.5,0.5").find("N is 0") != std::string::npos);
  CHECK(message("iid:2,0.5,0.6").find("sum to 1.1") != std::string::npos);
  CHECK(message("iid:2,0.5,-0.5,1").find("is -0.5") != std::string::npos);
  CHECK(message("iid:30,0.5,0.5").find("2^30 sequences") != std::string::npos);
  CHECK(message("iid:1000,0.999,0.001").find("use a smaller N") != std::string::npos);
  CHECK(message("iid:2000000,1").find("N is 2000000") != std::string::npos);
  CHECK(message("iid:19,0.99999999999999999,1e-17").find("sequences with probability below") !=
        std::string::npos);
  CHECK(Source::family("iid:1000,1").size() == 1);  // one letter: one sequence
}
