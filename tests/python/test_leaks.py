# No reference or memory leaks: 10^4 calls of each kind, the resident set
# measured after a warm-up and at the end. Prints the cost per call (the
# closing note's Python overhead; the C++ call alone is about 17 us).
import gc
import os
import time

import numpy as np

import focalrd

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def grows(call, calls=10_000):
    for _ in range(500):
        call()
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    per_call = (time.perf_counter() - start) / calls
    gc.collect()
    return rss_bytes() - before, per_call


def test_no_leaks_in_10k_calls(capsys):
    pmf = np.array([0.5, 0.3, 0.2])
    calls = {
        "exact": lambda: focalrd.exact(pmf, 2, 1.0),
        "bounds": lambda: focalrd.bounds(pmf, 2, 1.0, optimise_fx=False),
        "cell_cost": lambda: focalrd.cell_cost(pmf, 1.0),
        "focal_loss": lambda: focalrd.focal_loss(pmf, 1.0),
        "error": lambda: _raises(lambda: focalrd.exact(pmf, 0, 1.0)),
    }
    for name, call in calls.items():
        growth, per_call = grows(call)
        with capsys.disabled():
            print(f"\n  {name}: {per_call * 1e6:.1f} us per call, RSS {growth / 1024:+.0f} KiB "
                  "after 10^4 calls", end="")
        # A leak of even 100 bytes per call would show as 1 MB.
        assert growth < 1024 * 1024, f"{name}: RSS grew by {growth} bytes in 10^4 calls"


def _raises(call):
    try:
        call()
    except ValueError:
        return
    raise AssertionError("no ValueError")
