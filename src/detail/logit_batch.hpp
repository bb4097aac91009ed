// ℓ(s) and its slope at many logits at once: logit_point and log_phi
// (focal_loss.hpp) of each, the inner loop of the KKT solver, and the other
// loops over a cell's symbols that need a transcendental function. Two paths,
// chosen at run time from the CPU: plain scalar code with glibc's libm (the
// reference), and AVX2 with its own exp and log, within about 2 ulps, inlined
// so that several vectors are in flight at once. The default build stays
// generic x86-64.
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

// out[a] = ln x[a] for positive finite x[a], on the current path.
void log_batch(const double* x, std::size_t k, double* out);

// Σ_a r[a] e^(γ log_q[a]) (-log_p[a]): a cell's distortion, eq. (8), from
// the logarithms of its p and q = 1 - p (log_q <= 0), on the current path.
double weighted_losses(const double* r, const double* log_p, const double* log_q, std::size_t k,
                       double gamma);

// The AVX2 paths (logit_batch_avx2.cpp, built for AVX2): call only where the
// CPU has it.
void evaluate_logits_avx2(const double* s, std::size_t k, double gamma, const LogitBatch& out);
void log_batch_avx2(const double* x, std::size_t k, double* out);
double weighted_losses_avx2(const double* r, const double* log_p, const double* log_q,
                            std::size_t k, double gamma);

}  // namespace focalrd::detail
