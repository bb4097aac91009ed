// Excess distortion (excess.hpp): the closed form against a brute force over
// codes and decoders, its boundary cases, the inverse, and the CLI.
#include "focalrd/excess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "focalrd/errors.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/nletter.hpp"
#include "focalrd/units.hpp"
#include "support/cli.hpp"
#include "support/random.hpp"

using namespace focalrd;

namespace {

// The least mass one message leaves unserved (d > D) among the symbols `cell` of r,
// over every decoder PMF on the cell whose masses are multiples of 1/60 (the
// grid holds 1/c for every c <= 6, so it holds the optimal decoders of cells
// of up to 6 symbols), the loss evaluated directly from eq. (8).
double least_unserved(const std::vector<double>& r, const std::vector<int>& cell, double D,
                      double gamma) {
  constexpr int kGrid = 60;
  const std::size_t k = cell.size();
  std::vector<int> units(k, 0);
  double best = HUGE_VAL;
  std::function<void(std::size_t, int)> fill = [&](std::size_t i, int left) {
    if (i + 1 == k) {
      units[i] = left;
      double unserved = 0.0;  // summed directly: ε* may be far below 1
      for (std::size_t a = 0; a < k; ++a) {
        const double p = static_cast<double>(units[a]) / kGrid;
        if (!(p > 0.0 && focal_loss(p, 1.0 - p, gamma) / std::log(2.0) <= D)) unserved += r[cell[a]];
      }
      best = std::min(best, unserved);
      return;
    }
    for (int u = 0; u <= left; ++u) {
      units[i] = u;
      fill(i + 1, left - u);
    }
  };
  if (k == 0) return 0.0;
  fill(0, kGrid);
  return best;
}

// ε* by brute force: every assignment of symbols to M messages, each message
// decoded as well as the grid allows.
double brute_force(const std::vector<double>& r, long long M, double D, double gamma) {
  const std::size_t n = r.size();
  std::vector<double> unserved_by_subset(std::size_t{1} << n, -1.0);
  std::vector<int> label(n, 0);
  double best = HUGE_VAL;
  for (;;) {
    double unserved = 0.0;
    for (long long m = 0; m < M; ++m) {
      std::size_t mask = 0;
      std::vector<int> cell;
      for (std::size_t a = 0; a < n; ++a)
        if (label[a] == m) {
          mask |= std::size_t{1} << a;
          cell.push_back(static_cast<int>(a));
        }
      if (unserved_by_subset[mask] < 0.0)
        unserved_by_subset[mask] = least_unserved(r, cell, D, gamma);
      unserved += unserved_by_subset[mask];
    }
    best = std::min(best, unserved);
    std::size_t a = 0;  // the next assignment, as an odometer
    while (a < n && ++label[a] == M) label[a++] = 0;
    if (a == n) break;
  }
  return best;
}

}  // namespace

TEST_CASE("excess distortion: the closed form equals a brute force over codes and decoders") {
  auto g = test::rng("excess distortion brute force");
  int compared = 0;
  for (int t = 0; t < 24; ++t) {
    const int n = 3 + t % 3;  // 3..5 symbols
    const std::vector<double> r = test::normalised(test::random_masses(g, n, t));
    const long long M = 1 + t % 3;
    const double gamma = t % 4 == 0 ? 0.0 : 0.5 * (t % 7);
    const ExcessDistortion closed(Source::from_pmf(r, {}));
    for (double D : {0.0, 0.05 + 0.3 * test::uniform(g, 0.0, 1.0), 0.4 + 1.5 * test::uniform(g, 0.0, 1.0), 3.0}) {
      const ExcessResult e = closed.at(M, D, gamma, Units::bits);
      CAPTURE(n);
      CAPTURE(M);
      CAPTURE(gamma);
      CAPTURE(D);
      CHECK(e.epsilon == doctest::Approx(brute_force(r, M, D, gamma)).epsilon(1e-12));
      ++compared;
    }
  }
  CHECK(compared == 96);
}

TEST_CASE("excess distortion: boundary cases D = 0, 1/t_D an integer, n <= M") {
  const Source s = Source::parse("0.4, 0.3, 0.2, 0.1");
  const ExcessDistortion e(s);
  // D = 0: only P(x) = 1 has zero loss: the M most probable symbols are served.
  CHECK(e.at(1, 0.0, 1.0, Units::bits).epsilon == doctest::Approx(0.6).epsilon(1e-15));
  CHECK(e.at(2, 0.0, 1.0, Units::bits).epsilon == doctest::Approx(0.3).epsilon(1e-15));
  CHECK(e.at(2, 0.0, 1.0, Units::bits).threshold == 1.0);
  // γ = 0, D = 1 bit: t_D = 1/2 exactly, and P(x) = 1/2 gives d = D, which
  // is not an excess: two symbols per message.
  const ExcessResult half = e.at(1, 1.0, 0.0, Units::bits);
  CHECK(half.per_message == 2);
  CHECK(half.epsilon == doctest::Approx(0.3).epsilon(1e-15));
  CHECK(half.threshold == 0.5);
  // Just below: one symbol per message.
  CHECK(e.at(1, std::nextafter(1.0, 0.0), 0.0, Units::bits).per_message == 1);
  // The same level in nats: the double just above ln 2 (the nearest double
  // to ln 2 lies below it).
  CHECK(e.at(1, std::nextafter(std::log(2.0), 1.0), 0.0, Units::nats).per_message == 2);
  // γ = 1: g(c) = (1 - 1/c) log2 c; g(4) = 1.5 bits exactly.
  CHECK(uniform_share_loss(4, 1.0, Units::bits) == 1.5);
  CHECK(e.at(1, 1.5, 1.0, Units::bits).per_message == 4);
  CHECK(e.at(1, 1.5, 1.0, Units::bits).epsilon == 0.0);
  // n <= M: every symbol alone, zero loss, for every D >= 0.
  for (double D : {0.0, 0.5, 7.0}) CHECK(e.at(4, D, 2.0, Units::bits).epsilon == 0.0);
  CHECK(e.at(9, 0.0, 0.0, Units::bits).served == 4);
  // ε* falls with D and with M.
  double previous = 1.0;
  for (double D = 0.0; D <= 3.0; D += 0.125) {
    const double now = e.at(1, D, 1.0, Units::bits).epsilon;
    CHECK(now <= previous);
    previous = now;
  }
  // Bad levels.
  CHECK_THROWS_AS(e.at(1, -0.1, 1.0, Units::bits), std::invalid_argument);
  CHECK_THROWS_AS(e.at(1, HUGE_VAL, 1.0, Units::bits), std::invalid_argument);
  CHECK_THROWS_AS(e.at(0, 1.0, 1.0, Units::bits), std::invalid_argument);
  CHECK_THROWS_AS(e.least_distortion(1, 1.5, 1.0, Units::bits), std::invalid_argument);
}

TEST_CASE("excess distortion: the inverse gives the least D that meets the target") {
  const Source s = Source::family("binomial:20,0.3");
  const ExcessDistortion e(s);
  for (long long M : {1, 2, 4})
    for (double gamma : {0.0, 1.0, 4.0})
      for (double target : {0.0, 1e-6, 0.01, 0.2, 0.5, 1.0}) {
        const double D = e.least_distortion(M, target, gamma, Units::bits);
        CAPTURE(M);
        CAPTURE(gamma);
        CAPTURE(target);
        CHECK(e.at(M, D, gamma, Units::bits).epsilon <= target);
        if (D > 0.0)  // any smaller level misses it
          CHECK(e.at(M, std::nextafter(D, 0.0), gamma, Units::bits).epsilon > target);
      }
  // Every symbol served needs ⌈n/M⌉ per message: D = g(⌈21/2⌉) at ε = 0.
  CHECK(e.least_distortion(2, 0.0, 1.0, Units::bits) ==
        doctest::Approx(uniform_share_loss(11, 1.0, Units::bits)).epsilon(1e-15));
}

TEST_CASE("excess distortion: boundaries decided exactly; no underflow at large gamma") {
  const ExcessDistortion thirds(Source::parse("1/3,1/3,1/3"));
  // The decimal just below log2 3 serves two symbols, not three.
  CHECK(thirds.at(1, 1.584962500721156, 0.0, Units::bits).per_message == 2);
  CHECK(thirds.at(1, 1.584962500721156, 0.0, Units::bits).epsilon ==
        doctest::Approx(1.0 / 3).epsilon(1e-15));
  // ln 2 rounded to a double lies below ln 2: one symbol per message in nats.
  const ExcessDistortion halves(Source::parse("0.5,0.5"));
  CHECK(halves.at(1, 0.6931471805599453, 0.0, Units::nats).per_message == 1);
  // D = 0 serves only P(x) = 1, whatever γ (g(2) = 2^-γ underflows beyond 1074).
  const ExcessDistortion e(Source::parse("0.5,0.3,0.2"));
  for (double gamma : {1.0, 1100.0, 1e300}) {
    CAPTURE(gamma);
    CHECK(e.at(1, 0.0, gamma, Units::bits).per_message == 1);
    CHECK(e.at(1, 0.0, gamma, Units::bits).epsilon == doctest::Approx(0.5).epsilon(1e-15));
    // The inverse: a D that serves two symbols, and nothing below it does.
    const double D = e.least_distortion(1, 0.2, gamma, Units::bits);
    CHECK(D > 0.0);
    CHECK(e.at(1, D, gamma, Units::bits).epsilon <= 0.2);
    CHECK(e.at(1, std::nextafter(D, 0.0), gamma, Units::bits).epsilon > 0.2);
  }
}

TEST_CASE("cli: excess prints epsilon and its inverse; bad levels exit 2") {
  using focalrd::test::run_cli;
  const auto run = run_cli("excess --pmf 0.4,0.3,0.2,0.1 -M 1 --gamma 0 -D 1 --format csv");
  REQUIRE(run.status == 0);
  CHECK(run.out.find("epsilon") != std::string::npos);
  CHECK(run.out.find(",0.3") != std::string::npos);  // ε* = 0.3 (two symbols served)
  const auto grid = run_cli("excess --source iid:3,0.9,0.1 -M 1:3 --gamma 0,1 -D 0:0.5:2 --format json");
  REQUIRE(grid.status == 0);
  CHECK(grid.out.find("\"epsilon\"") != std::string::npos);
  const auto inverse = run_cli("excess --pmf 0.4,0.3,0.2,0.1 -M 1 --gamma 0 --epsilon 0.3 --format csv");
  REQUIRE(inverse.status == 0);
  CHECK(inverse.out.find("epsilon_target") != std::string::npos);
  for (const char* bad : {"-D -1", "-D nan", "--epsilon 2", "-D 1 --epsilon 0.1", ""}) {
    const auto r = run_cli(std::string("excess --pmf 0.5,0.5 -M 1 --gamma 1 ") + bad);
    CAPTURE(bad);
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("sweep: excess at one level D equals the closed form; verify replays it") {
  using focalrd::test::run_cli;
  // The column against ExcessDistortion on the same grid, in bits and nats.
  const Source source = Source::from_pmf({0.4, 0.3, 0.2, 0.1});
  const ExcessDistortion closed(source);
  for (const char* units : {"bits", "nats"}) {
    const std::string path = std::string("/tmp/focalrd-test-sweep-excess-") + units + ".csv";
    const auto run = run_cli(std::string("sweep --pmf 0.4,0.3,0.2,0.1 -M 1:4 --gamma 0,1,4 ") +
                             "--quantities converse,excess -D 0.7 --no-progress --units " + units +
                             " --output " + path);
    INFO(run.err);
    REQUIRE(run.status == 0);
    const Units u = units_from_string(units);
    int rows = 0;
    std::ifstream in(path);
    std::vector<std::string> header;
    auto column = [&](const std::string& name) {
      return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> f;
      std::istringstream cells(line);
      for (std::string x; std::getline(cells, x, ',');) f.push_back(x);
      if (header.empty()) {
        header = f;
        continue;
      }
      REQUIRE(f.size() == header.size());
      CHECK(f.at(column("excess_distortion")) == "0.7");
      CHECK(std::stod(f.at(column("excess"))) ==
            closed.at(std::stoll(f.at(column("M"))), 0.7, std::stod(f.at(column("gamma"))), u)
                .epsilon);
      ++rows;
    }
    CHECK(rows == 12);
    const auto verified = run_cli("verify " + path);
    INFO(verified.out << verified.err);
    CHECK(verified.status == 0);
    std::remove(path.c_str());
  }
  // excess needs its level, a valid one, and γ >= 0; "all" takes it only with -D.
  for (const char* bad : {"--quantities excess", "--quantities excess -D -0.5",
                          "--quantities excess -D inf", "--gamma=-1 --quantities excess -D 1"}) {
    const auto r = run_cli(std::string("sweep --pmf 0.5,0.5 -M 1 --gamma 1 ") + bad);
    CAPTURE(bad);
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(run_cli("sweep --pmf 0.5,0.5 -M 1 --gamma 1 --quantities all").out.find("excess") ==
        std::string::npos);
  CHECK(run_cli("sweep --pmf 0.5,0.5 -M 1 --gamma 1 --quantities all -D 1").out.find(",excess") !=
        std::string::npos);
}

TEST_CASE("excess distortion by types equals the listed block source, and reaches long blocks") {
  // Blocks small enough to list: by types against the expanded source, on
  // grids of M, γ and D and for the inverse (masses differ by rounding only:
  // exp of a sum of logs against correctly rounded products).
  for (const std::string spec : {"iid:12,0.7,0.2,0.1", "iid:16,0.89,0.11", "iid:5,0.4,0.3,0.2,0.1"}) {
    const ExcessDistortion listed(Source::family(spec));
    std::vector<double> letters;
    std::size_t n = 0;
    {
      std::istringstream parts(spec.substr(4));
      std::string x;
      std::getline(parts, x, ',');
      n = std::stoul(x);
      while (std::getline(parts, x, ',')) letters.push_back(std::stod(x));
    }
    const ExcessDistortion types = excess_by_types(letters, n);
    for (long long M : {1LL, 3LL, 100LL, 5000LL})
      for (double gamma : {0.0, 1.0, 4.0})
        for (double D : {0.0, 0.4, 1.0, 2.5, 7.0}) {
          CAPTURE(spec);
          CAPTURE(M);
          CAPTURE(gamma);
          CAPTURE(D);
          const ExcessResult a = listed.at(M, D, gamma, Units::bits), b = types.at(M, D, gamma, Units::bits);
          CHECK(a.per_message == b.per_message);
          CHECK(a.served == b.served);
          CHECK(b.epsilon == doctest::Approx(a.epsilon).epsilon(1e-12));
          for (double target : {0.5, 0.1, 1e-3})
            CHECK(types.least_distortion(M, target, gamma, Units::nats) ==
                  listed.least_distortion(M, target, gamma, Units::nats));
        }
  }
  // 2^100 equally likely blocks: ε* = 1 - M L 2^-100, to the 1e-13 of type
  // counts up to 1e29 taken from logarithms (nletter.hpp).
  const ExcessDistortion uniform = excess_by_types({0.5, 0.5}, 100);
  // γ = 1, D = 1 bit: g(2) = 0.5 <= D < g(3) = 1.06, so L = 2.
  const ExcessResult r = uniform.at(1LL << 62, 1.0, 1.0, Units::bits);
  CHECK(r.per_message == 2);
  CHECK(r.served == 0x1p63);
  CHECK(r.epsilon == doctest::Approx(1.0 - 0x1p-37).epsilon(1e-13));
  CHECK(r.epsilon < 1.0 - 0x1p-38);
  // Through the CLI: a 1000-letter block is counted by types, and verify replays it.
  using focalrd::test::run_cli;
  const auto run = run_cli("excess --source iid:1000,0.5,0.5 -M 4611686018427387904 --gamma 1 -D 1 --format csv");
  INFO(run.err);
  REQUIRE(run.status == 0);
  const std::string path = "/tmp/focalrd-test-excess-types.csv";
  {
    std::ofstream(path) << run.out;
  }
  const auto verified = run_cli("verify " + path);
  INFO(verified.out << verified.err);
  CHECK(verified.status == 0);
  CHECK(verified.out.find("0 disagreements") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("excess distortion at a fixed rate: M = floor(2^(nR)), also far past 2^63") {
  // Below 2^62 the counts are messages_at_rate's integers.
  const MessageGrid small = messages_for_rates({0.0, 0.3, 0.5, 6.2}, 10);
  CHECK(small.counts == std::vector<double>{1.0, 8.0, 32.0, 0x1p62});
  CHECK(small.rates.at(1) == 0.3);
  CHECK_FALSE(messages_given({3}).rates.at(0).has_value());
  // A listed block source: the rows from --rate are the rows from its -M.
  const ExcessDistortion listed(Source::family("iid:8,0.7,0.2,0.1"));
  const std::vector<double> rates{0.25, 0.5, 0.75, 1.0};
  std::vector<long long> Ms;
  for (double R : rates) Ms.push_back(*messages_at_rate(8, R));
  const auto by_rate = excess_table(listed, messages_for_rates(rates, 8), {0.0, 1.0, 4.0},
                                    {0.0, 0.7, 2.0}, false, Units::bits);
  const auto by_count = excess_table(listed, messages_given(Ms), {0.0, 1.0, 4.0}, {0.0, 0.7, 2.0},
                                     false, Units::bits);
  REQUIRE(by_rate.size() == by_count.size());
  for (std::size_t i = 0; i < by_rate.size(); ++i) {
    CHECK(by_rate[i].M == by_count[i].M);
    CHECK(by_rate[i].result.epsilon == by_count[i].result.epsilon);
  }
  // 2^200 equally likely blocks at R = 0.9: M = 2^180 exactly, L = 2 at
  // γ = 1, D = 1 bit, so ε* = 1 - 2^181 2^-200; at R = 1 every block is served.
  const ExcessDistortion uniform = excess_by_types({0.5, 0.5}, 200);
  const MessageGrid big = messages_for_rates({0.9, 1.0}, 200);
  CHECK(big.counts.at(0) == 0x1p180);
  const ExcessResult r = uniform.at(big.counts[0], 1.0, 1.0, Units::bits);
  CHECK(r.per_message == 2);
  CHECK(r.served == 0x1p181);
  CHECK(r.epsilon == doctest::Approx(1.0 - 0x1p-19).epsilon(1e-13));
  CHECK(uniform.at(big.counts[1], 0.0, 1.0, Units::bits).epsilon == 0.0);
  // ε* falls with R, to 0 once M L covers the 2^1000 blocks (M past doubles
  // is the largest double); the least D for a target falls with it (where
  // one message need not serve 2^62 blocks: from R = 0.45).
  const ExcessDistortion blocks = excess_of_spec("iid:1000,0.89,0.11");
  std::vector<double> grid;
  for (int i = 0; i <= 20; ++i) grid.push_back(0.05 * i);
  grid.push_back(1000.0);
  const MessageGrid at_rates = messages_for_rates(grid, 1000);
  CHECK(at_rates.counts.back() == DBL_MAX);
  double previous = 1.0, previous_D = HUGE_VAL;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    const double M = at_rates.counts[i];
    const double e = blocks.at(M, 1.0, 1.0, Units::bits).epsilon;
    CHECK(e <= previous);
    CHECK(e >= 0.0);
    previous = e;
    if (grid[i] < 0.45) continue;
    const double D = blocks.least_distortion(M, 0.5, 1.0, Units::bits);
    CHECK(D <= previous_D);
    previous_D = D;
  }
  CHECK(previous == 0.0);
  // Near the entropy (H(0.11) = 0.49992 bits), ε* at R = 0.5 is neither 0 nor 1.
  const double mid =
      blocks.at(messages_for_rates({0.5}, 1000).counts[0], 1.0, 1.0, Units::bits).epsilon;
  CHECK(mid > 0.1);
  CHECK(mid < 0.9);
  for (double bad : {2.5, 0.5, HUGE_VAL, std::nan("")})
    CHECK_THROWS_AS(blocks.at(bad, 1.0, 1.0, Units::bits), invalid_input);
  // floor(2^(nR)) exactly where 2^(nR) is an integer past 2^50 (not one more),
  // and a decimal rate just below an integer power still counts as it.
  CHECK(*messages_at_rate(100, 0.5) == (1LL << 50));
  CHECK(*messages_at_rate(100, 0.51) == (1LL << 51));
  CHECK(*messages_at_rate(10, 0.3) == 8);
  // Never above 1 (the type masses scaled to sum to 1); blocks whose types
  // are beyond doubles are refused, not counted with mass lost.
  const ExcessDistortion hundred = excess_of_spec("iid:100,0.5,0.5");
  CHECK(hundred.at(0x1p50, 0.0, 0.0, Units::bits).epsilon <= 1.0);
  CHECK(hundred.at(0x1p50, 0.0, 0.0, Units::bits).epsilon ==
        doctest::Approx(1.0 - 0x1p-50).epsilon(1e-13));
  for (const char* spec : {"iid:1100,0.5,0.5", "iid:2000,0.9,0.1", "iid:1040,0.5,0.5"})
    CHECK_THROWS_AS(excess_of_spec(spec), too_large);
}

TEST_CASE("cli: excess --rate for blocks of 1000 letters; verify replays it; bad rates exit 2") {
  using focalrd::test::run_cli;
  const auto run = run_cli(
      "excess --source iid:1000,0.89,0.11 --rate 0.45:0.05:0.6 --gamma 0,1 -D 1 --format csv");
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("3.27339060789614") != std::string::npos);  // M = 2^500
  const std::string path = "/tmp/focalrd-test-excess-rate.csv";
  { std::ofstream(path) << run.out; }
  const auto verified = run_cli("verify " + path);
  INFO(verified.out << verified.err);
  CHECK(verified.status == 0);
  CHECK(verified.out.find("0 disagreements") != std::string::npos);
  // A row whose rate does not give its M is caught.
  {
    std::string tampered = run.out;
    const auto at = tampered.find(",0.45,");
    REQUIRE(at != std::string::npos);
    tampered.replace(at, 6, ",0.15,");
    std::ofstream(path) << tampered;
  }
  const auto caught = run_cli("verify " + path);
  CHECK(caught.status != 0);
  CHECK(caught.out.find("at its rate now") != std::string::npos);
  std::remove(path.c_str());
  // M = floor(2^(nR)) exactly, where a double's 2^(nR) is off by units.
  const auto exact_m =
      run_cli("excess --source iid:100,0.5,0.5 --rate 0.4521 --gamma 0 -D 0 --format csv");
  REQUIRE(exact_m.status == 0);
  CHECK(exact_m.out.find(",40697347453278,") != std::string::npos);
  // -M as given, also past 2^53.
  const auto big = run_cli("excess --pmf 0.5,0.5 -M 9007199254740993 --gamma 0 -D 0 --format csv");
  REQUIRE(big.status == 0);
  CHECK(big.out.find("9007199254740993") != std::string::npos);
  for (const char* bad : {"--rate -1", "--rate 1001", "--rate nan", "--rate 1 -M 2", "--rate x"}) {
    const auto r = run_cli(std::string("excess --source iid:1000,0.89,0.11 --gamma 1 -D 1 ") + bad);
    CAPTURE(bad);
    CHECK(r.status == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
