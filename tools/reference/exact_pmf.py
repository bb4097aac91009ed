#!/usr/bin/env python3
"""Correctly rounded family PMFs, in exact rational arithmetic.

Each probability is computed exactly with Python's fractions (P as written:
0.1 is 1/10) and converted with float(Fraction), which rounds to the nearest
double. No floating-point step and no libm: the doubles focalrd's binomial,
geometric and uniform families must reproduce bit for bit.

Usage: tools/reference/exact_pmf.py > data/reference/exact_pmf.json
"""
import json
import sys
from fractions import Fraction
from math import comb


def binomial(K, P):
    Q = 1 - P
    return [float(comb(K, k) * P ** k * Q ** (K - k)) for k in range(K + 1)]


def geometric(P, N):
    Q = 1 - P
    norm = 1 - Q ** N
    return [float(P * Q ** k / norm) for k in range(N)]


def main():
    cases = []
    # 102 and 60 at dyadic P: some probabilities lie exactly on a midpoint between doubles.
    for K, p in [(100, "0.5"), (100, "0.1"), (40, "0.3"), (20, "1/3"), (150, "0.02"), (102, "0.5"),
                 (60, "0.375")]:
        cases.append({"spec": f"binomial:{K},{p}", "pmf": binomial(K, Fraction(p))})
    for p, N in [("0.3", 14), ("0.5", 60), ("0.001", 500)]:
        cases.append({"spec": f"geometric:{p},{N}", "pmf": geometric(Fraction(p), N)})
    for N in [3, 7, 101]:
        cases.append({"spec": f"uniform:{N}", "pmf": [float(Fraction(1, N))] * N})
    out = {
        "provenance": "tools/reference/exact_pmf.py: exact rationals (Python fractions), "
                      "each probability rounded once to the nearest double; numbers in "
                      "shortest round-trip form (repr)",
        "cases": cases,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
