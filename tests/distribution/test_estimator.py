"""`RunConfig(train_distribute=MultiWorkerMirroredStrategy())` trains a canned estimator over two
ranks to the variables one process reaches on the same batches."""

import numpy as np

from mpi_run import HERE, mpirun, python


def test_train_distribute_matches_one_process(tmp_path):
    one = python([HERE / "estimator_worker.py", tmp_path / "one", tmp_path / "one.npz"])
    assert one.returncode == 0, one.stderr[-3000:]
    two, _ = mpirun([HERE / "estimator_worker.py", tmp_path / "two", tmp_path / "two.npz", "distribute"], n=2)
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = np.load(tmp_path / "one.npz"), np.load(tmp_path / "two.npz")
    assert sorted(a.files) == sorted(b.files)
    assert int(b["global_step"]) == 10  # 100 rows x 2 passes / global batch 20: every rank ran every step
    for name in a.files:
        np.testing.assert_allclose(b[name], a[name], atol=1e-5, err_msg=name)
    assert not np.allclose(a["dnn/hiddenlayer_0/kernel"], 0)
    # Rank 0 alone wrote the checkpoints and summaries (event files are named by time and pid).
    def written(directory):
        return sorted("events" if p.name.startswith("events.") else p.name for p in directory.iterdir())

    assert written(tmp_path / "two") == written(tmp_path / "one")
