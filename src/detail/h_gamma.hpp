// h_γ(n) of eq. (15) under run control: the maximisation over d polls the
// control and gives nothing when stopped, since a partial maximum would
// understate h_γ and overstate the converse (17).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "detail/control.hpp"

namespace focalrd::detail {

std::optional<double> h_gamma(std::size_t n, double gamma, int threads, const Control& control);

// max over q in [0, 1] of f: a grid of 400 cells, then golden-section search
// on the two cells around every local maximum of the grid (as for eq. (15)).
double maximise_over_unit_interval(const std::function<double(double)>& f);

// An upper bound on h_γ(N) for an alphabet of N = e^log_N symbols, N up to
// the range of a double and beyond: h_γ(N) itself while N <= kExactUpTo;
// beyond, the larger of h_γ(kExactUpTo) (every d < kExactUpTo of eq. (15))
// and a bound on every d >= D0 = kExactUpTo: with x = q/d <= 1/D0,
//   d x^((1-x)^γ) = q e^((1 - (1-x)^γ) ln(1/x)) <= q e^(c x ln(1/x)) <= q K,
// c = max(1, γ) (eq. (56)), K = e^(c ln(D0)/D0) (x ln(1/x) increases below
// 1/e), so each such term of (15) is at most log((1-q)^(q^γ) + K q). Also at
// most (16). Nothing when the control stops it.
inline constexpr std::size_t kExactUpTo = 4096;
std::optional<double> h_gamma_upper(double log_N, double gamma, const Control& control);

}  // namespace focalrd::detail
