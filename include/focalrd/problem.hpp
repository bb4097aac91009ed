// One instance of the paper's problem: a source R_X, a number of messages M
// and a focus parameter γ. A Problem that exists is valid.
#pragma once

#include <cstddef>
#include <string>

#include "focalrd/source.hpp"

namespace focalrd {

// Throws std::invalid_argument unless γ is finite and >= 0.
void check_gamma(double gamma);
// The range a Problem accepts: γ >= kMinGamma. γ < 0 is beyond the paper
// (detail/negative_gamma.hpp): the exact search takes it (enumeration, the
// DP, branch-and-bound), and of the bounds only the Lagrangian converse;
// the paper's bounds refuse it (require_nonnegative_gamma).
inline constexpr double kMinGamma = -10.0;
void check_signed_gamma(double gamma);
// Throws std::invalid_argument unless M >= 1.
void check_messages(long long M);

class Problem;
// Throws std::invalid_argument where γ < 0, naming `what`.
void require_nonnegative_gamma(const Problem& problem, const std::string& what);

class Problem {
 public:
  // Throws std::invalid_argument naming the value and the rule it breaks.
  Problem(Source source, long long M, double gamma);

  const Source& source() const { return source_; }
  const std::vector<double>& pmf() const { return source_.pmf(); }
  std::size_t size() const { return source_.size(); }
  std::size_t messages() const { return M_; }
  double gamma() const { return gamma_; }
  // Cells a search must form: min(M, n). Using more cells never hurts:
  // splitting a cell S = A ∪ B and giving each part the renormalised
  // restriction of S's PMF raises every p_a, and the loss is non-increasing in
  // p, so c(A) + c(B) <= c(S). For γ < 0, where the loss need not decrease,
  // each part keeps S's PMF unchanged, its mass outside the part costing
  // nothing there: again c(A) + c(B) <= c(S).
  std::size_t cells() const { return M_ < size() ? M_ : size(); }

 private:
  Source source_;
  std::size_t M_;
  double gamma_;
};

}  // namespace focalrd
