// Prints a hash of many results of glibc's exp, log, pow and log1p: the hash
// differs between libm's code paths (FMA/AVX2 or SSE2) on a CPU that has
// both, so tools/libm-paths.sh can check that GLIBC_TUNABLES took effect.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

int main() {
  std::uint64_t state = 88172645463325252ull, hash = 1469598103934665603ull;
  auto uniform = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<double>(state >> 11) * 0x1p-53;
  };
  for (int i = 0; i < 1000000; ++i) {
    const double x = uniform() * 20 - 10, y = uniform() * 5;
    const double values[] = {std::exp(x), std::log(std::fabs(x) + 1e-3), std::pow(std::fabs(x), y),
                             std::log1p(std::fabs(x))};
    for (double v : values) {
      std::uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      hash = (hash ^ bits) * 1099511628211ull;
    }
  }
  std::printf("%016llx\n", static_cast<unsigned long long>(hash));
  return 0;
}
