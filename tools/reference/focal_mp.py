#!/usr/bin/env python3
"""Independent high-precision values for focalrd's tests, with mpmath.

Written separately from focalrd's C++ solvers: every quantity is computed in
40-digit arithmetic straight from the definitions, by bisection only (no
Newton, no starting guesses), so the values do not share focalrd's numerics.

  cell cost  c(S) = min over PMFs p on S of sum r_a (1-p_a)^g ln(1/p_a)   (nats)
             via the stationarity condition r_a phi(p_a) = lam, phi = -d/dp of
             the loss: for each lam, each p_a by bisection (phi decreases), and
             lam by bisection on sum p_a = 1 (in log lam).
  d*(M; g)   the least sum of cell costs over all partitions into M blocks.

Usage: tools/reference/focal_mp.py > data/reference/high_precision.json
(needs Debian's python3-mpmath).
"""
import itertools
import json
import sys

import mpmath as mp

mp.mp.dps = 40


def phi(s, g):
    """-d/dp of (1-p)^g ln(1/p) at the logit s of p: (1-p)^(g-1) (g ln(1/p) + (1-p)/p),
    with 1 - p = 1/(1 + e^s) and ln(1/p) = ln(1 + e^-s) kept exact for large |s|."""
    q = 1 / (1 + mp.exp(s))
    return q ** (g - 1) * (g * mp.log1p(mp.exp(-s)) + mp.exp(-s))


def logit_of(r, lam, g):
    """The logit s of the p in (0, 1) with r phi(p) = lam, by bisection."""
    lo, hi = mp.mpf(-2000), mp.mpf(2000)
    for _ in range(150):
        mid = (lo + hi) / 2
        if r * phi(mid, g) > lam:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def cell_cost(r, g):
    r = [mp.mpf(x) for x in r if x > 0]
    if len(r) <= 1:
        return mp.mpf(0)
    if g == 0:
        tot = sum(r)
        return sum(x * mp.log(tot / x) for x in r)
    # sum p_a > 1 compared as sum_{a != top} p_a > 1 - p_top, both sides small
    # when the top symbol dominates (40 digits cannot see 1 - 1e-79 otherwise).
    top = max(range(len(r)), key=lambda a: r[a])
    lo, hi = mp.mpf(-3000), mp.mpf(3000)  # ln lam
    for _ in range(150):
        mid = (lo + hi) / 2
        t = [logit_of(x, mp.exp(mid), g) for x in r]
        others = sum(1 / (1 + mp.exp(-t[a])) for a in range(len(r)) if a != top)
        if others > 1 / (1 + mp.exp(t[top])):
            lo = mid
        else:
            hi = mid
    # The cost from the logits t: 1 - p = 1/(1 + e^t) and ln(1/p) = ln(1 + e^-t)
    # stay exact for p near 1, where 1 - p itself would cancel. The constraint
    # holds to the bisection's precision, and the cost is stationary there.
    logits = [logit_of(x, mp.exp((lo + hi) / 2), g) for x in r]
    return sum(x * (1 / (1 + mp.exp(t))) ** g * mp.log1p(mp.exp(-t)) for x, t in zip(r, logits))


def partitions(items, k):
    """Set partitions of items into exactly k non-empty blocks."""
    if k == 1:
        yield [list(items)]
        return
    if len(items) < k:
        return
    first, rest = items[0], items[1:]
    for part in partitions(rest, k - 1):
        yield [[first]] + part
    for part in partitions(rest, k):
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]


def dstar(pmf, M, g):
    n = len(pmf)
    if M >= n:
        return mp.mpf(0)
    cache = {}

    def cost(block):
        key = tuple(sorted(block))
        if key not in cache:
            cache[key] = cell_cost([pmf[a] for a in key], g)
        return cache[key]

    return min(sum(cost(b) for b in part) for part in partitions(list(range(n)), M))


def s(x):
    return mp.nstr(x, 20, min_fixed=1, max_fixed=0)


def main():
    cells = []
    # Cells with masses over hundreds of orders of magnitude, and large gamma.
    wide = ["1.062774505562275e-09", "1.823807822772032e-166", "8.085879452419821e-65",
            "5.349865515354385e-95", "4.518954229339319e-193", "0.9999999989372255"]
    for mask in [3, 17, 48, 31, 62, 63]:
        r = [wide[a] for a in range(6) if mask >> a & 1]
        cells.append({"masses": r, "gamma": "1", "cost": s(cell_cost([mp.mpf(x) for x in r], 1))})
    for g in ["0.5", "4", "50"]:
        r = ["0.9999999999", "1e-10", "1e-300"]
        cells.append({"masses": r, "gamma": g, "cost": s(cell_cost([mp.mpf(x) for x in r], mp.mpf(g)))})
    exact = []
    for g in ["1000", "1040", "1060", "1100"]:
        pmf = ["0.1", "0.2", "0.3", "0.4"]
        exact.append({"pmf": pmf, "M": 2, "gamma": g,
                      "dstar": s(dstar([mp.mpf(x) for x in pmf], 2, mp.mpf(g)))})
    out = {
        "provenance": "tools/reference/focal_mp.py: mpmath at 40 digits, bisection only; "
                      "costs in nats, printed with 20 significant digits",
        "cells": cells,
        "exact": exact,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
