// The paper's bounds on d*(M; γ), for any source: the converse of Theorem 1
// (eq. (17)) and the achievability of Theorem 2: the code of eqs. (26)-(27)
// built from an auxiliary PMF F, its exact distortion (28), and the bounds
// (22) and (23). All values in nats.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "focalrd/cell_solver.hpp"
#include "focalrd/control.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/result.hpp"
#include "focalrd/search.hpp"
#include "focalrd/units.hpp"

namespace focalrd {

// eq. (17): [H(R) - ln M - h_γ(|X|)]^+. |X| is the support of R: an optimal
// code puts no reconstruction mass outside it, so step (e) of the proof holds
// with the support's size, which only tightens the bound.
double converse_bound(const Problem& problem);

// A converse from Lagrangian duality, valid for any source, M and γ:
// every code's cell PMFs satisfy Σ_{a in cell} p_a <= 1, so Σ_a p_a <= M over
// all symbols; relaxing that with a multiplier λ >= 0 gives
//   d* >= L(λ) = Σ_a min_{p in (0,1]} [r_a (1-p)^γ ln(1/p) + λ p] - M λ,
// concave in λ and maximal where Σ_a p_a(λ) = M (the KKT budget solver).
// γ >= 0: 0 when the support has at most M symbols; at γ = 0 it equals
// [H(R) - ln M]^+ whenever no symbol has r_a >= λ. γ < 0 (beyond the paper):
// weak duality still holds once each inner minimum is global, which
// detail/negative_gamma.hpp ensures; the only converse focalrd has there.
double lagrangian_converse(const Problem& problem);

// eq. (26): the compressor of Theorem 2. Symbols sorted by F descending (ties:
// lower index first); the first min(M, n) get their own messages; each later
// symbol goes to the message with the least accumulated F mass (lowest message
// on ties). Returns the cells in message order, symbols ascending.
std::vector<std::vector<std::size_t>> scheme_partition(const std::vector<double>& F, std::size_t M);

// eqs. (26)-(27): that partition with the decompressor P_m(a) = F(a) / P_F(m).
// A cell whose symbols all have F = 0 (possible only for R = 0 there) gets
// the uniform PMF.
Code scheme_code(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                 double gamma);

// eq. (28): the exact distortion of the scheme. 0 when n <= M and γ > -1.
// It is a code's distortion, so an upper bound on d* for every γ, also γ < 0
// (then +inf when a cell of one symbol gets mass 1 at γ < -1).
double achievability_28(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                        double gamma);
// eq. (22) and eq. (23): its upper bounds, sums over A = {F(a) < 1/M}; 0 when
// n <= M (Theorem 2). Strictly (28) < (22) < (23) when some F(a) < 1/M.
double achievability_22(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                        double gamma);
double achievability_23(const std::vector<double>& r, const std::vector<double>& F, std::size_t M,
                        double gamma);

// The auxiliary PMF F of Theorem 2.
enum class FxKind {
  source,     // F = R, as in the paper
  uniform,    // F = 1/n
  given,      // a user-supplied PMF
  optimised,  // the F found by optimise_fx
};
std::string to_string(FxKind kind);

// F for a problem (source, uniform or given; optimised F comes from
// optimise_fx). A given F must be a PMF on the alphabet with F(a) > 0
// wherever R(a) > 0 (else (28) is infinite); throws std::invalid_argument.
std::vector<double> auxiliary_pmf(const Problem& problem, FxKind kind,
                                  const std::vector<double>& given = {});

// The partition of the scheme (26) for F, with each cell's PMF optimised by
// `solver` instead of (27): an achievability at least as good as (28).
Code reoptimised_scheme_code(const Problem& problem, const std::vector<double>& F,
                             const CellSolver& solver);

// Which quantities evaluate_bounds computes, and how.
struct BoundsOptions {
  bool entropy = true, h_gamma = true, converse = true;
  bool lagrangian = true;    // the Lagrangian converse
  bool scheme = true;        // (28), (22), (23) for the chosen F (`fx`)
  bool optimised_fx = true;  // (28) at the optimised F
  bool reoptimised = true;   // the scheme's partition with optimal cell PMFs
  bool exact = true;         // d*, when the alphabet is small enough
  // ε*(M, D; γ) (excess.hpp) at this D, in `excess_units`, when set
  std::optional<double> excess_distortion;
  Units excess_units = Units::bits;
  FxKind fx = FxKind::source;
  std::vector<double> fx_given;
  int fx_evaluations = 20000;  // per start of optimise_fx
  // The exact search; it is attempted only if its strategy accepts the size.
  // It stops at the limits below as well as at its own.
  ExactOptions exact_options;
  int threads = 0;  // for h_γ(n) and the exact search
  // The whole evaluation: quantities not reached before a stop are absent,
  // and the result's status says why.
  Limits limits;
};

struct BoundsResult {
  std::size_t n = 0, support = 0, M = 0;
  double gamma = 0.0;
  std::optional<double> entropy, focal_entropy;  // H(R), and H_γ(R) of eq. (11)
  std::optional<double> h_gamma, h_gamma_bound, converse, converse_lagrangian;
  std::optional<double> achievability_28, achievability_22, achievability_23;
  std::optional<double> achievability_optimised_fx, optimised_fx_gain;
  std::optional<double> achievability_reoptimised;
  std::optional<ExactResult> exact;
  std::optional<double> excess;  // ε*(M, D; γ), a probability (γ >= 0)
  std::optional<double> excess_distortion;  // its D, in the options' excess_units
  std::string exact_note;  // why exact is absent, when it was asked for
  // What else was left out and why: at γ < 0 the bounds proved for γ >= 0
  // only, and (28) where it is +inf.
  std::string note;
  FxKind fx = FxKind::source;
  std::vector<double> fx_optimised;
  // The optimised F is a heuristic: this says whether its search converged or
  // stopped at its evaluation limit (its value is (28) at fx_optimised anyway).
  SolveStatus fx_status = SolveStatus::converged;
  // certified when every quantity asked for was computed and the exact d*
  // (if asked for) is certified; otherwise why not (the worst status).
  Status status = Status::certified;
};

// γ < 0 (beyond the paper): the quantities proved only for γ >= 0 (h_γ, (17),
// (22), (23), the optimised F_X) are left out and named in `note`; an
// optimised F is invalid input there.
// Throws invalid_input for bad options; an exact search beyond its method's
// limits is skipped (exact_note says why, status is `skipped`).
BoundsResult evaluate_bounds(const Problem& problem, const BoundsOptions& options = {});

}  // namespace focalrd
