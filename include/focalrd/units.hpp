// Units of information. The library computes in nats; results are scaled to
// the requested unit only when reported.
#pragma once

#include <string>

namespace focalrd {

enum class Units { bits, nats };

// Multiply a quantity in nats by this to express it in `u`.
double per_nat(Units u);

std::string to_string(Units u);
// Throws std::invalid_argument naming the accepted values.
Units units_from_string(const std::string& name);

}  // namespace focalrd
