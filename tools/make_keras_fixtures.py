"""Writes the Keras-made model files that tests/saving/test_keras_files.py loads into lamina.

Run it once with each Keras (both need Python 3.11; TensorFlow 2.15 bundles Keras 2):

    pip install tensorflow==2.15.1   && python tools/make_keras_fixtures.py   # Keras 2 (tf.keras 2.15)
    pip install tensorflow-cpu       && python tools/make_keras_fixtures.py   # Keras 3

For every architecture below it builds a small model, sets small seeded random weights
(BatchNormalization's moving variances positive) and compiles it with Adam (a training_config
in the files); TRAINED ones also take one training step (optimizer state in the files). Then it
writes into tests/fixtures/keras/:

    <arch>.k2.h5 / <arch>.k3.h5    legacy full-model HDF5 (`model.save("m.h5")`), every arch
    <arch>.k3.keras                `.keras` archive, every arch
    <arch>.k2.keras                Keras 2's `.keras` archive (K2_ARCHIVES)
    <arch>.k3.weights.h5           Keras 3 `save_weights` (native layout) (WEIGHTS_FILES)
    <arch>.k2.legacy_weights.h5    Keras 2 `save_weights("w.h5")`, the legacy weights-only
                                   HDF5 (LEGACY_WEIGHTS_FILES)
    <arch>.k2.npz / <arch>.k3.npz  the input batch (x_0, x_1, ...) and that version's model's
                                   predictions (y_0, y_1, ...)

plus `many_layers.k2.h5`, a model whose layer_names attribute Keras 2 had to split into
layer_names0, layer_names1, ... (over HDF5's 64 KiB attribute limit), and VERSIONS.json with
the Keras/TensorFlow/h5py/numpy versions each run used.
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

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "keras")
K3 = int(keras.__version__.split(".")[0]) >= 3
TAG = "k3" if K3 else "k2"
L = keras.layers


# ------------------------------------------------------------------------------------------------
# the architectures: each returns (model, inputs, targets for the training step)

def mlp(rng):
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Dense(8, activation="relu", name="d1"),
        L.BatchNormalization(name="bn"),
        L.Dropout(0.3),
        L.Dense(8, activation="tanh"),
        L.BatchNormalization(center=False, name="bn_no_center"),
        L.Dense(8),
        L.BatchNormalization(scale=False, name="bn_no_scale"),
        L.Dense(4, activation="softmax", name="out"),
    ], name="mlp")
    x = rng.normal(size=(5, 6)).astype("float32")
    return model, [x], [rng.integers(0, 4, size=(5,))], "sparse_categorical_crossentropy"


def cnn(rng):
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 2)),
        L.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
        L.MaxPooling2D(2),
        L.Conv2D(5, (2, 3), strides=(1, 1), name="c2"),
        L.BatchNormalization(),
        L.AveragePooling2D(pool_size=(1, 2)),
        L.Flatten(),
        L.Dense(3, activation="softmax"),
    ], name="cnn")
    x = rng.normal(size=(4, 8, 8, 2)).astype("float32")
    return model, [x], [rng.integers(0, 3, size=(4,))], "sparse_categorical_crossentropy"


def conv1d(rng):
    model = keras.Sequential([
        keras.Input(shape=(12, 3)),
        L.Conv1D(4, 3, activation="relu", name="k3"),
        L.MaxPooling1D(2),
        L.Conv1D(4, 2, padding="same", dilation_rate=2, name="k2_dilated"),
        L.GlobalAveragePooling1D(),
        L.Dense(2),
    ], name="conv1d")
    x = rng.normal(size=(4, 12, 3)).astype("float32")
    return model, [x], [rng.normal(size=(4, 2)).astype("float32")], "mse"


def embedding_lstm(rng):
    model = keras.Sequential([
        keras.Input(shape=(7,), dtype="int32"),
        L.Embedding(20, 5, mask_zero=True, name="emb"),
        L.LSTM(6, name="lstm"),
        L.Dense(3, activation="softmax"),
    ], name="embedding_lstm")
    x = rng.integers(1, 20, size=(4, 7)).astype("int32")
    x[1, 5:] = 0  # padded sequences: the mask matters
    x[3, 2:] = 0
    return model, [x], [rng.integers(0, 3, size=(4,))], "sparse_categorical_crossentropy"


def gru_stack(rng):
    model = keras.Sequential([
        keras.Input(shape=(5, 4)),
        L.GRU(6, return_sequences=True, name="gru"),
        L.GRU(5, return_sequences=True, reset_after=False, name="gru_v1"),
        L.SimpleRNN(4, name="rnn"),
        L.Dense(2),
    ], name="gru_stack")
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    return model, [x], [rng.normal(size=(3, 2)).astype("float32")], "mse"


def multi_io(rng):
    seq = keras.Input(shape=(6, 3), name="seq")
    feats = keras.Input(shape=(4,), name="feats")
    h = L.Bidirectional(L.LSTM(5, return_sequences=True), name="bilstm")(seq)
    h = L.LayerNormalization(name="ln_seq")(h)
    h = L.Bidirectional(L.GRU(4), merge_mode="sum", name="bigru")(h)
    f = L.Dense(4, activation="relu", name="feats_dense")(feats)
    z = L.Concatenate(name="concat")([h, f])
    z = L.LayerNormalization(name="ln")(z)
    cls = L.Dense(3, activation="softmax", name="cls")(z)
    reg = L.Dense(1, name="reg")(z)
    model = keras.Model([seq, feats], [cls, reg], name="multi_io")
    xs = [rng.normal(size=(4, 6, 3)).astype("float32"), rng.normal(size=(4, 4)).astype("float32")]
    ys = [rng.integers(0, 3, size=(4,)), rng.normal(size=(4, 1)).astype("float32")]
    return model, xs, ys, ["sparse_categorical_crossentropy", "mse"]


def nested(rng):
    inner_seq = keras.Sequential([
        keras.Input(shape=(4,)),
        L.Dense(6, activation="relu", name="inner_d1"),
        L.Dense(5, name="inner_d2"),
    ], name="inner_seq")
    ii = keras.Input(shape=(5,))
    inner_fn = keras.Model(ii, L.Dense(3, name="fn_out")(L.LayerNormalization(name="fn_ln")(ii)), name="inner_fn")
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    ha = inner_seq(shared(a))  # a shared layer and a shared nested model, each called twice
    hb = inner_seq(shared(b))
    out = inner_fn(L.Add(name="add")([ha, hb]))
    model = keras.Model([a, b], out, name="nested")
    xs = [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")]
    return model, xs, [rng.normal(size=(3, 3)).astype("float32")], "mse"


def convs_td(rng):
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 3)),
        L.DepthwiseConv2D(3, depth_multiplier=2, activation="relu", name="dw"),
        L.SeparableConv2D(4, 3, padding="same", name="sep"),
        L.Conv2DTranspose(2, 3, name="deconv"),
        L.MaxPooling2D(2),
        L.Reshape((16, 2)),
        L.TimeDistributed(L.Dense(3), name="td"),
    ], name="convs_td")
    x = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    return model, [x], [rng.normal(size=(2, 16, 3)).astype("float32")], "mse"


ARCHITECTURES = [mlp, cnn, conv1d, embedding_lstm, gru_stack, multi_io, nested, convs_td]


# ------------------------------------------------------------------------------------------------

def set_small_weights(model, rng) -> None:
    values = []
    for w in model.weights:
        name = w.name if K3 else w.name.split(":")[0]
        shape = tuple(w.shape)
        if "moving_variance" in name:
            values.append(rng.uniform(0.5, 1.5, size=shape))
        else:
            values.append(rng.normal(0.0, 0.3, size=shape))
    model.set_weights([v.astype("float32") for v in values])


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
    model, xs, ys, loss = arch(rng)
    set_small_weights(model, rng)
    metric = {"sparse_categorical_crossentropy": "accuracy", "mse": "mae"}
    metrics = [[metric[l]] for l in loss] if isinstance(loss, list) else [metric[loss]]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=loss, metrics=metrics)
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
    record_versions()
    print(f"wrote fixtures for Keras {keras.__version__} into {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
