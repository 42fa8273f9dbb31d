"""Trains small models the same way with one process or under `mpirun -n N` and saves what the
tests compare: the weights after training, the History, evaluate() and predict() results.

    python worker.py OUT.npz              # one process, no distribution
    mpirun -n 2 python worker.py OUT.npz  # data parallel: same global batch, same data order
"""

import socket
import sys

import numpy as np

import lamina as keras

CASES = ("dense_sgd", "dense_adam", "cnn_sgd", "lstm_adam", "sample_weight_sgd", "class_weight_adam", "uneven_sgd",
         "dataset_sgd", "unbuilt_sgd")


def build(case):
    keras.utils.set_random_seed(1)
    if case.startswith("cnn"):
        model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                  keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(3)])
        x = np.random.default_rng(0).normal(size=(64, 8, 8, 1)).astype("float32")
    elif case.startswith("lstm"):
        model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(8), keras.layers.Dense(3)])
        x = np.random.default_rng(0).normal(size=(64, 5, 3)).astype("float32")
    elif case.startswith("unbuilt"):  # no Input: the model builds on its first batch
        model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
        x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    else:
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
        x = np.random.default_rng(0).normal(size=(64 if not case.startswith("uneven") else 49, 8)).astype("float32")
    y = np.random.default_rng(1).integers(0, 3, size=len(x))
    optimizer = keras.optimizers.Adam(1e-2) if case.endswith("adam") else keras.optimizers.SGD(0.1)
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model, x, y


def run(case):
    model, x, y = build(case)
    kwargs = {}
    if case.startswith("sample_weight"):
        kwargs["sample_weight"] = np.random.default_rng(2).uniform(0.1, 2.0, size=len(x)).astype("float32")
    if case.startswith("class_weight"):
        kwargs["class_weight"] = {0: 0.5, 1: 2.0, 2: 1.0}
    # Global batch 16 = 2 ranks x 8; "uneven": 49 rows leave a last batch of 1 row, so one rank has none.
    if case.startswith("dataset"):  # batches of a Dataset: each rank keeps its slice of each
        data = keras.data.Dataset.from_tensor_slices((x, y)).batch(16)
        history = model.fit(data, epochs=2, verbose=0, validation_data=(x[:20], y[:20]))
    else:
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0, validation_data=(x[:20], y[:20]),
                            **kwargs)
    out = {f"{case}/w{i}": w for i, w in enumerate(model.get_weights())}
    for name, values in history.history.items():
        out[f"{case}/history/{name}"] = np.array(values)
    out[f"{case}/evaluate"] = np.array(model.evaluate(x, y, batch_size=10, verbose=0))
    out[f"{case}/predict"] = model.predict(x[:23], batch_size=4, verbose=0)
    return out


if __name__ == "__main__":
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    print(f"rank {keras.distribution.distribution().rank} on {socket.gethostname()}")
    results = {}
    for case in sys.argv[2:] or CASES:
        results.update(run(case))
    if keras.distribution.distribution().rank == 0:
        np.savez(sys.argv[1], **results)
    elif not all(np.isfinite(v).all() for v in results.values()):
        raise SystemExit("non-finite results on a non-chief rank")
