// Named numerical tolerances, in one place. Every comparison of computed
// values in focalrd and its tests uses one of these.
#pragma once

#include <algorithm>
#include <cmath>

namespace focalrd::tol {

// Input PMFs must sum to 1 within this, unless the user asks to normalise.
inline constexpr double kPmfSum = 1e-9;

// Agreement with the independent high-precision reference values
// (data/reference/README.md): relative, with an absolute floor near zero.
inline constexpr double kReferenceRel = 1e-9;
inline constexpr double kReferenceAbs = 1e-12;

// Agreement with focalrd's own high-precision values (data/reference/
// high_precision.json, mpmath at 40 digits): relative, with a floor of a few
// units of the smallest subnormal for values below the normal range, whose
// precision falls with their size.
inline constexpr double kHighPrecisionRel = 1e-12;
inline constexpr double kSubnormalAbs = 8 * 4.9406564584124654e-324;

// Agreement required between the two per-cell solvers (NLopt and KKT):
// relative, with no absolute floor, even for cells whose cost is 1e-24.
inline constexpr double kSolverAgreementRel = 1e-10;
inline constexpr double kSolverAgreementAbs = 0.0;

// Slack used when checking the chain converse <= exact <= (28) <= (22) <= (23):
// relative to the larger side, with an absolute floor.
inline constexpr double kChainRel = 1e-11;
inline constexpr double kChainAbs = 1e-13;

// KKT solver: Newton steps in the logit and log-multiplier variables stop when
// the step is below this many ulps (relative to max(1, |x|)).
inline constexpr double kNewtonStepRel = 4e-16;
inline constexpr int kNewtonMaxIterations = 200;

// NLopt per-cell solver: relative change in the objective that ends a run.
inline constexpr double kNloptFtolRel = 1e-15;
inline constexpr int kNloptMaxEvaluations = 20000;

// |a - ref| <= max(rel * |ref|, abs).
inline bool agrees(double a, double ref, double rel, double abs) {
  return std::fabs(a - ref) <= std::max(rel * std::fabs(ref), abs);
}

// Ordering with slack: a <= b up to max(rel * max(|a|, |b|), abs).
inline bool leq_with_slack(double a, double b, double rel, double abs) {
  return a <= b + std::max(rel * std::max(std::fabs(a), std::fabs(b)), abs);
}

}  // namespace focalrd::tol
