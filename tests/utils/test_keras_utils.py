"""keras.utils functions in lamina: pad_sequences against real Keras, timeseries windows
against Keras' documented indexing, split_dataset, Progbar's averaging against Keras',
PyDataset in fit, get_file's cache layout, Config, custom objects and the backend/config
namespaces."""

import hashlib
import os
import tarfile

import numpy as np
import pytest

import lamina as lm
from lamina import utils
from keras_ref import real_keras


@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 3}, {"maxlen": 3, "padding": "post", "truncating": "post"},
                                    {"maxlen": 6, "value": -1.0, "dtype": "float32"}, {"truncating": "post", "maxlen": 2}])
def test_pad_sequences_matches_keras(kwargs):
    keras = real_keras()
    seqs = [[1, 2, 3, 4], [5], [], [6, 7]]
    got = utils.pad_sequences(seqs, **kwargs)
    want = keras.utils.pad_sequences(seqs, **kwargs)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype
    vecs = [np.ones((2, 3)), np.zeros((1, 3))]
    np.testing.assert_array_equal(utils.pad_sequences(vecs, dtype="float32"), keras.utils.pad_sequences(vecs, dtype="float32"))
    with pytest.raises(ValueError, match="padding"):
        utils.pad_sequences(seqs, padding="middle")


def test_timeseries_windows_follow_keras_indexing():
    data = np.arange(100).reshape(50, 2)
    targets = np.arange(50) * 10
    ds = utils.timeseries_dataset_from_array(data, targets, sequence_length=4, sequence_stride=3, sampling_rate=2,
                                             batch_size=5, start_index=4, end_index=40)
    xs, ys = zip(*list(ds.as_numpy_iterator()))
    x, y = np.concatenate(xs), np.concatenate(ys)
    num = 40 - 4 - 3 * 2
    starts = np.arange(0, num, 3)
    assert len(x) == len(starts) == ds.cardinality() * 5 - (5 - len(starts) % 5) % 5
    for i, p in enumerate(starts):
        np.testing.assert_array_equal(x[i], data[4 + p + np.arange(4) * 2])
        assert y[i] == targets[4 + p]
    shuffled = utils.timeseries_dataset_from_array(data, None, 4, batch_size=None, shuffle=True, seed=1)
    firsts = sorted(int(w[0, 0]) for w in shuffled.as_numpy_iterator())
    assert firsts == sorted(int(data[p, 0]) for p in range(47))
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.timeseries_dataset_from_array(data, None, 4, sampling_rate=0)


def test_split_dataset_sizes_and_contents():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = utils.split_dataset((x, y), left_size=0.7)
    lx = np.array([e[0] for e in left.as_numpy_iterator()])
    rx = np.array([e[0] for e in right.as_numpy_iterator()])
    np.testing.assert_array_equal(lx, np.arange(7))
    np.testing.assert_array_equal(rx, [7, 8, 9])
    left, right = utils.split_dataset(x, left_size=2, right_size=3, shuffle=True, seed=0)
    lv, rv = list(left.as_numpy_iterator()), list(right.as_numpy_iterator())
    assert len(lv) == 2 and len(rv) == 3 and not set(map(int, lv)) & set(map(int, rv))
    ds = lm.data.Dataset.from_tensor_slices(x)
    left, right = utils.split_dataset(ds, right_size=0.2)
    assert len(list(left.as_numpy_iterator())) == 8
    with pytest.raises(ValueError, match="left_size"):
        utils.split_dataset(x, left_size=1.5)
    with pytest.raises(ValueError, match="give left_size"):
        utils.split_dataset(x)


def test_progbar_averages_like_keras(capsys):
    keras = real_keras()
    steps = [(1, [("loss", 1.0), ("acc", 0.5)]), (3, [("loss", 4.0), ("acc", 0.7)]), (4, [("loss", 2.0), ("acc", 0.9)])]
    mine = utils.Progbar(5, stateful_metrics=["acc"], verbose=1, interval=0)
    theirs = keras.utils.Progbar(5, stateful_metrics=["acc"], verbose=1, interval=0)
    for current, values in steps:
        mine.update(current, values)
        theirs.update(current, values)
    loss_k = theirs._values["loss"][0] / theirs._values["loss"][1]
    assert mine.value("loss") == pytest.approx(loss_k) == pytest.approx(11 / 4)  # (1*1 + 4*2 + 2*1) / 4
    mine.update(5, [("loss", 0.25)])  # the finalizing update shows its value as given
    theirs.update(5, [("loss", 0.25)])
    assert mine.value("loss") == pytest.approx(theirs._values["loss"][0] / theirs._values["loss"][1]) == 0.25
    assert mine.value("acc") == pytest.approx(0.9)
    out = capsys.readouterr().out
    assert f"loss: {loss_k:.4f}" in out and "5/5" in out


def test_py_dataset_feeds_fit():
    class Batches(utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs_ended = 0
            rng = np.random.default_rng(0)
            self.x = rng.standard_normal((32, 3)).astype("float32")
            self.y = self.x @ np.array([[1.0], [-2.0], [0.5]], "float32")

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return self.x[i * 8:(i + 1) * 8], self.y[i * 8:(i + 1) * 8]

        def on_epoch_end(self):
            self.epochs_ended += 1

    data = Batches()
    model = lm.Sequential([lm.Input((3,)), lm.layers.Dense(1)])
    model.compile(optimizer=lm.optimizers.SGD(0.1), loss="mse")
    hist = model.fit(data, epochs=3, verbose=0)
    assert data.epochs_ended == 3
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert utils.Sequence is utils.PyDataset and data.num_batches == 4


def test_get_file_reads_the_keras_cache_and_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cache = tmp_path / "datasets"
    cache.mkdir()
    (cache / "data.csv").write_text("a,b\n1,2\n")
    digest = hashlib.sha256((cache / "data.csv").read_bytes()).hexdigest()
    assert utils.get_file("data.csv", origin="https://example.com/data.csv", file_hash=digest) == str(cache / "data.csv")
    with pytest.raises(ValueError, match="expected"):
        utils.get_file("data.csv", file_hash="0" * 64)
    with pytest.raises(FileNotFoundError, match=r"missing\.npz.*https://example.com/missing.npz"):
        utils.get_file(origin="https://example.com/missing.npz")
    src = tmp_path / "pack"
    src.mkdir()
    (src / "inner.txt").write_text("hi")
    with tarfile.open(cache / "pack.tar.gz", "w:gz") as t:
        t.add(src / "inner.txt", arcname="inner.txt")
    out = utils.get_file("pack.tar.gz", extract=True)
    assert out == str(cache / "pack_extracted") and (cache / "pack_extracted" / "inner.txt").read_text() == "hi"


def test_custom_object_scope_and_registry():
    class Twice(lm.layers.Layer):
        def call(self, x):
            return x * 2

    config = {"class_name": "Twice", "config": {"name": "t"}}
    with pytest.raises(Exception):
        utils.deserialize_keras_object(config)
    with utils.custom_object_scope({"Twice": Twice}):
        assert isinstance(utils.deserialize_keras_object(config), Twice)
        assert utils.get_registered_object("Twice") is Twice
    assert utils.get_registered_object("Twice") is None
    registered = utils.register_keras_serializable(package="test_surface")(type("Thrice", (lm.layers.Layer,), {}))
    assert utils.get_custom_objects()["test_surface>Thrice"] is registered
    assert utils.get_registered_name(registered) == "test_surface>Thrice"


def test_config_object():
    c = utils.Config(lr=0.1)
    c.momentum = 0.9
    assert c["lr"] == 0.1 and c.momentum == 0.9 and set(c.keys()) == {"lr", "momentum"}
    c.freeze()
    with pytest.raises(ValueError, match="frozen"):
        c.lr = 1


def test_backend_and_config_namespaces():
    keras = real_keras()
    for d in ["float32", "int8", "bool", int, float, bool, np.dtype("int64"), None]:
        assert lm.backend.standardize_dtype(d) == keras.backend.standardize_dtype(d)
    for pair in [("int32", "float32"), ("float16", "float32"), ("bool", "int32"), ("int8", "uint8")]:
        assert lm.backend.result_type(*pair) == keras.backend.result_type(*pair)
    assert lm.backend.is_float_dtype("float64") and lm.backend.is_int_dtype("uint8")
    assert not lm.backend.is_float_dtype("int32")
    first = lm.backend.get_uid("surface_test")
    assert lm.backend.get_uid("surface_test") == first + 1
    x = lm.Input((3,))
    y = lm.layers.Dense(2)(x)
    assert lm.backend.is_keras_tensor(y) and not lm.backend.is_keras_tensor(lm.tensor([1.0]))
    assert utils.get_source_inputs(y)[0] is x
    assert lm.config.backend() == "lamina"
    with pytest.raises(ValueError, match="lamina runs only"):
        lm.config.set_backend("jax")
    lm.config.disable_interactive_logging()
    assert not lm.config.is_interactive_logging_enabled()
    lm.config.enable_interactive_logging()
    assert utils.is_interactive_logging_enabled()
