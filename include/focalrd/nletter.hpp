// n-letter sources (Section II, eq. (9); Theorem 3) by types. The i.i.d.
// extension of a PMF (p_1, ..., p_k) to blocks of n letters has k^n
// sequences but only C(n + k - 1, k - 1) types (count vectors): every
// sequence of one type has the same mass, so any quantity that depends on the
// masses only through their values and multiplicities is a sum over types.
// That makes blocks of hundreds of letters tractable where listing k^n
// sequences (the iid:N,... source) stops at 10^6.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "focalrd/control.hpp"
#include "focalrd/excess.hpp"
#include "focalrd/result.hpp"
#include "focalrd/units.hpp"

namespace focalrd {

struct TypeClass {
  std::vector<int> counts;  // how many of each letter
  double log_mass = 0.0;    // ln of one sequence's mass, Σ_j counts_j ln p_j
  double log_count = 0.0;   // ln of the number of sequences, ln n! - Σ_j ln counts_j!
};

// The letters of positive mass, normalised by their sum (they must be finite,
// in [0, 1] and sum to 1 within tol::kPmfSum); throws invalid_input.
std::vector<double> block_letters(const std::vector<double>& letters);

// How many types blocks of n letters of k positive letters have,
// C(n + k - 1, k - 1), as a double (+inf beyond its range).
double type_count(std::size_t k, std::size_t n);

// Every type of blocks of n >= 1 letters (block_letters applied first).
// Throws too_large beyond limits::kMaxSymbols types.
std::vector<TypeClass> type_classes(const std::vector<double>& letters, std::size_t n);

// M = floor(2^(nR)) for rate R >= 0 (bits per letter), exactly, for R as
// written: the shortest decimal that reads back as the double R (so R = 0.3,
// n = 10 gives 8 and R = 0.51, n = 100 gives 2^51, where the binary doubles
// just below and above would give 7 and 2^51 + 1; 2^R = 2.99999999999968
// gives 2), in 160-bit arithmetic. Nothing when nR > 62.
std::optional<long long> messages_at_rate(std::size_t n, double rate);

// ln M for that M; beyond nR = 62, nR ln 2 itself (a larger M by less than
// one part in 2^62, under which every lower bound of d_n* remains one).
// Rates must be finite, >= 0 and at most 1000 bits per letter.
double log_messages_at_rate(std::size_t n, double rate);

// The Lagrangian converse (bounds.hpp) of the block source with M = e^log_M
// messages, over types: max over θ of Σ_t |t| h(r_t, θ) - M θ, in nats, for
// the whole block (divide by n for eq. (9)). 0 when M >= k^n. The maximising
// θ is found by bisection on the sign of Σ_t |t| p_t(θ) - M; the value at any
// θ is a lower bound on d_n*, and it is lowered by a margin covering the
// rounding of the type probabilities (their logarithms are sums of terms up
// to ln n! in size) and of the inner minima (which grows with γ):
//   (16 ε (1 + max_t |ln |t|| + |ln r_t|) + 1e-13 (1 + γ)) Σ_t P(t) H_t,
// so the result is certified, not just computed: about 3e-11 relative at
// n = 1000, 1e-13 for short blocks. Nothing when `control` stops it.
std::optional<double> lagrangian_converse_by_types(const std::vector<double>& letters,
                                                   std::size_t n, double log_M, double gamma,
                                                   const Limits& limits = {});

// The converse (17) of the block source, over types: [n H(X) - ln M -
// h_γ(k^n)]^+ in nats for the whole block, with h_γ(k^n) itself while k^n <=
// 4096 and a proved upper bound on it beyond (detail/h_gamma.hpp), so the
// result is a certified lower bound on d_n* for any n.
double converse_by_types(const std::vector<double>& letters, std::size_t n, double log_M,
                         double gamma);

// The achievability bound (22) of the block source with F = R^n and M =
// e^log_M messages, over types: Σ over the types t with M r_t < 1 of
// |t| r_t (1 + M r_t)^-γ ln(1 + 1/(M r_t)), in nats for the whole block; 0
// when M >= k^n. An upper bound on d_n* (it bounds the code (26)-(28) from
// above, Theorem 2): raised by the margin 16 ε (1 + γ)(1 + max_t |ln |t|| +
// |ln r_t| + |ln M|) of its rounding, plus 1e-300 for terms that underflow,
// and a type whose M r_t is within that rounding of 1 is counted, so the
// result stays a certified upper bound.
double achievability_22_by_types(const std::vector<double>& letters, std::size_t n, double log_M,
                                 double gamma);

// The scheme (26)-(28) of Theorem 2 with F = R^n over types: eq. (28), the
// distortion of that code, in nats for the whole block, with M messages (a
// count: exact below 2^53; beyond, any double at most floor(2^(nR)), so
// still a code with at most M messages). The greedy (26) places each run of
// equal masses in bulk (detail/scheme_by_runs.hpp). An upper bound on d_n*,
// raised by the margin 16 ε (1 + γ)(1 + max_t |ln |t|| + |ln r_t| + ln M) of
// its rounding; 0 when M >= k^n.
double achievability_28_by_types(const std::vector<double>& letters, std::size_t n, double M,
                                 double gamma);
// That M at rate R: M = floor(2^(nR)) (messages_at_rate) as a double at most
// M, exact below 2^53 and one ulp lower beyond; past 2^62 (no M), 2^(nR)
// from log_M, lowered by 1e-14.
double scheme_messages(const std::optional<long long>& M, double log_M);

// ε*(M, D; γ) of the block source (excess.hpp) over types: one run of |t|
// sequences of mass r_t per type, so blocks of hundreds of letters work. For
// a source spec: iid:N,P1,...,Pk by types when its k^N sequences are too many
// to list, any other spec (and smaller blocks) as the listed source. Type
// counts come from ln n! - Σ ln c_j!, rounded to integers below 2^53: ε* to
// about 1e-13 absolute for blocks of 1000 letters.
ExcessDistortion excess_by_types(const std::vector<double>& letters, std::size_t n);
ExcessDistortion excess_of_spec(const std::string& spec);
// The block length N of iid:N,...; 1 for any other spec.
std::size_t block_length_of_spec(const std::string& spec);

// One row of focalrd nletter: blocks of n letters at rate R, in `units`.
struct NLetterRow {
  std::string letters;  // P1 ... Pk as written, separated by spaces
  double rate = 0.0;    // R, bits per letter
  std::size_t n = 0;
  double gamma = 0.0;
  double log2_messages = 0.0;    // log2 M
  std::optional<long long> messages;  // M itself while it fits
  double entropy = 0.0;          // H(X), per letter
  double limit = 0.0;            // Theorem 3: [H(X) - R]^+, per letter
  double converse = 0.0;         // the converse (17) / n (certified lower bound on d_n*/n)
  double lagrangian = 0.0;       // the Lagrangian converse / n (certified lower bound on d_n*/n)
  double achievability_28 = 0.0;  // (28) with F = R^n, / n (certified upper bound on d_n*/n)
  double achievability_22 = 0.0;  // (22) with F = R^n, / n (certified upper bound on d_n*/n)
  std::optional<ExactResult> exact;  // d_n* itself (per block) where k^n is small enough
};

struct NLetterOptions {
  double rate = 0.5;             // R, bits per letter
  std::size_t exact_symbols = 64;  // solve d_n* exactly while k^n <= this
  double exact_seconds = 60.0;   // per exact point (0: none)
  int threads = 0;
  Limits limits;                 // the whole table
};

// Every (n, γ) of the grids, in that order, for the letters as written
// (texts, as in iid:N,P1,...,Pk); rows not reached by the limits are left out.
std::vector<NLetterRow> nletter_table(const std::vector<std::string>& letters,
                                      const std::vector<long long>& ns,
                                      const std::vector<double>& gammas, const NLetterOptions& options);

}  // namespace focalrd
