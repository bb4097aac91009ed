// A PMF from a list (Source::parse), with and without normalisation: what it
// accepts is a valid source.
#include <cfloat>
#include <cmath>

#include "focalrd/limits.hpp"
#include "focalrd/source.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  if (size == 0) return 0;
  SourceOptions options;
  options.normalize = data[0] & 1;
  const std::string input = fuzz::text(data + 1, size - 1);
  fuzz::expect_refusal_or_success([&] {
    const Source s = Source::parse(input, options);
    double sum = 0.0;
    fuzz::require(s.size() >= 1 && s.size() <= limits::kMaxSymbols);
    for (double x : s.pmf()) {
      fuzz::require(x == 0.0 || (x >= DBL_MIN && x <= 1.0));
      sum += x;
    }
    fuzz::require(std::fabs(sum - 1.0) <= 1e-9 + 1e-15 * static_cast<double>(s.size()));
  });
  return 0;
}
