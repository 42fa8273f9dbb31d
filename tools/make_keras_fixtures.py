"""Writes the Keras-made model files that tests/saving/test_keras_files.py loads into lamina.

Run it once with each Keras (both need Python 3.11; TensorFlow 2.15 bundles Keras 2):

    pip install tensorflow==2.15.1   && python tools/make_keras_fixtures.py   # Keras 2 (tf.keras 2.15)
    pip install tensorflow-cpu       && python tools/make_keras_fixtures.py   # Keras 3

For every architecture in tests/saving/keras_architectures.py it builds the small model, sets
small seeded random weights (BatchNormalization's moving variances positive) and compiles it
with Adam (a training_config in the files); TRAINED ones also take one training step
(optimizer state in the files). Then it writes into tests/fixtures/keras/:

    <arch>.k2.h5 / <arch>.k3.h5    legacy full-model HDF5 (`model.save("m.h5")`), every arch
    <arch>.k3.keras                `.keras` archive, every arch
    <arch>.k2.keras                Keras 2's `.keras` archive (K2_ARCHIVES)
    <arch>.k3.weights.h5           Keras 3 `save_weights` (native layout) (WEIGHTS_FILES)
    <arch>.k2.legacy_weights.h5    Keras 2 `save_weights("w.h5")`, the legacy weights-only
                                   HDF5 (LEGACY_WEIGHTS_FILES)
    <arch>.k2.npz / <arch>.k3.npz  the input batch (x_0, x_1, ...) and that version's model's
                                   predictions (y_0, y_1, ...)

plus, from Keras 2, `many_layers.k2.h5`, a model whose layer_names attribute Keras 2 had to
split into layer_names0, layer_names1, ... (over HDF5's 64 KiB attribute limit), and
`conv1d_legacy_adam.k2.h5`, trained with the pre-2.11 optimizer (its own slot layout); and
VERSIONS.json with the Keras/TensorFlow/h5py/numpy versions each run used.
"""

from __future__ import annotations

import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "saving"))
from keras_architectures import ARCHITECTURES, compile_arguments, set_small_weights  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "keras")
K3 = int(keras.__version__.split(".")[0]) >= 3
TAG = "k3" if K3 else "k2"
L = keras.layers



def predictions(model, xs) -> list:
    y = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return [np.asarray(v) for v in (y if isinstance(y, list) else [y])]


# HDF5 spends about 2 KB on every group, so to keep the fixtures small only some architectures
# get every kind of file; every architecture gets the full-model files from both versions.
TRAINED = {"conv1d"}  # one Adam step: optimizer state in the files
WEIGHTS_FILES = {"mlp", "nested", "convs_td"}  # Keras 3 .weights.h5
LEGACY_WEIGHTS_FILES = {"mlp", "multi_io", "nested"}  # Keras 2 save_weights("w.h5")
K2_ARCHIVES = {"multi_io", "nested"}  # Keras 2 .keras (its weights file has the .weights.h5 layout)


def write(arch) -> None:
    name = arch.__name__
    rng = np.random.default_rng(sum(map(ord, name)))
    model, xs, ys, loss = arch(keras, rng)
    set_small_weights(model, rng)
    model.compile(**compile_arguments(keras, loss))
    if name in TRAINED:
        model.fit(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0], batch_size=len(xs[0]), epochs=1, verbose=0)
    base = os.path.join(OUT, f"{name}.{TAG}")
    # The .h5 last: Keras 3.15's legacy save drops the optimizer from the model's compile config.
    if K3 or name in K2_ARCHIVES:
        model.save(base + ".keras")
    if K3 and name in WEIGHTS_FILES:
        model.save_weights(base + ".weights.h5")
    if not K3 and name in LEGACY_WEIGHTS_FILES:
        model.save_weights(base + ".legacy_weights.h5")
    model.save(base + ".h5")
    ypred = predictions(model, xs)
    np.savez(base + ".npz", **{f"x_{i}": x for i, x in enumerate(xs)}, **{f"y_{i}": y for i, y in enumerate(ypred)})


def write_many_layers() -> None:
    """One long layer name makes the fixed-width name array 22 x 2940 bytes > 64 KiB."""
    model = keras.Sequential([keras.Input(shape=(3,)), L.Activation("tanh", name="long_" + "x" * 2935)]
                             + [L.Dense(3, name=f"d{i}") if i % 5 == 0 else L.Activation("tanh", name=f"a{i}")
                                for i in range(21)], name="many_layers")
    rng = np.random.default_rng(7)
    set_small_weights(model, rng)
    x = rng.normal(size=(2, 3)).astype("float32")
    base = os.path.join(OUT, f"many_layers.{TAG}")
    model.save(base + ".h5")
    np.savez(base + ".npz", x_0=x, y_0=model.predict(x, verbose=0))
    with h5py.File(base + ".h5", "r") as f:
        assert "layer_names0" in f["model_weights"].attrs, "the name list was expected to be split"


def write_legacy_optimizer() -> None:
    """tf.keras before 2.11 (and keras.optimizers.legacy after) saved slots one kind at a time
    (every m, then every v) under names like Adam/k3/kernel/m:0."""
    from keras_architectures import conv1d

    rng = np.random.default_rng(11)
    model, xs, ys, loss = conv1d(keras, rng)
    set_small_weights(model, rng)
    model.compile(optimizer=keras.optimizers.legacy.Adam(learning_rate=1e-3), loss=loss)
    model.fit(xs[0], ys[0], batch_size=len(xs[0]), epochs=2, verbose=0)
    base = os.path.join(OUT, f"conv1d_legacy_adam.{TAG}")
    model.save(base + ".h5")
    np.savez(base + ".npz", x_0=xs[0], y_0=model.predict(xs[0], verbose=0))


def record_versions() -> None:
    path = os.path.join(OUT, "VERSIONS.json")
    versions = {}
    if os.path.exists(path):
        with open(path) as fh:
            versions = json.load(fh)
    versions[TAG] = {"keras": keras.__version__, "tensorflow": tf.__version__, "h5py": h5py.__version__,
                     "numpy": np.__version__, "python": platform.python_version()}
    with open(path, "w") as fh:
        json.dump(versions, fh, indent=2, sort_keys=True)
        fh.write("\n")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(0)
    for arch in ARCHITECTURES:
        write(arch)
    if not K3:
        write_many_layers()
        write_legacy_optimizer()
    record_versions()
    print(f"wrote fixtures for Keras {keras.__version__} into {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
