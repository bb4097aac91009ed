"""Example 1 and Fig. 2 of the paper: the exact d*(2; gamma) of two ternary
sources, R_X1 = [1/3, 1/3, 1/3] and R_X2 = [2/3, 1/4, 1/12], for gamma in
[0, 4], with the optimal code at a few gamma.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/example1_fig2.py [OUT.png]

Every point is certified (exit status 1 otherwise); the figure is written to
OUT.png (default fig2.png) with matplotlib's Agg backend, no display needed.
The same data: focalrd sweep --pmf 1/3,1/3,1/3 -M 2 --gamma 0:0.05:4
--quantities exact (data/figures/fig2_uniform.csv).
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import focalrd  # noqa: E402

SOURCES = {"uniform [1/3, 1/3, 1/3]": "1/3,1/3,1/3", "skewed [2/3, 1/4, 1/12]": "2/3,1/4,1/12"}


def main(out="fig2.png"):
    gammas = np.round(np.arange(0, 4.0001, 0.05), 2)
    fig, ax = plt.subplots(figsize=(6, 4))
    certified = True
    for label, pmf in SOURCES.items():
        s = focalrd.sweep(pmf, [2], gammas, "exact", point_time_limit=None)
        certified &= bool(s["exact_certified"].all())
        ax.plot(s["gamma"], s["exact"], label=label)
        for gamma in (0.0, 1.0, 4.0):
            r = focalrd.exact(pmf, 2, gamma)
            code = " | ".join(f"{list(sym)} -> {np.round(p, 4).tolist()}" for sym, p, _ in r.cells)
            print(f"{label}, gamma = {gamma}: d* = {r.dstar:.12f} bits; {code}")
    ax.set_xlabel(r"$\gamma$")
    ax.set_ylabel(r"$d^*(2;\gamma)$ [bits]")
    ax.set_title("Example 1: exact $d^*(2;\\gamma)$ (Fig. 2)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"written {out}")
    return 0 if certified else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
