# The Python API: array handling, the result object, errors, limits and
# progress.
import json
import threading
import time

import numpy as np
import pytest

import focalrd

PMF = [0.5, 0.3, 0.2]


@pytest.mark.parametrize("pmf", [
    PMF, tuple(PMF), np.array(PMF),
    np.array([0.5, 9.0, 0.3, 9.0, 0.2])[::2],  # a strided view
    "0.5, 0.3, 0.2", "[1/2,3/10,1/5]",
])
def test_pmf_forms(pmf):
    assert focalrd.exact(pmf, 2, 1.0).dstar == focalrd.exact(PMF, 2, 1.0).dstar


def test_float32_and_integer_input():
    # float32 holds 0.3 inexactly: the PMF is within 1e-7 of 1 and accepted
    # only with normalize (the library's tolerance is 1e-9).
    with pytest.raises(ValueError, match="sum"):
        focalrd.exact(np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32), 2, 1.0)
    r = focalrd.exact(np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32), 2, 1.0, normalize=True)
    assert r.certified
    assert focalrd.exact(np.array([1, 0]), 1, 1.0).dstar == 0.0


def test_result_object():
    r = focalrd.exact("dirichlet:9,4", 3, 2.0, units="nats")
    assert r.certified and r.status == "certified" and r.units == "nats"
    assert r.lower_bound <= r.dstar == r.upper_bound
    symbols = np.sort(np.concatenate([c[0] for c in r.cells]))
    assert np.array_equal(symbols, np.arange(9))
    for symbols, pmf, distortion in r.cells:
        assert symbols.dtype == np.int64 and pmf.dtype == np.float64
        assert abs(pmf.sum() - 1.0) <= 1e-12 and distortion >= 0.0
    assert abs(sum(c[2] for c in r.cells) - r.dstar) <= 1e-12 * r.dstar
    assert r.to_dict() == json.loads(r.to_json())
    assert set(r.to_dict()) >= {"provenance", "dstar", "lower_bound", "upper_bound", "certified",
                                "status", "cells", "stats"}
    assert r.stats["cells_optimised"] > 0
    assert "dstar=" in repr(r)


def test_units():
    bits = focalrd.exact(PMF, 2, 1.0).dstar
    nats = focalrd.exact(PMF, 2, 1.0, units="nats").dstar
    assert abs(bits * np.log(2) - nats) <= 1e-15
    assert focalrd.focal_loss(0.5, 0.0, units="nats") == np.log(2)


def test_focal_loss_vectorised():
    p = np.linspace(0.05, 1.0, 20)
    g = np.array([[0.0], [1.0], [4.0]])
    d = focalrd.focal_loss(p, g)
    assert d.shape == (3, 20)
    assert np.allclose(d, (1 - p) ** g * np.log2(1 / p), rtol=1e-14, atol=0)
    assert focalrd.focal_loss(0.0, 1.0) == np.inf


@pytest.mark.parametrize("call, kind, text", [
    (lambda: focalrd.exact([0.5, 0.6], 2, 1.0), ValueError, "sum"),
    (lambda: focalrd.exact([0.5, float("nan")], 2, 1.0), ValueError, "nan"),
    (lambda: focalrd.exact([0.5, -0.5, 1.0], 2, 1.0), ValueError, "symbol 1"),
    (lambda: focalrd.exact([[0.5, 0.5]], 1, 1.0), ValueError, "1-D"),
    (lambda: focalrd.exact(["a", "b"], 1, 1.0), TypeError, "numbers"),
    (lambda: focalrd.exact(PMF, 0, 1.0), ValueError, "M is 0"),
    (lambda: focalrd.exact(PMF, 2.5, 1.0), TypeError, "whole number"),
    (lambda: focalrd.exact(PMF, 2 ** 70, 1.0), ValueError, "M is"),
    (lambda: focalrd.exact(PMF, 2, float("inf")), ValueError, "gamma"),
    (lambda: focalrd.exact(PMF, 2, 1.0, method="simplex"), ValueError, "method"),
    (lambda: focalrd.exact(PMF, 2, 1.0, threads=-1), ValueError, "threads"),
    (lambda: focalrd.exact(PMF, 2, 1.0, time_limit=-1), ValueError, "time_limit"),
    (lambda: focalrd.exact(PMF, 2, 1.0, rel_gap=2), ValueError, "gap"),
    (lambda: focalrd.exact(PMF, 2, 1.0, units="bytes"), ValueError, "units"),
    (lambda: focalrd.exact(PMF, 2, 1.0, weights=[1, 1]), ValueError, "weights"),
    (lambda: focalrd.exact("binomial:10", 2, 1.0), ValueError, "binomial"),
    (lambda: focalrd.exact("uniform:40", 2, 1.0, method="enumerate"), focalrd.TooLargeError,
     "max_partitions"),
    (lambda: focalrd.bounds(PMF, 2, -11.0), ValueError, "gamma"),
    (lambda: focalrd.bounds(PMF, 2, 1.0, fx="best"), ValueError, "fx"),
    (lambda: focalrd.bounds(PMF, 2, 1.0, fx=[0.5, 0.5]), ValueError, ""),
    (lambda: focalrd.sweep(PMF, [], [1.0]), ValueError, "empty"),
    (lambda: focalrd.sweep(PMF, [2], [1.0], "speed"), ValueError, "speed"),
    (lambda: focalrd.h_gamma(0, 1.0), ValueError, "n is 0"),
    (lambda: focalrd.h_gamma(10 ** 7, 1.0), ValueError, "n is"),
    (lambda: focalrd.cell_cost([0.2, -1.0], 1.0), ValueError, "r\\[1\\]"),
    (lambda: focalrd.focal_loss(1.5, 1.0), ValueError, "p is 1.5;"),
    (lambda: focalrd.focal_loss([0.1, 0.2], [1, 2, 3]), ValueError, "broadcast"),
    (lambda: focalrd.exact(PMF, 2, 1.0, threads=2 ** 31), ValueError, "threads"),
    (lambda: focalrd.exact(PMF, 2, 1.0, time_limit="1"), TypeError, "time_limit"),
    (lambda: focalrd.exact(PMF, 2, 1.0, units=None), TypeError, "units"),
    (lambda: focalrd.exact(PMF, 2, 1.0, method=None), TypeError, "method"),
    (lambda: focalrd.exact(PMF, 2, 1.0, progress=5), TypeError, "progress"),
    (lambda: focalrd.bounds(PMF, 2, 1.0, fx_evaluations=2 ** 31), ValueError, "fx_evaluations"),
    (lambda: focalrd.sweep(PMF, [2], [1.0], point_threads=2 ** 40), ValueError, "point_threads"),
    (lambda: focalrd.sweep(PMF, [2], [1.0], "excess"), ValueError, "excess_distortion"),
    (lambda: focalrd.cell_cost([0.0, 0.0], 1.0), ValueError, "no positive mass"),
    (lambda: focalrd.binomial(10.7, 0.5), TypeError, "k is"),
    (lambda: focalrd.uniform(2.9), TypeError, "n is"),
    (lambda: focalrd.block_sequence(0, 0, 3), ValueError, "letters"),
    (lambda: focalrd.block_sequence(9, 3, 2), ValueError, "symbol is 9"),
    (lambda: focalrd.block_sequence(0, 2, 10 ** 8), ValueError, "length"),
    (lambda: focalrd.read_pmf("/nonexistent/pmf.txt"), ValueError, "pmf.txt"),
])
def test_errors(call, kind, text):
    with pytest.raises(kind, match=text):
        call()


def test_too_large_is_a_value_error():
    assert issubclass(focalrd.TooLargeError, ValueError)
    assert not issubclass(ValueError, focalrd.TooLargeError)


def test_time_limit_keeps_a_certified_interval():
    r = focalrd.exact("dirichlet:30,3", 4, 1.0, method="bnb", time_limit=0.3, rel_gap=0.0,
                      threads=1)
    assert not r.certified and r.status == "time_limit"
    assert 0.0 <= r.lower_bound <= r.dstar and np.isfinite(r.dstar)
    assert len(r.cells) == 4


def test_progress_callback_and_its_errors():
    seen = []
    r = focalrd.exact("dirichlet:30,3", 4, 1.0, method="bnb", time_limit=2.5, rel_gap=0.0,
                      threads=1, progress=seen.append)
    assert r.status == "time_limit" and seen
    assert {"phase", "lower", "upper", "seconds", "nodes", "units"} <= set(seen[-1])

    def fail(_):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        focalrd.exact("dirichlet:30,3", 4, 1.0, method="bnb", time_limit=20, rel_gap=0.0,
                      threads=1, progress=fail)


def test_calls_from_other_threads():
    out = {}

    def work(i):
        out[i] = focalrd.exact("dirichlet:8,5", 2, float(i)).dstar

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {i: focalrd.exact("dirichlet:8,5", 2, float(i)).dstar for i in range(3)}


def test_sweep_columns_and_negative_gamma():
    s = focalrd.sweep(PMF, [1, 2], [-0.5, 1.0], "all")
    assert list(s["M"]) == [1, 2, 1, 2] and list(s["gamma"]) == [-0.5, -0.5, 1.0, 1.0]
    assert np.all(np.isfinite(s["exact"]))
    assert np.isnan(s["converse"][0]) and np.isfinite(s["converse"][2])  # (17): gamma >= 0 only
    # As the CLI: naming a quantity proved for gamma >= 0 only is refused at gamma < 0.
    with pytest.raises(ValueError, match="converse is proved for gamma >= 0 only"):
        focalrd.sweep(PMF, [1, 2], [-0.5, 1.0], "exact,converse")


def test_sweep_excess():
    s = focalrd.sweep(PMF, [1, 2], [1.0], "excess", excess_distortion=0.5)
    assert np.all((s["excess"] >= 0) & (s["excess"] <= 1)) and s["excess_distortion"][0] == 0.5


def test_sweep_frame():
    pandas = pytest.importorskip("pandas")
    s = focalrd.sweep(PMF, [1, 2], [1.0], frame=True)
    assert isinstance(s, pandas.DataFrame) and len(s) == 2


def test_source_helpers_take_exact_fractions():
    from fractions import Fraction
    third = focalrd.source("binomial:10,1/3")
    assert np.array_equal(focalrd.binomial(10, Fraction(1, 3)), third)
    assert np.array_equal(focalrd.binomial(10, "1/3"), third)
    assert not np.array_equal(focalrd.binomial(10, 1 / 3), third)  # the double nearest 1/3


def test_numbers_are_floats():
    r = focalrd.exact([0.5, 0.5], 2, 1)
    assert type(r.dstar) is float and type(r.gamma) is float and r.dstar == 0.0
    assert all(type(c[2]) is float for c in r.cells)
    b = focalrd.bounds([0.5, 0.5], 2, 1)
    assert type(b["converse"]) is float and type(b["M"]) is int


def test_bounds_time_limit_is_the_cli_s():
    import inspect
    assert inspect.signature(focalrd.bounds).parameters["time_limit"].default == 10.0


def test_read_pmf(tmp_path):
    f = tmp_path / "pmf.csv"
    f.write_text("symbol,p\na,0.25\nb,0.75\n")
    assert list(focalrd.read_pmf(f, "p")) == [0.25, 0.75]
    assert list(focalrd.read_pmf(str(f).encode(), 1)) == [0.25, 0.75]


def test_fork_after_a_parallel_call():
    # multiprocessing's default start method on Linux: the child inherits an
    # OpenMP pool without its threads.
    import os
    focalrd.exact("dirichlet:16,2", 3, 1.0, threads=2, method="bnb")
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            r = focalrd.exact("dirichlet:16,3", 3, 1.0, threads=2, method="bnb")
            code = 0 if r.certified else 3
        except BaseException:
            code = 4
        os._exit(code)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child hung")


@pytest.mark.parametrize("call, kind, text", [
    (lambda: focalrd.exact(PMF, 2.0, 1.0), TypeError, "M is"),
    (lambda: focalrd.exact(PMF, True, 1.0), TypeError, "M is"),
    (lambda: focalrd.exact(PMF, 2, "1"), TypeError, "gamma"),
    (lambda: focalrd.exact(PMF, 2, 1.0, rel_gap="0.1"), TypeError, "rel_gap"),
    (lambda: focalrd.exact([0.5, None], 2, 1.0), TypeError, "numbers"),
    (lambda: focalrd.sweep(PMF, ["2"], [1.0]), TypeError, "M is"),
    (lambda: focalrd.h_gamma(2 ** 70, 1.0), ValueError, "n is"),
    (lambda: focalrd.bounds(PMF, 2, 1.0, excess_distortion="1"), TypeError, "distortion level"),
    (lambda: focalrd.block_sequence(2 ** 64, 2, 70), ValueError, "2\\^64"),
])
def test_python_types(call, kind, text):
    with pytest.raises(kind, match=text):
        call()
