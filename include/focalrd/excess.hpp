// Excess distortion, the paper's second open direction (Section VI): the
// least probability that a code with M messages exceeds distortion D,
//   ε*(M, D; γ) = min over (f, g) of P[d(X; g(f(X))) > D],  γ >= 0,
// with soft reconstruction and the focal loss d of eq. (8).
//
// Closed form. For γ >= 0, d(x; P) = (1 - P(x))^γ log(1/P(x)) decreases in
// P(x), so d(x; P) <= D exactly when P(x) >= t_D, where t_D is the root of
// (1 - t)^γ log(1/t) = D (t_0 = 1). Let g(c) = (1 - 1/c)^γ log c, increasing
// in c >= 1 with g(1) = 0, and L the largest integer c <= n with g(c) <= D.
// - Converse: if a message serves c symbols of its cell within D, one of them
//   has P(x) <= 1/c, so its loss is at least g(c); hence g(c) <= D and c <= L.
//   So a code serves at most min(n, M L) symbols, and P[served] is at most
//   the mass of the min(n, M L) most probable ones.
// - Achievability: put those symbols L to a message (the rest anywhere) and
//   decode each message to the uniform PMF on its served symbols: each gets
//   P(x) >= 1/L, loss g(L) <= D.
// So ε* is the mass outside the min(n, M L) most probable symbols. The cases:
// D = 0 gives L = 1 (only P(x) = 1 has zero loss: ε* is the mass outside the
// M most probable symbols); when 1/t_D is an integer c, g(c) = D and c
// counts (the event is d > D, strict); n <= M gives ε* = 0 for every D >= 0.
// L is decided by comparing g(c) with D exactly, in the requested units
// (log2 for bits): by logarithms where the two are clearly apart (so a large
// γ cannot underflow g(c) to 0), in 160-bit arithmetic where they are close.
// So D = 1 bit at γ = 0 gives L = 2, and the decimal 1.584962500721156 just
// below log2 3 gives L = 2, not 3.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "focalrd/control.hpp"
#include "focalrd/source.hpp"
#include "focalrd/units.hpp"

namespace focalrd {

struct ExcessResult {
  double epsilon = 0.0;         // ε*(M, D; γ)
  std::size_t per_message = 0;  // L: symbols one message can serve within D
  double served = 0.0;          // min(n, M L): the most probable symbols, all served
                                // (exact below 2^53; n-letter blocks go beyond)
  double threshold = 1.0;       // t_D (to rounding): served exactly when P(x) >= t_D
};

// g(c) = (1 - 1/c)^γ log c in `units`: the loss of a symbol given mass 1/c.
double uniform_share_loss(std::size_t c, double gamma, Units units);

// `count` symbols of mass `mass` each: a type class of an n-letter block
// (nletter.hpp), whose count can be far beyond 2^53 (then exact to rounding).
struct MassRun {
  double mass = 0.0;
  double count = 0.0;
};

class ExcessDistortion {
 public:
  // Sorts the source's masses once; the tail sums are compensated, in a fixed
  // order, so every ε* is reproducible bit for bit.
  explicit ExcessDistortion(const Source& source);
  // The same for runs of equal masses, in any order (runs of mass or count 0
  // are dropped). Throws too_large where one message could serve more than
  // 2^62 symbols within D (an enormous D for an enormous alphabet).
  explicit ExcessDistortion(std::vector<MassRun> runs);

  // ε*(M, D; γ) with D in `units`. M is a count of messages: an integer >= 1,
  // exact below 2^53 and any finite double beyond (a fixed rate R over long
  // blocks, M = floor(2^(nR)) far past 2^63: messages_for_rate). Throws
  // invalid_input for M < 1, not an integer or not finite, γ < 0 or not
  // finite, D < 0 or not finite.
  ExcessResult at(double M, double D, double gamma, Units units) const;

  // The inverse: the least D (in `units`) with ε*(M, D; γ) <= epsilon, for
  // epsilon in [0, 1]: the least double at or above g(c), for the least c
  // that serves enough mass.
  double least_distortion(double M, double epsilon, double gamma, Units units) const;

 private:
  // The mass outside the `served` most probable symbols.
  double tail(double served) const;
  // The largest c in [1, n] (at most 2^62) with g(c) <= D.
  std::size_t per_message(double D, double gamma, Units units) const;
  std::vector<MassRun> runs_;  // by descending mass
  std::vector<double> before_;  // before_[i]: symbols in runs 0..i-1 (before_.back() = n_)
  std::vector<double> tail_;    // tail_[i]: mass of runs i, i+1, ... (compensated)
  double n_ = 0.0;              // symbols of positive mass
};

// One row of a grid: ε* at (M, γ, D), or with a target ε the least D that
// meets it (then `target` is that ε and `result` is at the D found).
struct ExcessRow {
  double M = 1.0;                    // a count of messages (ExcessDistortion::at)
  std::optional<long long> exact_M;  // M itself, where it is known as an integer
  std::optional<double> rate;        // R when M = floor(2^(nR)) came from a rate
  double gamma = 0.0;
  double D = 0.0;
  std::optional<double> target;
  ExcessResult result;
};

// A grid of message counts: each M as given, or from a rate R in bits per
// letter with blocks of `block_length` letters (1 for a source that is not
// iid:N,...): M = floor(2^(nR)) (nletter.hpp: messages_at_rate) while nR <=
// 62, rounded to a double; beyond, 2^(nR) itself (the floor is below its
// rounding), to about 1e-13 relative for nR up to 1000, the largest double
// past 2^1024. A relative error δ in M moves the served count by δ and ε* by
// at most δ (the unserved symbols are the lightest). Rates must lie in
// [0, 1000] bits per letter.
struct MessageGrid {
  std::vector<double> counts;
  std::vector<std::optional<long long>> exact;  // one per count: M as an integer, where known
  std::vector<std::optional<double>> rates;  // one per count: R, or nothing for -M
};
MessageGrid messages_given(const std::vector<long long>& Ms);
MessageGrid messages_for_rates(const std::vector<double>& rates, std::size_t block_length);

// Every (M, γ, level) of the grids, in that order: levels are D values, or ε
// targets when `inverse`. The limits bound the whole table; rows not
// reached are left out. Invalid values throw before any work.
std::vector<ExcessRow> excess_table(const ExcessDistortion& solver, const MessageGrid& Ms,
                                    const std::vector<double>& gammas,
                                    const std::vector<double>& levels, bool inverse, Units units,
                                    const Limits& limits = {});

}  // namespace focalrd
