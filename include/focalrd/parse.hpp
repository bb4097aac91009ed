// Parsing of every textual input: numbers, lists, integers, grids and byte
// sizes. Locale-independent (std::from_chars). Each function throws
// invalid_input (too_large for sizes beyond limits.hpp) whose message names
// the option, quotes the input (escaped and shortened) and states the rule.
//
// One rule for all numbers: a literal that is not zero but would round to 0,
// to a subnormal or to infinity is refused, never silently changed.
#pragma once

#include <string>
#include <vector>

namespace focalrd {

// A decimal with optional exponent ("2.5e-3", "inf", "nan"), or a fraction
// a/b of two such numbers.
double parse_number(const std::string& token, const std::string& what);

// Numbers separated by commas and/or white space, optionally in one pair of
// brackets: "2/3, 1/4 1/12", "[0.5,5e-1]". At most limits::kMaxSymbols.
std::vector<double> parse_number_list(const std::string& text, const std::string& what);

// A decimal integer in [lo, hi].
long long parse_integer(const std::string& text, const std::string& what, long long lo,
                        long long hi);

// Grids: comma-separated items, each a value or an inclusive range a:b (step
// 1) or a:step:b; e.g. "0:0.05:4", "2,4,8", "2:64", "1,2:4". Values of a real
// range are a + i step (not accumulated), rounded to the decimals of a and
// step when those are plain decimals (0:0.1:1 gives 0.3, not
// 0.30000000000000004), the last one kept when within 1e-9 steps of b. At
// most limits::kMaxGridPoints values in all.
std::vector<double> parse_real_grid(const std::string& text, const std::string& what);
std::vector<long long> parse_integer_grid(const std::string& text, const std::string& what);

// A grid of source families: each argument of a family spec may list
// alternatives separated by '|', each a value (kept as written, so 1/3 stays
// exact) or an inclusive range a..b (step 1) or a..b..step, e.g.
// "dirichlet:4..8,1..100,0.5|1" (N from 4 to 8, seeds 1 to 100, ALPHA 0.5
// or 1). Returns the specs in lexicographic order of the arguments (the
// first varies slowest), at most limits::kMaxGridPoints.
std::vector<std::string> expand_family_grid(const std::string& spec);

// A number of bytes with an optional binary suffix K, M, G or T ("512M").
double parse_bytes(const std::string& text, const std::string& what);

// Input text made safe for a one-line message: control characters escaped
// (\n, \t, \xNN), at most limits::kMaxEchoChars characters, in single quotes.
std::string quoted(const std::string& text);
// The same without quotes or shortening.
std::string printable(const std::string& text);

}  // namespace focalrd
