# Ctrl-C in a running search: SIGINT sent to the process or to the main
# thread (a terminal's Ctrl-C, a notebook's interrupt) stops it within 1 s
# through the library's cancellation flag, and focalrd.Interrupted carries
# the best code and a certified interval.
import _thread
import os
import signal
import subprocess
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


def test_a_handler_that_returns_still_reports_the_cut():
    # A SIGINT handler of the user's that does not raise: the call was cut
    # short all the same, and says so (never a truncated result as complete).
    seen = []
    previous = signal.signal(signal.SIGINT, lambda *_: seen.append(1))
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(focalrd.Interrupted) as caught:
            focalrd.h_gamma(np.full(6, 10**5), np.linspace(0, 5, 6))
        assert seen and np.isnan(caught.value.result).any()
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_a_nested_call_stopping_leaves_the_outer_one_alone():
    def inner_progress(_):
        raise ValueError("inner")

    calls = []

    def outer_progress(_):
        if calls:
            return
        calls.append(1)
        with pytest.raises(ValueError, match="inner"):
            focalrd.exact(HARD["pmf"], 4, 1.0, method="bnb", rel_gap=0.0, threads=1,
                          time_limit=3, progress=inner_progress)

    r = focalrd.exact(HARD["pmf"], 4, 1.0, method="bnb", rel_gap=0.0, threads=1, time_limit=4.5,
                      progress=outer_progress)
    assert calls and r.status == "time_limit"


def test_a_disposition_set_during_the_call_is_kept():
    previous = signal.getsignal(signal.SIGINT)
    try:
        focalrd.exact(HARD["pmf"], 4, 1.0, method="bnb", rel_gap=0.0, threads=1, time_limit=1.5,
                      progress=lambda _: signal.signal(signal.SIGINT, signal.SIG_IGN))
        os.kill(os.getpid(), signal.SIGINT)  # ignored at the C level too: nothing happens
        time.sleep(0.1)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_the_call_is_set_up(tmp_path):
    # The signal lands while the library builds a 10^6-symbol source, with the
    # GIL held and before focalrd's handler: the call must not run on.
    killer = subprocess.Popen(["sh", "-c", f"sleep 0.1; kill -INT {os.getpid()}"])
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            focalrd.sweep("dirichlet:1000000,1", [2], [1.0], "h_gamma", point_time_limit=None)
        assert time.monotonic() - start < 5.0
    finally:
        killer.wait()
