// Grids of reals and integers (parse_real_grid, parse_integer_grid): at most
// limits::kMaxGridPoints values, no overflow.
#include <cmath>

#include "focalrd/limits.hpp"
#include "focalrd/parse.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  const std::string input = fuzz::text(data, size);
  fuzz::expect_refusal_or_success([&] {
    const auto g = parse_real_grid(input, "--gamma");
    fuzz::require(!g.empty() && g.size() <= limits::kMaxGridPoints);
  });
  fuzz::expect_refusal_or_success([&] {
    const auto g = parse_integer_grid(input, "-M");
    fuzz::require(!g.empty() && g.size() <= limits::kMaxGridPoints);
  });
  return 0;
}
