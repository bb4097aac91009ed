#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "support/random.hpp"

int main(int argc, char** argv) {
  // Random tests draw from one seed; print it so that a failure can be replayed
  // with FOCALRD_TEST_SEED=<seed>.
  std::fprintf(stderr, "focalrd tests: seed %llu (set FOCALRD_TEST_SEED to change)\n",
               static_cast<unsigned long long>(focalrd::test::seed()));
  doctest::Context context(argc, argv);
  return context.run();
}
