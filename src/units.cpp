#include "focalrd/units.hpp"

#include <cmath>
#include <stdexcept>

#include "detail/names.hpp"

namespace focalrd {

double per_nat(Units u) { return u == Units::bits ? 1.0 / std::log(2.0) : 1.0; }

std::string to_string(Units u) { return u == Units::bits ? "bits" : "nats"; }

Units units_from_string(const std::string& name) {
  return detail::from_name<Units>(name, {Units::bits, Units::nats}, "units");
}

}  // namespace focalrd
