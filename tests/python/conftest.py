# Shared fixtures of the Python module's tests (run by CTest as python_module,
# with PYTHONPATH=build/python; by hand: PYTHONPATH=build/python
# /usr/bin/python3 -m pytest tests/python).
import json
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("FOCALRD_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CLI = os.environ.get("FOCALRD_CLI", str(SOURCE_DIR / "build" / "focalrd"))


def run_cli(*args, expect=0):
    """focalrd's output for args (JSON or JSON lines), after checking its exit status."""
    done = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert done.returncode == expect, done.stderr
    return done.stdout


def cli_json(*args, expect=0):
    return json.loads(run_cli(*args, "--format", "json", expect=expect))


def reference(name):
    with open(SOURCE_DIR / "data" / "reference" / name) as f:
        return json.load(f)


def without_timing(record):
    """A record with the fields that depend on the run (time, date, command) removed."""
    record = json.loads(json.dumps(record))
    for key in ("date", "command", "commit"):
        record.get("provenance", {}).pop(key, None)
    stats = record.get("stats", {})
    for key in ("wall_seconds", "table_seconds", "threads"):
        stats.pop(key, None)
    return record


@pytest.fixture(scope="session")
def cli():
    if not os.path.exists(CLI):
        pytest.skip(f"the CLI {CLI} is not built")
    return run_cli
