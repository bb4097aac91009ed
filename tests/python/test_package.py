# The package as installed and as documented: cmake --install puts an
# importable focalrd under the prefix, the stubs cover the API, the
# docstrings cite the paper, and searches release the GIL.
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

import focalrd


def test_cmake_install_gives_an_importable_package(tmp_path):
    build = os.environ.get("FOCALRD_BUILD_DIR")
    if not build:
        pytest.skip("FOCALRD_BUILD_DIR is not set (run through CTest)")
    cmake = os.environ.get("CMAKE_COMMAND", "cmake")
    done = subprocess.run([cmake, "--install", build, "--prefix", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    site = tmp_path / os.environ["FOCALRD_PYTHON_INSTALL_DIR"]
    assert (site / "focalrd" / "__init__.pyi").exists()
    code = ("import focalrd, sys; r = focalrd.exact([0.5, 0.3, 0.2], 2, 1.0); "
            "assert r.certified; print(focalrd.__file__)")
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(str(site))


def test_stubs_cover_the_api():
    stubs = (pathlib.Path(focalrd.__file__).parent / "__init__.pyi").read_text()
    for name in focalrd.__all__:
        assert (f"def {name}(" in stubs or f"class {name}" in stubs or f"{name}:" in stubs), name


def test_docstrings_cite_the_paper():
    assert "eq. (5)" in focalrd.exact.__doc__
    assert "(17)" in focalrd.bounds.__doc__ and "(28)" in focalrd.bounds.__doc__
    assert "eq. (8)" in focalrd.focal_loss.__doc__ and "eq. (15)" in focalrd.h_gamma.__doc__


def test_search_releases_the_gil():
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.monotonic()
    r = focalrd.exact("dirichlet:34,11", 4, 1.0, method="bnb", rel_gap=0.0, time_limit=1.0,
                      threads=1)
    elapsed = time.monotonic() - start
    stop.set()
    counter.join()
    assert r.status == "time_limit"
    # With the GIL held for the whole search the counter would not move at all.
    assert ticks > 100 * elapsed, ticks


def test_readme_example_runs():
    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    scope = {}
    exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 - the project's own README
    assert scope["r"].certified and abs(scope["r"].dstar - 0.1364196115985) < 1e-12
    assert scope["b"].certified and len(scope["s"]["exact"]) == 5
