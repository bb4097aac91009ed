// The parsers of parse.hpp and the JSON reader: what they accept, and the
// one-line messages they refuse with.
#include "focalrd/parse.hpp"

#include <doctest/doctest.h>

#include <cfloat>
#include <climits>
#include <string>
#include <vector>

#include "detail/json_read.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/limits.hpp"
#include "support/errors.hpp"

using namespace focalrd;

using focalrd::test::error_of;

TEST_CASE("numbers: decimals, exponents, fractions, one rule for what rounds away") {
  CHECK(parse_number("0.1", "x") == 0.1);
  CHECK(parse_number(" +2.5e-3 ", "x") == 2.5e-3);
  CHECK(parse_number("2/3", "x") == 2.0 / 3.0);
  CHECK(parse_number("-0", "x") == 0.0);
  CHECK(parse_number("0e-500", "x") == 0.0);  // zero is zero, whatever its exponent
  CHECK(parse_number("2.2250738585072014e-308", "x") == DBL_MIN);
  for (const std::string t :
       {"1e-400", "1e-310", "1e400", "-1e400", "1e-200/1e200", "1e200/1e-200"})
    CHECK(error_of([&] { parse_number(t, "x"); }).find("outside the range of normal doubles") !=
          std::string::npos);
  CHECK(error_of([&] { parse_number("1/0", "x"); }).find("divides by zero") != std::string::npos);
  for (const std::string t : {"", "abc", "1e", "1_", "0x10", "--1", "+-1", "1,2"})
    CHECK(error_of([&] { parse_number(t, "x"); }).find("is not a number") != std::string::npos);
}

TEST_CASE("integers: range checks without overflow") {
  CHECK(parse_integer("42", "n", 0, 100) == 42);
  CHECK(parse_integer("+7", "n", 0, 100) == 7);
  CHECK(parse_integer("-9223372036854775808", "n", LLONG_MIN, LLONG_MAX) == LLONG_MIN);
  CHECK(error_of([] { parse_integer("99999999999999999999", "n", 0, 10); }) ==
        "n is 99999999999999999999; violated constraint: 0 <= n <= 10");
  CHECK(error_of([] { parse_integer("11", "n", 0, 10); }) ==
        "n is 11; violated constraint: 0 <= n <= 10");
  CHECK(error_of([] { parse_integer("1.5", "n", 0, 10); }) == "n is '1.5'; n must be an integer");
}

TEST_CASE("grids: counted in 128 bits, limited, with the count in the message") {
  CHECK(parse_integer_grid("-9223372036854775808:9223372036854775807:9223372036854775807", "M") ==
        std::vector<long long>{LLONG_MIN, -1, LLONG_MAX - 1});
  CHECK(error_of([] {
          parse_integer_grid("-9223372036854775807:9223372036854775807", "-M");
        }).find("has 1.84e+19 values; a grid has at most 1000000") != std::string::npos);
  CHECK(error_of([] { parse_real_grid("0:1e-300:1", "--gamma"); }) ==
        "--gamma: '0:1e-300:1' has 1e+300 values; a grid has at most 1000000");
  CHECK(error_of([] { parse_real_grid("1:1000000,1:2", "--gamma"); }).find("has 1e+06") !=
        std::string::npos);
  CHECK(parse_real_grid("0:0.25:1", "g").size() == 5);
  CHECK(parse_integer_grid("5:-2:0", "M") == std::vector<long long>{5, 3, 1});
  CHECK(error_of([] { parse_integer_grid("0:-1:5", "M"); }) == "M: the range '0:-1:5' is empty");
}

TEST_CASE("byte sizes and lists") {
  CHECK(parse_bytes("512M", "b") == 512.0 * 1024 * 1024);
  CHECK(parse_bytes("2g", "b") == 2.0 * 1024 * 1024 * 1024);
  CHECK(error_of([] { parse_bytes("0", "b"); }).find("positive number of bytes") !=
        std::string::npos);
  CHECK(parse_number_list("[1/2, 1/4 1/4]", "l") == std::vector<double>{0.5, 0.25, 0.25});
  std::string many;
  for (std::size_t i = 0; i <= limits::kMaxSymbols; ++i) many += "1 ";
  CHECK(error_of([&] { parse_number_list(many, "--pmf"); }).find("more than 1000000 entries") !=
        std::string::npos);
}

TEST_CASE("echoed input is escaped and shortened") {
  CHECK(printable("a\nb\tc\x01") == "a\\nb\\tc\\x01");
  CHECK(quoted("x") == "'x'");
  const std::string q = quoted(std::string(500, 'y'));
  CHECK(q.size() <= limits::kMaxEchoChars + 2);
  CHECK(q.find("...'") != std::string::npos);
  CHECK(error_of([] { parse_number("1\n2", "x"); }).find('\n') == std::string::npos);
}

TEST_CASE("the JSON reader: values, nesting limit, errors with offsets") {
  using detail::JsonValue;
  const JsonValue v =
      JsonValue::parse(R"({"a": [1, -2.5e-3, true, null], "s": "x\n\u00e9", "o": {}})", "t");
  CHECK(v.at("a").as_array("a").size() == 4);
  CHECK(v.at("a").as_array("a")[1].as_double("x") == -2.5e-3);
  CHECK(v.at("a").as_array("a")[0].as_integer("x") == 1);
  CHECK(v.at("a").as_array("a")[3].is_null());
  CHECK(v.at("s").as_string("s") == "x\n\xc3\xa9");
  CHECK(v.find("missing") == nullptr);
  CHECK(JsonValue::parse("1e-320", "t").as_double("x") > 0.0);  // as written, even subnormal
  for (const std::string bad :
       {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\x01\"", "[1] 2", "nul", "\"\\q\""})
    CHECK(error_of([&] { JsonValue::parse(bad, "t"); }).rfind("t: ", 0) == 0);
  CHECK(error_of([] {
          JsonValue::parse(std::string(100, '[') + std::string(100, ']'), "t");
        }).find("nesting deeper than 64") != std::string::npos);
}
