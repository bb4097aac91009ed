// focalrd verify's readers (JSON documents, JSON lines, CSV, reference
// tables) on any text, with small limits so that a valid record cannot make
// one run long: a file may be refused or disagree, nothing else.
#include "focalrd/verify.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace focalrd;
  VerifyOptions options;
  options.threads = 1;
  options.exact_node_limit = 200;
  options.limits.time_limit_seconds = 0.5;
  const std::string input = fuzz::text(data, size);
  fuzz::expect_refusal_or_success([&] {
    const VerifyReport report = verify(input, "fuzz", options);
    for (const std::string& line : report.disagreements) fuzz::require(!line.empty());
  });
  return 0;
}
