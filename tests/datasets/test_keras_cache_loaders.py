"""keras.datasets loaders (imdb, reuters, cifar100, boston_housing, california_housing) on
small files written here in Keras' formats into a temporary KERAS_HOME: the same arrays as
real Keras' loaders give for the same files, and a clear error naming the file when absent."""

import os
import pickle
import tarfile

import numpy as np
import pytest

import lamina as lm
from keras_ref import long_only, real_keras


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def _ragged(rng, n, vocab=30):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(v) for v in rng.integers(1, vocab, rng.integers(2, 9))]  # Python ints, as in the real files
    return out


def _keras_loader(module: str, path: str, monkeypatch):
    """Real Keras' loader for `module`, reading `path` instead of downloading."""
    real_keras()
    import importlib

    mod = importlib.import_module(f"keras.src.datasets.{module}")
    monkeypatch.setattr(mod, "get_file", lambda *a, **k: path)
    return mod


def _assert_same(got, want):
    for g, w in zip(got, want):
        for ga, wa in zip(g, w):
            assert ga.shape == wa.shape and ga.dtype == wa.dtype
            if ga.dtype == object:
                assert [list(s) for s in ga] == [list(s) for s in wa]
            else:
                np.testing.assert_array_equal(ga, wa)


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 12, "skip_top": 2, "maxlen": 8, "seed": 5},
                                    long_only({"oov_char": None, "start_char": None, "index_from": 0, "num_words": 20})])
def test_imdb_matches_keras(keras_home, monkeypatch, kwargs):
    rng = np.random.default_rng(0)
    path = keras_home / "imdb.npz"
    np.savez(path, x_train=_ragged(rng, 10), y_train=rng.integers(0, 2, 10), x_test=_ragged(rng, 7), y_test=rng.integers(0, 2, 7))
    (keras_home / "imdb_word_index.json").write_text('{"the": 1, "movie": 2}')
    want = _keras_loader("imdb", str(path), monkeypatch).load_data(**kwargs)
    _assert_same(lm.datasets.imdb.load_data(**kwargs), want)
    assert lm.datasets.imdb.get_word_index() == {"the": 1, "movie": 2}


def test_reuters_matches_keras(keras_home, monkeypatch):
    rng = np.random.default_rng(1)
    path = keras_home / "reuters.npz"
    np.savez(path, x=_ragged(rng, 15), y=rng.integers(0, 46, 15))
    mod = _keras_loader("reuters", str(path), monkeypatch)
    for kwargs in ({}, {"test_split": 0.4, "num_words": 10, "maxlen": 7}):
        _assert_same(lm.datasets.reuters.load_data(**kwargs), mod.load_data(**kwargs))
    assert lm.datasets.reuters.get_label_names() == mod.get_label_names()


@pytest.mark.parametrize("name", ["boston_housing", "california_housing"])
def test_housing_matches_keras(keras_home, monkeypatch, name):
    rng = np.random.default_rng(2)
    path = keras_home / f"{name}.npz"
    np.savez(path, x=rng.standard_normal((20, 5)), y=rng.standard_normal(20))
    mod = _keras_loader(name, str(path), monkeypatch)
    _assert_same(getattr(lm.datasets, name).load_data(test_split=0.3, seed=7), mod.load_data(test_split=0.3, seed=7))
    with pytest.raises(ValueError, match="test_split"):
        getattr(lm.datasets, name).load_data(test_split=1.0)


def test_cifar100_reads_the_extracted_archive_like_keras(keras_home, monkeypatch):
    rng = np.random.default_rng(3)
    root = keras_home / "cifar-100-python-target"
    inner = root / "cifar-100-python"
    inner.mkdir(parents=True)
    for split, n in (("train", 4), ("test", 2)):
        d = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
             b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)]}
        with open(inner / split, "wb") as f:
            pickle.dump(d, f)
    mod = _keras_loader("cifar100", str(root), monkeypatch)
    for mode in ("fine", "coarse"):
        _assert_same(lm.datasets.cifar100.load_data(mode), mod.load_data(mode))
    # The archive alone (as Keras saves it) is extracted on first use.
    with tarfile.open(keras_home / "cifar-100-python-target_archive", "w:gz") as t:
        t.add(inner, arcname="cifar-100-python")
    import shutil

    shutil.rmtree(root)
    assert lm.datasets.cifar100.load_data()[0][0].shape == (4, 32, 32, 3)


def test_cifar100_refuses_pickled_code(keras_home):
    inner = keras_home / "cifar-100-python-target" / "cifar-100-python"
    inner.mkdir(parents=True)
    with open(inner / "train", "wb") as f:
        pickle.dump({b"data": os.system}, f)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        lm.datasets.cifar100.load_data()


@pytest.mark.parametrize("name,fname", [("imdb", "imdb.npz"), ("reuters", "reuters.npz"),
                                        ("boston_housing", "boston_housing.npz"),
                                        ("california_housing", "california_housing.npz"),
                                        ("cifar100", "cifar-100-python-target")])
def test_missing_files_name_the_file_and_place(keras_home, name, fname):
    with pytest.raises(FileNotFoundError) as e:
        getattr(lm.datasets, name).load_data()
    msg = str(e.value)
    assert str(keras_home / fname) in msg and "https://" in msg and "downloads nothing" in msg
