// The JSON reader behind checkpoints (detail::JsonValue::parse), and the
// checkpoint reader on what it accepts.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "bnb/checkpoint.hpp"
#include "bnb/instance.hpp"
#include "detail/json_read.hpp"
#include "focalrd/problem.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  const std::string input = fuzz::text(data, size);
  bool parsed = false;
  fuzz::expect_refusal_or_success([&] {
    detail::JsonValue::parse(input, "fuzz");
    parsed = true;
  });
  if (!parsed) return 0;
  static const Problem problem(Source::parse("0.4,0.3,0.2,0.1"), 2, 1.0);
  static const bnb::Instance instance = bnb::make_instance(problem);
  static const std::string path = "/tmp/focalrd-fuzz-checkpoint-" + std::to_string(getpid());
  {
    std::ofstream f(path, std::ios::binary);
    f << input;
  }
  fuzz::expect_refusal_or_success([&] { bnb::read_checkpoint(path, problem, 1e-9, instance); });
  std::remove(path.c_str());
  return 0;
}
