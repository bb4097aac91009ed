# Values: the module against the CLI (to 1e-12: the same library call) and
# against the independent reference values (data/reference, to 1e-9 relative
# as tests/reference_test.cpp), closed forms and the paper's chain.
import json
import math

import numpy as np
import pytest

import focalrd
from conftest import cli_json, reference, run_cli, without_timing

EXACT_CASES = reference("exact_cases.json")


def close(a, b, rel=1e-12, abs_=1e-15):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


@pytest.mark.parametrize("case", EXACT_CASES, ids=lambda c: f"n{len(c['pmf'])}-M{c['M']}-g{c['gamma']}")
def test_exact_matches_reference_and_cli(case, cli):
    pmf = [float(x) for x in case["pmf"]]
    r = focalrd.exact(pmf, case["M"], case["gamma"])
    assert r.certified and r.status == "certified"
    assert close(r.dstar, float(case["dstar"]), rel=1e-9, abs_=1e-12)
    text = ",".join(repr(x) for x in pmf)
    c = cli_json("exact", "--pmf", text, "-M", case["M"], "--gamma", case["gamma"])
    assert close(r.dstar, c["dstar"]) and close(r.lower_bound, c["lower_bound"])
    # The whole record is the CLI's, apart from what depends on the run.
    assert without_timing(r.to_dict()) == without_timing(c)


def test_example1_reference():
    for case in reference("example1.json"):
        r = focalrd.exact(case["source"], case["M"], case["gamma"])
        assert r.certified
        assert close(r.dstar, float(case["dstar"]), rel=1e-9, abs_=1e-12)


def test_h_gamma_reference_and_broadcast():
    cases = reference("hgamma.json")[:12]
    n = np.array([c["n"] for c in cases])
    g = np.array([c["gamma"] for c in cases])
    h = focalrd.h_gamma(n, g)
    assert h.shape == n.shape
    for value, c in zip(h, cases):
        assert close(value, float(c["h"]), rel=1e-9, abs_=1e-12)
        assert close(focalrd.h_gamma_bound(c["gamma"]), float(c["bound16"]), rel=1e-12)
    grid = focalrd.h_gamma(np.array([[2], [5]]), np.array([0.5, 1.0, 2.0]))
    assert grid.shape == (2, 3)
    assert grid[1, 2] == focalrd.h_gamma(5, 2.0)


def test_bounds_match_cli(cli):
    b = focalrd.bounds("binomial:12,0.3", 3, 2.0)
    c = cli_json("bounds", "--source", "binomial:12,0.3", "-M", 3, "--gamma", 2)
    assert without_timing(dict(b)) == without_timing(c)
    assert b.kinds["achievability_optimised_fx"] == "heuristic"
    assert b.kinds["converse"] == "certified"


def test_sweep_matches_cli(cli):
    Ms, gammas = [1, 2, 4], [0.0, 0.5, 4.0]
    s = focalrd.sweep("binomial:10,0.5", Ms, gammas, "all", units="nats")
    lines = run_cli("sweep", "--source", "binomial:10,0.5", "-M", "1,2,4", "--gamma", "0,0.5,4",
                    "--quantities", "all", "--units", "nats", "--format", "jsonl").splitlines()
    records = [json.loads(line) for line in lines[1:]]
    assert len(records) == len(s["M"]) == 9
    for i, rec in enumerate(records):
        assert s["M"][i] == rec["M"] and s["gamma"][i] == rec["gamma"]
        for q in focalrd.QUANTITIES[:-1]:
            assert s[q][i] == rec[q], q
        assert s["exact_certified"][i] and s["status"][i] == "certified"


def test_closed_forms():
    pmf = np.array([0.5, 0.25, 0.125, 0.125])
    # M >= n: every symbol its own message (Theorem 2), d* = 0.
    assert focalrd.exact(pmf, 4, 3.0).dstar == 0.0
    # γ = 0, M = 1: the log loss of the source itself, d* = H(R) (1.75 bits).
    assert close(focalrd.exact(pmf, 1, 0.0).dstar, 1.75)
    assert close(focalrd.entropy(pmf), 1.75)
    # eq. (8) at p = 1/2, γ = 1: (1/2) log2 2.
    assert focalrd.focal_loss(0.5, 1.0) == 0.5
    assert close(focalrd.focal_loss(0.25, 2.0, units="nats"), 0.5625 * math.log(4))
    # A cell of two equal masses: p = 1/2 each by symmetry.
    cost, p = focalrd.cell_cost([0.2, 0.2], 3.0)
    assert np.allclose(p, [0.5, 0.5], rtol=0, atol=1e-15)
    assert close(cost, 0.4 * 0.125)


def test_chain_of_bounds_on_random_sources():
    # converse <= Lagrangian-free exact <= (28) <= (22) <= (23), every bound certified.
    for seed in range(1, 7):
        pmf = focalrd.dirichlet(7, seed)
        for M, gamma in ((2, 0.5), (3, 1.0), (2, 4.0)):
            b = focalrd.bounds(pmf, M, gamma, optimise_fx=False)
            assert b.certified
            chain = [b["converse"], b["converse_lagrangian"], b["exact"], b["achievability_28"],
                     b["achievability_22"], b["achievability_23"]]
            assert b["converse"] <= b["exact"] * (1 + 1e-12) + 1e-15
            assert all(x <= y * (1 + 1e-12) + 1e-15 for x, y in zip(chain[1:], chain[2:]))


def test_cell_cost_equals_one_message_optimum():
    r = np.array([0.4, 0.3, 0.2, 0.1])
    cost, p = focalrd.cell_cost(r, 2.0)
    e = focalrd.exact(r, 1, 2.0)
    assert close(cost, e.dstar) and np.allclose(p, e.cells[0][1], rtol=1e-12, atol=0)
    assert close(p.sum(), 1.0)


def test_sources_are_the_cli_families():
    assert np.array_equal(focalrd.binomial(6, 0.1), focalrd.source("binomial:6,0.1"))
    assert np.array_equal(focalrd.uniform(3), [1 / 3] * 3)
    assert np.array_equal(focalrd.dirichlet(5, 9), focalrd.source("dirichlet:5,9,1.0"))
    b = focalrd.iid(3, [0.9, 0.1])
    # Correctly rounded products: 0.729 exactly (0.9 ** 3 in doubles is not).
    assert b.shape == (8,) and b[0] == 0.729 and focalrd.block_sequence(1, 2, 3) == "001"
    assert np.array_equal(focalrd.geometric(0.5, 4), focalrd.source("geometric:0.5,4"))
