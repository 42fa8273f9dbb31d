"""mypy passes over python/lamina with the configuration in pyproject.toml ([tool.mypy]).
Skips without mypy, unless CI=true (mypy is in the test extra)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_passes():
    if importlib.util.find_spec("mypy") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mypy is not installed, and CI=true requires it: pip install '.[test]'")
        pytest.skip("mypy is not installed")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 0 and not errors, "\n".join(errors) or done.stdout + done.stderr
