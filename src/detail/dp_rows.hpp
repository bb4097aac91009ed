// The inner loops of the subset DP (search_dp.cpp) on rows of eight sets.
//
// Tables here are indexed by bit masks over symbols, and a row is the eight
// masks 8h .. 8h+7 that share their bits above the lowest three. A row of a
// recursion level is a min-plus subset convolution of rows of the cell table
// and of the level below, done eight lanes at a time on cache-line-sized
// rows. Only additions and minima: every path gives bit-identical values, so
// the choice between them (AVX2 where the CPU has it) never changes a result.
#pragma once

#include <cstdint>

namespace focalrd::detail {

// Row h >= 1 of D(T) = min over S ⊆ T with S ∋ max(T) of cell[S] + prev[T \ S],
// for the eight T = 8h + t: writes out[t], t = 0..7.
void dp_level_row(const double* cell, const double* prev, std::uint32_t h, double* out);

// Part of the same minimum for the one state T = all of rows 0 .. 2 top - 1
// (top a power of two, T = 16 top - 1): over S = 8 (top | u) + s, so
// T \ S = 8 (top - 1 - u) + (7 - s), for u in [u_begin, u_end) and s = 0..7.
double dp_top_range(const double* cell, const double* prev, std::uint32_t top,
                    std::uint32_t u_begin, std::uint32_t u_end);

// Whether the AVX2 path is in use (for the bench's machine line and tests).
bool dp_rows_avx2();
// The same two functions, generic x86-64 and AVX2 (call only where the CPU has it).
void dp_level_row_generic(const double* cell, const double* prev, std::uint32_t h, double* out);
double dp_top_range_generic(const double* cell, const double* prev, std::uint32_t top,
                            std::uint32_t u_begin, std::uint32_t u_end);
void dp_level_row_avx2(const double* cell, const double* prev, std::uint32_t h, double* out);
double dp_top_range_avx2(const double* cell, const double* prev, std::uint32_t top,
                         std::uint32_t u_begin, std::uint32_t u_end);

}  // namespace focalrd::detail
