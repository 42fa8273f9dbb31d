"""The examples run end to end and reach the accuracy they print."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("script,minimum", [
    ("train_digits.py", 0.95),
    ("cnn_digits.py", 0.93),
    ("functional_multi_input.py", 0.85),
    ("custom_training_loop.py", 0.9),
    ("lstm_text_classifier.py", 0.8),
    ("estimator_tf_style.py", 0.9),
    ("estimator_sklearn.py", 0.9),
    ("tune_digits.py", 0.93),
])
def test_example(script, minimum):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script)], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    accuracy = float(re.findall(r"accuracy:? ([0-9.]+)", out.stdout)[-1])
    assert accuracy >= minimum, out.stdout[-1000:]
