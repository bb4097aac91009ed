// h_γ(n) of eq. (15) under run control: the maximisation over d polls the
// control and gives nothing when stopped, since a partial maximum would
// understate h_γ and overstate the converse (17).
#pragma once

#include <cstddef>
#include <optional>

#include "detail/control.hpp"

namespace focalrd::detail {

std::optional<double> h_gamma(std::size_t n, double gamma, int threads, const Control& control);

}  // namespace focalrd::detail
