# Ctrl-C in a running search: KeyboardInterrupt raised into the main thread
# (as a notebook's interrupt does) stops it within 1 s through the library's
# cancellation flag, and focalrd.Interrupted carries the best code and a
# certified interval.
import _thread
import os
import signal
import threading
import time

import numpy as np
import pytest

import focalrd

HARD = dict(pmf="dirichlet:34,11", M=4, gamma=1.0, method="bnb", rel_gap=0.0, time_limit=60,
            threads=1)


def interrupted_after(seconds, interrupt):
    timer = threading.Timer(seconds, interrupt)
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(focalrd.Interrupted) as caught:
            focalrd.exact(HARD["pmf"], HARD["M"], HARD["gamma"], method=HARD["method"],
                          rel_gap=HARD["rel_gap"], time_limit=HARD["time_limit"],
                          threads=HARD["threads"])
    finally:
        timer.cancel()
    return caught.value, time.monotonic() - start - seconds


@pytest.mark.parametrize("interrupt", [
    _thread.interrupt_main,                          # what IPython's interrupt amounts to
    lambda: os.kill(os.getpid(), signal.SIGINT),     # a real Ctrl-C
], ids=["interrupt_main", "SIGINT"])
def test_interrupt_stops_within_a_second(interrupt):
    error, late = interrupted_after(0.7, interrupt)
    assert late < 1.0, f"stopped {late:.2f} s after the interrupt"
    assert isinstance(error, KeyboardInterrupt)
    r = error.result
    assert r.status == "interrupted" and not r.certified
    assert 0.0 <= r.lower_bound <= r.dstar and np.isfinite(r.dstar) and len(r.cells) == 4
    # The module stays usable afterwards.
    assert focalrd.exact([0.5, 0.5], 1, 1.0).certified


def test_interrupt_during_a_sweep_keeps_finished_points():
    timer = threading.Timer(0.7, _thread.interrupt_main)
    timer.start()
    with pytest.raises(focalrd.Interrupted) as caught:
        focalrd.sweep("dirichlet:34,11", [4], [0.0, 1.0, 2.0], "exact", method="bnb",
                      rel_gap=0.0, threads=1, point_time_limit=None)
    timer.cancel()
    assert isinstance(caught.value.result, dict)
