// Source families (Source::family): binomial, uniform, geometric, dirichlet, iid.
#include <cfloat>
#include <cmath>

#include "focalrd/limits.hpp"
#include "focalrd/source.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  const std::string input = fuzz::text(data, size);
  fuzz::expect_refusal_or_success([&] {
    const Source s = Source::family(input);
    double sum = 0.0;
    fuzz::require(s.size() >= 1 && s.size() <= limits::kMaxSymbols);
    for (double x : s.pmf()) {
      fuzz::require(x == 0.0 || (x >= DBL_MIN && x <= 1.0));
      sum += x;
    }
    fuzz::require(std::fabs(sum - 1.0) <= 1e-9);
  });
  return 0;
}
