"""The main job's model (examples/train_digits.py) trained the same way in lamina and in Keras 3
on TensorFlow, over several seeds: test accuracy and training time per library, to show that
lamina reaches the accuracy Keras reaches.

Run with a Python that has lamina and Keras installed:
    TF_CPP_MIN_LOG_LEVEL=3 python bench/digits_accuracy.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def digits_arrays():
    from lamina.datasets import digits

    (x, y), (xt, yt) = digits.load_data()
    return x.reshape(len(x), 64).astype("float32") / 16.0, y, xt.reshape(len(xt), 64).astype("float32") / 16.0, yt


def train(lib, seed: int, data) -> tuple[float, float]:
    """Test accuracy and fit seconds of the main job's model in `lib` (lamina or keras)."""
    x, y, xt, yt = data
    lib.utils.set_random_seed(seed)
    layers = lib.layers
    model = lib.Sequential([
        lib.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=40, validation_split=0.1, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(xt, yt, verbose=0)
    return float(accuracy), seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    import keras

    import lamina

    data = digits_arrays()
    results = {"lamina": [], "keras": []}
    for seed in range(args.seeds):
        for name, lib in (("lamina", lamina), ("keras", keras)):
            results[name].append(train(lib, seed, data))
    print(f"keras {keras.__version__}, seeds 0..{args.seeds - 1}, load average {os.getloadavg()[0]:.2f}\n")
    print("| library | test accuracy per seed | median | fit seconds (median) |\n| --- | --- | --- | --- |")
    for name, rows in results.items():
        accs = ", ".join(f"{a:.4f}" for a, _ in rows)
        print(f"| {name} | {accs} | {statistics.median(a for a, _ in rows):.4f} | "
              f"{statistics.median(s for _, s in rows):.2f} |")


if __name__ == "__main__":
    main()
