"""examples/tensorboard_digits.py trains, reaches its accuracy, and leaves TensorBoard logs."""

import os
import re
import subprocess
import sys

from optional import require

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_tensorboard_digits_example(tmp_path):
    require("tensorboardX")
    from tb_events import listing

    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "tensorboard_digits.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(re.findall(r"test accuracy ([0-9.]+)", out.stdout)[-1]) >= 0.93
    (log_dir,) = os.listdir(tmp_path)
    runs = listing(str(tmp_path / log_dir))
    assert runs["train"]["epoch_accuracy"]["steps"] == list(range(15))
    assert runs["train"]["batch_loss"]["steps"] == list(range(10, 41 * 15 + 1, 10))  # 41 batches an epoch
    assert runs["validation"]["evaluation_accuracy_vs_iterations"]["steps"] == list(range(41, 41 * 15 + 1, 41))
    assert "digits_mlp/hidden/kernel/histogram" in runs["train"]
