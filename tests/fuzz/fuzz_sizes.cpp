// Byte sizes and bounded integers (parse_bytes, parse_integer).
#include <cmath>

#include "focalrd/parse.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  const std::string input = fuzz::text(data, size);
  fuzz::expect_refusal_or_success([&] {
    const double b = parse_bytes(input, "--memory-budget");
    fuzz::require(b > 0.0 && std::isfinite(b));
  });
  fuzz::expect_refusal_or_success([&] {
    const long long v = parse_integer(input, "--threads", 0, 1024);
    fuzz::require(v >= 0 && v <= 1024);
  });
  return 0;
}
