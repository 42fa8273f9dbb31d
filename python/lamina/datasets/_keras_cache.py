"""Reading Keras' dataset cache (~/.keras/datasets, or $KERAS_HOME/datasets) the way the
keras.datasets loaders lay it out, without downloading, and unpickling its files safely.

The IMDB and Reuters .npz files hold ragged sequences as numpy object arrays, which numpy can
only store as pickles; CIFAR batches are pickled dicts. Both are read with an unpickler that
admits only the globals those files need (numpy array reconstruction), so a tampered file
cannot run code.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np

from lamina.utils.file_cache import keras_cache_dir

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
                      ("numpy._core.multiarray", "scalar")})


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset file (only numpy arrays are "
                                     "allowed); the file may be corrupt or malicious")


def cached_file(fname: str, dataset: str, origin: str) -> str:
    """The path of `fname` in Keras' dataset cache, or a FileNotFoundError naming where it goes."""
    path = os.path.join(keras_cache_dir(), "datasets", fname)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{dataset}: {path} is missing and lamina downloads nothing. Download {origin} and save it as {path} "
            f"(Keras' cache; set KERAS_HOME to use another folder than ~/.keras)."
        )
    return path


def load_npz(path: str) -> dict:
    """The arrays of an .npz file; object arrays are unpickled with numpy-only globals."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            with z.open(member) as raw:
                data = raw.read()
            fp = io.BytesIO(data)
            try:
                arr = np.lib.format.read_array(fp, allow_pickle=False)
            except ValueError:
                fp.seek(0)
                major, _ = np.lib.format.read_magic(fp)
                if major == 1:
                    np.lib.format.read_array_header_1_0(fp)
                else:
                    np.lib.format.read_array_header_2_0(fp)
                arr = _NumpyOnlyUnpickler(fp).load()
            out[member[:-4] if member.endswith(".npy") else member] = arr
    return out


def load_pickle(path: str):
    """A pickled file (CIFAR batches) with numpy-only globals, byte strings kept as bytes."""
    with open(path, "rb") as f:
        return _NumpyOnlyUnpickler(f, encoding="bytes").load()


def shuffled_split(x, y, test_split: float, seed: int):
    """Keras' housing split: shuffle with RandomState(seed), the first 1 - test_split for training."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}")
    idx = np.arange(len(x))
    np.random.RandomState(seed).shuffle(idx)
    x, y = x[idx], y[idx]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def encode_sequences(xs, start_char, index_from):
    """Keras' shift of word ids: start_char first, ids moved up by index_from."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def drop_long(maxlen, xs, labels):
    """Sequences (and labels) shorter than maxlen."""
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in keep], np.asarray(labels)[keep]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    """Ids outside [skip_top, num_words) become oov_char (or are dropped when it is None)."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def load_word_index(fname: str, dataset: str) -> dict:
    import json

    with open(cached_file(fname, dataset, ORIGIN + fname)) as f:
        return json.load(f)
