#include "focalrd/units.hpp"

#include <cmath>
#include <stdexcept>

namespace focalrd {

double per_nat(Units u) { return u == Units::bits ? 1.0 / std::log(2.0) : 1.0; }

std::string to_string(Units u) { return u == Units::bits ? "bits" : "nats"; }

Units units_from_string(const std::string& name) {
  if (name == "bits") return Units::bits;
  if (name == "nats") return Units::nats;
  throw std::invalid_argument("units '" + name + "' is not known; use bits or nats");
}

}  // namespace focalrd
