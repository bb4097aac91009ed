"""The paper's bounds against the exact d* on random sources: for each
Dirichlet(1) PMF, M and gamma, the chain

    converse (17) <= d* <= (28) <= (22) <= (23)     (Theorems 1 and 2)

and focalrd's own Lagrangian converse (<= d*) and optimised F_X (heuristic,
>= d*), with the gaps each leaves.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/check_bounds.py [TRIALS]

Exit status 1 if any relation fails (it never has).
"""
import sys

import numpy as np

import focalrd

CHAIN = ["converse", "exact", "achievability_28", "achievability_22", "achievability_23"]


def main(trials="12"):
    rng = np.random.default_rng(2026)
    failures = 0
    rows = []
    for trial in range(int(trials)):
        n = int(rng.integers(3, 9))
        M = int(rng.integers(2, n))
        gamma = float(rng.choice([0.0, 0.5, 1.0, 2.0, 4.0]))
        pmf = focalrd.dirichlet(n, trial + 1)
        b = focalrd.bounds(pmf, M, gamma)
        if not b.certified:
            print(f"trial {trial}: not certified ({b.status})")
            failures += 1
            continue
        values = [b[q] for q in CHAIN]
        ok = all(x <= y * (1 + 1e-12) + 1e-15 for x, y in zip(values, values[1:]))
        ok &= b["converse_lagrangian"] <= b["exact"] * (1 + 1e-12) + 1e-15
        ok &= b["exact"] <= b["achievability_optimised_fx"] * (1 + 1e-12) + 1e-15
        failures += not ok
        rows.append((n, M, gamma, *values, b["converse_lagrangian"],
                     b["achievability_optimised_fx"], "ok" if ok else "FAILS"))
    print(f"{'n':>2} {'M':>2} {'gamma':>5} {'(17)':>9} {'d*':>9} {'(28)':>9} {'(22)':>9} "
          f"{'(23)':>9} {'Lagr.':>9} {'opt. F':>9}")
    for n, M, gamma, *v, verdict in rows:
        print(f"{n:>2} {M:>2} {gamma:>5} " + " ".join(f"{x:9.5f}" for x in v) + f"  {verdict}")
    gap = np.array([r[5] - r[4] for r in rows])
    print(f"(28) - d*: median {np.median(gap):.4f} bits, max {gap.max():.4f}; "
          f"{failures} relation failures in {len(rows)} instances")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
