# Ctrl-C in a running search: SIGINT sent to the process or to the main
# thread (a terminal's Ctrl-C, a notebook's interrupt) stops it within 1 s
# through the library's cancellation flag, and focalrd.Interrupted carries
# the best code and a certified interval.
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
    lambda: os.kill(os.getpid(), signal.SIGINT),     # Ctrl-C, Jupyter's interrupt
    lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT),
], ids=["process", "main thread"])
def test_interrupt_stops_within_a_second(interrupt):
    error, late = interrupted_after(0.7, interrupt)
    assert late < 1.0, f"stopped {late:.2f} s after the interrupt"
    assert isinstance(error, KeyboardInterrupt)
    r = error.result
    assert r.status == "interrupted" and not r.certified
    assert 0.0 <= r.lower_bound <= r.dstar and np.isfinite(r.dstar) and len(r.cells) == 4
    # The module stays usable afterwards.
    assert focalrd.exact([0.5, 0.5], 1, 1.0).certified


def test_simulated_interrupt_takes_effect_when_the_call_returns():
    # _thread.interrupt_main() sends no signal: Python raises it at its next
    # check, when the search returns (here at its time limit).
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(focalrd.Interrupted) as caught:
        focalrd.exact(HARD["pmf"], HARD["M"], HARD["gamma"], method="bnb", rel_gap=0.0,
                      time_limit=0.8, threads=1)
    timer.cancel()
    assert caught.value.result.status == "time_limit"


def test_a_custom_handler_s_exception_propagates():
    class Stop(Exception):
        pass

    def handler(*_):
        raise Stop()

    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        start = time.monotonic()
        with pytest.raises(Stop):
            focalrd.exact(HARD["pmf"], HARD["M"], HARD["gamma"], method="bnb", rel_gap=0.0,
                          time_limit=60, threads=1)
        assert time.monotonic() - start < 1.5
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_an_ignored_sigint_does_not_stop_the_search():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        r = focalrd.exact(HARD["pmf"], HARD["M"], HARD["gamma"], method="bnb", rel_gap=0.0,
                          time_limit=0.6, threads=1)
        assert r.status == "time_limit"
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert signal.getsignal(signal.SIGINT) is previous


def test_interrupt_during_a_sweep_keeps_finished_points():
    timer = threading.Timer(0.7, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(focalrd.Interrupted) as caught:
        focalrd.sweep("dirichlet:34,11", [4], [0.0, 1.0, 2.0], "exact", method="bnb",
                      rel_gap=0.0, threads=1, point_time_limit=None)
    timer.cancel()
    assert isinstance(caught.value.result, dict)
