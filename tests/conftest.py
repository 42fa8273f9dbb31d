import os
import sys

import numpy as np
import pytest

# Tests comparing against real Keras run it on JAX (the light backend the test extra installs);
# set before any test module imports keras.
os.environ.setdefault("KERAS_BACKEND", "jax")

# Make the shared helpers (op_check.py, gpu_check.py...) importable from every test folder.
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def pytest_terminal_summary(terminalreporter):
    # Say why tests were skipped (no Keras, no GPU adapter, an op without a gpu kernel, ...),
    # one line per reason, without needing `-rs`.
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{count} skipped: {reason}")
