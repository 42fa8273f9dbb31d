"""Without a launcher (and without mpi4py) the data-parallel API is there and changes nothing;
the engine's thread count; Dataset.shard."""

import os
import subprocess
import sys

import numpy as np
import pytest

import lamina as keras
from mpi_run import environment


def test_one_rank_lists_one_device_and_trains_as_usual():
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    try:
        assert keras.distribution.list_devices() == ["cpu:0"]
        assert keras.distribution.distribution().num_replicas == 1
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile("sgd", "mse")
        history = model.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), batch_size=4, verbose=0)
        assert len(history.history["loss"]) == 1
    finally:
        keras.distribution.set_distribution(None)


def test_strategy_scope_sets_the_distribution_of_models_compiled_inside():
    strategy = keras.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1
    with strategy.scope():
        assert keras.distribution.distribution() is strategy.extended
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile("sgd", "mse")
    assert keras.distribution.distribution() is None
    assert model._distribution is strategy.extended


def test_bad_arguments_are_reported():
    with pytest.raises(TypeError, match="DataParallel or None"):
        keras.distribution.set_distribution("data")
    with pytest.raises(ValueError, match="only all ranks"):
        keras.distribution.DataParallel(devices=["cpu:5"])
    with pytest.raises(ValueError, match="train_distribute must be"):
        keras.estimators.RunConfig(train_distribute="mirrored")


SCRIPT_WITHOUT_MPI = """
import sys
sys.modules["mpi4py"] = None  # as if it were not installed
import numpy as np
import lamina as keras
keras.distribution.set_distribution(keras.distribution.DataParallel())
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
model.compile("sgd", "mse")
model.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), batch_size=4, verbose=0)
print(type(keras.distribution.distribution()._comm).__name__, keras.distribution.list_devices())
"""


def test_the_same_script_runs_without_mpi4py():
    done = subprocess.run([sys.executable, "-c", SCRIPT_WITHOUT_MPI], capture_output=True, text=True, timeout=120,
                          env=environment())
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "LocalComm ['cpu:0']"


def test_a_launched_job_without_mpi4py_says_what_to_install():
    done = subprocess.run([sys.executable, "-c", SCRIPT_WITHOUT_MPI], capture_output=True, text=True, timeout=120,
                          env=environment(PMI_SIZE="2"))
    assert done.returncode != 0
    assert 'pip install "lamina[mpi]"' in done.stderr


THREADS = """
import os
import lamina
print(os.environ.get("RAYON_NUM_THREADS"), lamina.config.get_num_threads())
"""


@pytest.mark.parametrize("env, expected", [({"LAMINA_NUM_THREADS": "1"}, "1 1"),
                                           ({"MPI_LOCALNRANKS": "64"}, "1 1")])
def test_engine_threads_are_set_before_the_engine_starts(env, expected):
    base = {k: v for k, v in environment().items() if k not in ("RAYON_NUM_THREADS", "LAMINA_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", THREADS], capture_output=True, text=True, timeout=120,
                          env={**base, **env})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == expected


def test_set_num_threads_after_the_pool_started_is_an_error():
    script = ("import lamina, numpy as np\n"
              "lamina.config.set_num_threads(1)\n"  # before any op: fine
              "lamina.ops.matmul(np.ones((256, 256), 'f'), np.ones((256, 256), 'f'))\n"
              "print(lamina.config.get_num_threads())\n"
              "lamina.config.set_num_threads(1)\n"  # same count: fine
              "lamina.config.set_num_threads(3)\n")
    base = {k: v for k, v in environment().items() if k not in ("RAYON_NUM_THREADS", "LAMINA_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=base)
    assert done.stdout.strip() == "1"
    assert "the engine's thread pool already started with 1 threads" in done.stderr
    assert "LAMINA_NUM_THREADS=3" in done.stderr


def test_dataset_shard_follows_tf_data():
    ds = keras.data.Dataset.range(10)
    assert [int(v) for v in ds.shard(3, 1)] == [1, 4, 7]
    assert ds.shard(3, 0).cardinality() == 4 and ds.shard(3, 2).cardinality() == 3
    batches = keras.data.Dataset.from_tensor_slices(np.arange(10)).batch(4).shard(2, 1)
    assert [b.tolist() for b in batches] == [[4, 5, 6, 7]]
    generated = keras.data.Dataset.from_generator(lambda: iter(range(5))).shard(2, 0)
    assert list(generated) == [0, 2, 4]
    with pytest.raises(ValueError, match="0 <= index < num_shards, got num_shards=2, index=2"):
        ds.shard(2, 2)
    with pytest.raises(ValueError, match="num_shards > 0 .*got num_shards=0"):
        ds.shard(0, 0)


def test_cores_are_counted_from_the_affinity():
    assert keras.config.get_num_threads() >= 1
    assert os.cpu_count() >= 1


SYNCHRONIZED_BN = """
import warnings
import numpy as np
import lamina as keras
keras.distribution.set_distribution(keras.distribution.DataParallel())
model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(synchronized=True), keras.layers.Dense(2)])
model.compile("sgd", "mse")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), batch_size=4, verbose=0)
if keras.distribution.distribution().rank == 0:
    print([str(w.message) for w in caught if "synchronized" in str(w.message)])
"""


def test_synchronized_batch_norm_says_it_is_local(tmp_path):
    from mpi_run import mpirun

    script = tmp_path / "bn.py"
    script.write_text(SYNCHRONIZED_BN)
    done, _ = mpirun([script], n=2)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "does not synchronize batch statistics across ranks yet" in done.stdout
