"""Data parallelism under `mpirun -n 2` gives what one process gives with the same global batch:
weights, History, evaluate() and predict() (worker.py trains the cases both ways)."""

import re

import numpy as np
import pytest

from mpi_run import HERE, mpirun, python, require_mpi

from worker import CASES


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    require_mpi()
    out = tmp_path_factory.mktemp("dp")
    one = python([HERE / "worker.py", out / "one.npz"])
    assert one.returncode == 0, one.stderr[-3000:]
    two, _ = mpirun([HERE / "worker.py", out / "two.npz"], n=2)
    assert two.returncode == 0, two.stdout[-2000:] + two.stderr[-3000:]
    return np.load(out / "one.npz"), np.load(out / "two.npz")


@pytest.mark.parametrize("case", CASES)
def test_two_ranks_train_as_one_process_with_the_global_batch(results, case):
    one, two = results
    keys = [k for k in one.files if k.startswith(case + "/")]
    assert keys and sorted(keys) == sorted(k for k in two.files if k.startswith(case + "/"))
    # Adam divides by the root of the second moment, which magnifies summation-order noise.
    tolerance = 1e-4 if case.endswith("adam") else 1e-5
    for key in keys:
        if "/w" in key:
            np.testing.assert_allclose(two[key], one[key], atol=tolerance, err_msg=key)
    for key in keys:  # the reduced loss and metrics (History, validation, evaluate) and predict
        if "/w" not in key:
            np.testing.assert_allclose(two[key], one[key], atol=1e-5, rtol=1e-5, err_msg=key)
    assert np.array_equal(one[f"{case}/history/accuracy"], two[f"{case}/history/accuracy"])
    assert one[f"{case}/predict"].shape == (23, 3)


def test_the_example_trains_on_two_ranks():
    done, _ = mpirun([HERE.parent.parent / "examples" / "distributed_digits.py"], n=2, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on 2 rank(s)" in done.stdout
    assert float(re.findall(r"test accuracy ([0-9.]+)", done.stdout)[-1]) >= 0.95
    assert done.stdout.count("Epoch 30/30") == 1  # rank 0 alone shows progress
