// Sources: the PMF R_X of the paper (eq. (7)), its parsing and validation.
// A Source that exists is valid: at most limits::kMaxSymbols finite masses,
// each 0 or a normal double in (0, 1], summing to 1.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "focalrd/parse.hpp"

namespace focalrd {

struct SourceOptions {
  // Rescale masses whose sum is off 1 by more than tol::kPmfSum instead of
  // refusing them.
  bool normalize = false;
};

class Source {
 public:
  // Throws std::invalid_argument naming the offending entry and the rule.
  static Source from_pmf(std::vector<double> pmf, const SourceOptions& options = {},
                         std::string label = "pmf");

  // Parses a list such as "2/3, 1/4 1/12" or "[0.5,5e-1]": entries separated by
  // commas and/or white space; decimals, exponents and fractions a/b.
  static Source parse(const std::string& text, const SourceOptions& options = {});

  // A named family:
  //   binomial:K,P        Binomial(K, P) on {0..K}
  //   uniform:N           1/N each
  //   geometric:P,N       P (1-P)^k on {0..N-1}, truncated and renormalised
  // Binomial, uniform and geometric probabilities are correctly rounded (each
  // the double nearest to its exact value, P taken as written: 0.1 is 1/10),
  // whatever the machine; Binomial(K, 1/2) is exactly symmetric.
  //   dirichlet:N,SEED[,ALPHA]  a random PMF from Dirichlet(ALPHA, ..., ALPHA)
  //                       (ALPHA = 1 by default), reproducible from SEED
  //   iid:N,P1,...,Pk     the i.i.d. extension of (P1, ..., Pk) to blocks of N
  //                       letters (Section II, eq. (9)): k^N symbols, the
  //                       sequences in lexicographic order (block_sequence),
  //                       masses the correctly rounded products
  // No symbol is dropped: a family whose probabilities underflow a double is
  // refused with the count and the smallest value.
  static Source family(const std::string& spec);

  // Reads one probability per line, or one column of a CSV file: `column` is
  // a 0-based index or a header name. Blank lines and lines starting with '#'
  // are skipped; a first line that is not a number in that column is a header.
  // Only regular files of at most limits::kMaxFileBytes are read.
  static Source read_file(const std::string& path, const std::string& column = "0",
                          const SourceOptions& options = {});
  // The same for the text of such a file; `label` names it in messages.
  static Source parse_table(const std::string& text, const std::string& column,
                            const SourceOptions& options = {}, const std::string& label = "table");

  // eqs. (6)-(7): R_X(x) = P_X(x) Q(x) / Σ_a P_X(a) Q(a). Q is a list of
  // non-negative weights, one per symbol; only their ratios matter.
  Source with_weights(const std::vector<double>& q) const;

  const std::vector<double>& pmf() const { return r_; }
  double operator[](std::size_t i) const { return r_[i]; }
  std::size_t size() const { return r_.size(); }
  // Number of symbols with positive mass.
  std::size_t support_size() const;
  const std::string& label() const { return label_; }
  // For iid:N,...: the block length N and the letters k (0 and 0 otherwise).
  std::size_t block_length() const { return block_length_; }
  std::size_t letters() const { return letters_; }

 private:
  Source(std::vector<double> r, std::string label) : r_(std::move(r)), label_(std::move(label)) {}
  std::vector<double> r_;
  std::string label_;
  std::size_t block_length_ = 0, letters_ = 0;
};

// The letters of symbol `symbol` of an i.i.d. block source with `letters`
// letters and blocks of `length`: one digit per letter (x_1 first) when
// letters <= 10, else the letters joined by '.'.
std::string block_sequence(std::size_t symbol, std::size_t letters, std::size_t length);

}  // namespace focalrd
