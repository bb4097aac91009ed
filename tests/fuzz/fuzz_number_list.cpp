// PMF lists, fractions and single numbers (parse_number_list, parse_number).
#include <cfloat>
#include <cmath>

#include "focalrd/limits.hpp"
#include "focalrd/parse.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  const std::string input = fuzz::text(data, size);
  fuzz::expect_refusal_or_success([&] {
    for (double x : parse_number_list(input, "--pmf")) {
      // The input rule: 0, a normal double, or an infinity or NaN spelled out.
      fuzz::require(x == 0.0 || std::isnan(x) || std::isinf(x) || std::fabs(x) >= DBL_MIN);
    }
  });
  fuzz::expect_refusal_or_success([&] {
    const double x = parse_number(input, "--gamma");
    fuzz::require(x == 0.0 || std::isnan(x) || std::isinf(x) || std::fabs(x) >= DBL_MIN);
  });
  return 0;
}
