"""Paths and helpers for the Keras-written files in tests/fixtures/keras (made by
tools/make_keras_fixtures.py; versions in VERSIONS.json)."""

import glob
import os

import numpy as np

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras"))
ARCHITECTURES = ["mlp", "cnn", "conv1d", "embedding_lstm", "gru_stack", "multi_io", "nested", "encoder_decoder",
                 "convs_td"]
TOLERANCE = 1e-5


def path(name: str) -> str:
    return os.path.join(FIXTURES, name)


def files(pattern: str) -> list:
    return sorted(os.path.basename(p) for p in glob.glob(path(pattern)))


def batch(name: str):
    """(inputs, Keras' predictions) saved beside a fixture: `mlp.k2.h5` -> mlp.k2.npz."""
    arch, tag = name.split(".")[:2]
    data = np.load(path(f"{arch}.{tag}.npz"))
    xs = [data[k] for k in sorted(k for k in data.files if k.startswith("x_"))]
    ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y_"))]
    return xs, ys


def predict(model, xs) -> list:
    y = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return [np.asarray(v) for v in (y if isinstance(y, (list, tuple)) else [y])]


def max_error(model, xs, ys) -> float:
    got = predict(model, xs)
    assert [g.shape for g in got] == [y.shape for y in ys]
    return max(float(np.max(np.abs(g - y))) for g, y in zip(got, ys))
