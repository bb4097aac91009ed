# The examples in examples/python run headless (Agg) and succeed; Fig. 2's
# values from the module equal the committed figure data (made by the CLI).
import csv
import os
import subprocess
import sys

import numpy as np
import pytest

import focalrd
from conftest import SOURCE_DIR

EXAMPLES = SOURCE_DIR / "examples" / "python"


def run_example(name, *args, cwd):
    package = os.path.dirname(os.path.dirname(os.path.abspath(focalrd.__file__)))
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=package)
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_example1_fig2(tmp_path):
    out = run_example("example1_fig2.py", str(tmp_path / "fig2.png"), cwd=tmp_path)
    assert (tmp_path / "fig2.png").stat().st_size > 10_000
    assert "d* = 0.666666666667 bits" in out  # uniform source, gamma = 0: 2/3 bit


def test_check_bounds(tmp_path):
    out = run_example("check_bounds.py", "8", cwd=tmp_path)
    assert "0 relation failures in 8 instances" in out


@pytest.mark.parametrize("name, pmf", [("uniform", "1/3,1/3,1/3"), ("skewed", "2/3,1/4,1/12")])
def test_fig2_equals_committed_data(name, pmf):
    with open(SOURCE_DIR / "data" / "figures" / f"fig2_{name}.csv") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    gammas = [float(r["gamma"]) for r in rows]
    s = focalrd.sweep(pmf, [2], gammas, "exact", point_time_limit=None)
    expected = np.array([float(r["exact"]) for r in rows])
    assert len(rows) == 81 and s["exact_certified"].all()
    assert np.allclose(s["exact"], expected, rtol=1e-12, atol=1e-15)
