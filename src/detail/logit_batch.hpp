// ℓ(s) and its slope at many logits at once: logit_point and log_phi
// (focal_loss.hpp) of each, the inner loop of the KKT solver. Two paths with
// the same formulas: plain scalar code with glibc's libm, and AVX2 with
// glibc's vector math library (libmvec, within 4 ulps), chosen at run time
// from the CPU. The default build stays generic x86-64.
#pragma once

#include <cstddef>

namespace focalrd::detail {

struct LogitBatch {
  double *p, *q, *log_p, *log_q;  // as LogitPoint
  double *value, *slope;          // as LogPhi
};

enum class MathPath { scalar, avx2 };

// The path in use: AVX2 where the CPU has AVX2 and FMA, unless the
// environment sets FOCALRD_MATH=scalar; decided once.
MathPath math_path();
// For tests that compare the paths: use `path` from now on (avx2 only where
// the CPU has it; returns whether it was set).
bool set_math_path(MathPath path);

// Fills out[a] for a in [0, k) at logits s[a], on the current path.
void evaluate_logits(const double* s, std::size_t k, double gamma, const LogitBatch& out);

// The AVX2 path (logit_batch_avx2.cpp, built for AVX2): call only where the
// CPU has it.
void evaluate_logits_avx2(const double* s, std::size_t k, double gamma, const LogitBatch& out);

}  // namespace focalrd::detail
