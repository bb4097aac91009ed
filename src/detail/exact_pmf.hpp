// Family PMFs correctly rounded: each probability is computed in 160-bit
// binary floating point (Boost.Multiprecision's cpp_bin_float) from the
// parameters as written (the decimal 0.1, not the double nearest to it), and
// rounded once to the nearest double. So they do not depend on the machine's
// libm, and a symmetric family (P = 1/2) is exactly symmetric.
#pragma once

#include <string>
#include <vector>

namespace focalrd::detail {

// Binomial(K, P) on {0..K}: C(K, k) P^k (1-P)^(K-k). `p` is the text of P (a
// decimal or a fraction a/b, already checked to lie in [0, 1]). Throws
// invalid_input when a probability lies below the normal range of a double.
std::vector<double> binomial_pmf(long long K, const std::string& p, const std::string& spec);

// Geometric(P) truncated to {0..N-1} and renormalised: P (1-P)^k / (1 - (1-P)^N).
std::vector<double> geometric_pmf(const std::string& p, long long N, const std::string& spec);

// The i.i.d. extension of the PMF (P_1, ..., P_k) (texts, each a probability
// in [0, 1], summing to 1 within tol::kPmfSum; normalised by their exact sum)
// to blocks of N letters: the sequence (x_1, ..., x_N), letters 0-based, is
// symbol Σ_i x_i k^(N-i) (lexicographic order, x_1 most significant) with
// mass Π_i P_(x_i), correctly rounded. k^N <= limits::kMaxSymbols is the
// caller's to check. Sequences of one type get exactly the same mass.
std::vector<double> iid_pmf(long long N, const std::vector<std::string>& p, const std::string& spec);

}  // namespace focalrd::detail
