// PMF files and their CSV columns (Source::parse_table): the first line of
// the input names the column (an index or a header name), the rest is the file.
#include <cfloat>
#include <cmath>

#include "focalrd/limits.hpp"
#include "focalrd/source.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  const std::string input = fuzz::text(data, size);
  const auto newline = input.find('\n');
  const std::string column = input.substr(0, newline);
  const std::string table = newline == std::string::npos ? "" : input.substr(newline + 1);
  fuzz::expect_refusal_or_success([&] {
    const Source s = Source::parse_table(table, column, {}, "fuzz.csv");
    fuzz::require(s.size() >= 1 && s.size() <= limits::kMaxSymbols);
    for (double x : s.pmf()) fuzz::require(x == 0.0 || (x >= DBL_MIN && x <= 1.0));
  });
  return 0;
}
