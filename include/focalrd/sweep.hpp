// Sweeps over γ and M, the h_γ table, and random checks of the paper's
// chain of inequalities: the data behind the figures and the regression files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "focalrd/bounds.hpp"
#include "focalrd/parse.hpp"
#include "focalrd/source.hpp"

namespace focalrd {

enum class Quantity {
  entropy,
  h_gamma,
  h_gamma_bound,
  converse,
  converse_lagrangian,
  achievability_28,
  achievability_22,
  achievability_23,
  achievability_optimised_fx,
  achievability_reoptimised,
  exact,
  excess,  // ε*(M, D; γ) of excess.hpp at the sweep's one D: a probability
};
// Every quantity but excess, which needs its level D ("all").
const std::vector<Quantity>& all_quantities();
std::string to_string(Quantity q);  // also the CSV column and JSON key
// Whether q is defined and proved for γ < 0 too (beyond the paper): the
// entropy, the Lagrangian converse, and the distortions of codes ((28), the
// re-optimised scheme, the exact d*).
bool holds_for_negative_gamma(Quantity q);
// A comma-separated list of names, or "all". Throws std::invalid_argument.
std::vector<Quantity> parse_quantities(const std::string& text);

// Throws invalid_input where a γ < 0 of the grid meets a named quantity that
// is proved for γ >= 0 only; "all" (`all` true) leaves those empty instead.
void check_negative_gamma_quantities(const std::vector<double>& gammas,
                                     const std::vector<Quantity>& quantities, bool all);

struct SweepPoint {
  std::size_t index = 0;  // position in the grid (γ-major)
  long long M = 0;
  double gamma = 0.0;
  bool done = false;  // false: not reached before the sweep stopped
  BoundsResult result;
};

struct SweepOptions {
  std::vector<long long> messages;  // M values
  std::vector<double> gammas;
  std::vector<Quantity> quantities;
  // Each point's evaluation: F choice, exact search, ...; its quantity flags
  // are set from `quantities`, and its limits bound each point.
  BoundsOptions bounds;
  int threads = 0;        // in all (0: all available)
  int point_threads = 1;  // of those, for each point's exact search and h_γ;
                          // points run threads / point_threads at a time
  // The whole sweep: time, the cancellation flag, progress (done/total points).
  Limits limits;
  // Called with each finished point in grid order, as soon as it and every
  // point before it are done (from one thread at a time); after a stop, with
  // every finished point still held, in order.
  std::function<void(const SweepPoint&)> on_point;
};

// Every (γ, M) of the grid, γ-major, computed in parallel; the output order and
// values do not depend on the thread count. Throws invalid_input before any
// work when a point is invalid.
std::vector<SweepPoint> run_sweep(const Source& source, const SweepOptions& options);
// The problems of that grid, γ-major (the points run_sweep evaluates).
std::vector<Problem> sweep_problems(const Source& source, const SweepOptions& options);

// The same engine for any list of problems (a dataset): the points are the
// problems, in order (SweepPoint::index), with the options' quantities and
// limits (its messages and gammas are not used). Problems whose entry in
// `skip` is nonzero are neither computed nor handed out (a resumed run).
std::vector<SweepPoint> run_points(const std::vector<Problem>& problems,
                                   const SweepOptions& options, const std::vector<char>& skip = {});

struct HGammaPoint {
  long long n = 0;
  double gamma = 0.0;
  double h_gamma = 0.0;  // eq. (15), nats
  double bound = 0.0;    // eq. (16), nats
};
// n up to limits::kMaxSymbols. Points not reached before `limits` stop the
// table are left out (the result is shorter than the grid).
std::vector<HGammaPoint> h_gamma_table(const std::vector<long long>& ns,
                                       const std::vector<double>& gammas, int threads = 0,
                                       const Limits& limits = {});

// Random instances checked against converse (17) and the Lagrangian converse
// <= exact <= reoptimised <= (28)
// <= (22) <= (23), exact <= optimised-F (28) <= (28), and the strict
// inequalities (28) < (22) < (23) when some F(a) < 1/M.
struct CheckOptions {
  int trials = 100;
  std::uint64_t seed = 1;
  int max_symbols = 9;
  int fx_evaluations = 3000;
  int threads = 0;
  // γ drawn from [-3, 0) instead (beyond the paper): what is proved there
  // (Lagrangian converse <= exact <= re-optimised <= (28), (28) where finite),
  // and (22), (23) against them, to find which fail (CheckViolation::proved).
  bool negative_gamma = false;
  Limits limits;  // trials not started before a stop are not run (or counted)
};

struct CheckInstance {
  int trial = 0;
  std::string shape;
  std::vector<double> pmf;
  long long M = 0;
  double gamma = 0.0;
};

struct CheckViolation {
  CheckInstance instance;
  std::string relation;  // e.g. "exact <= achievability_28"
  double lhs = 0.0, rhs = 0.0;
  // false: a relation only explored (γ < 0: (22) and (23), derived for
  // γ >= 0), whose failure is a finding, not a defect
  bool proved = true;
};

struct CheckReport {
  int trials = 0;  // run: fewer than asked for when the limits stopped the check
  std::uint64_t seed = 0;
  int relations_checked = 0;
  std::vector<CheckViolation> violations;
  double seconds = 0.0;
};

// The instance of one trial: a function of (seed, trial) only.
CheckInstance check_instance(std::uint64_t seed, int trial, int max_symbols,
                             bool negative_gamma = false);
CheckReport run_check(const CheckOptions& options);

}  // namespace focalrd
