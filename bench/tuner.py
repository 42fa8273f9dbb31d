"""Hyperparameter search: lamina.tuner against KerasTuner on Keras 3, in one process.

The same search on the bundled digits (1,149 training rows, 288 validation rows): depth 1-3,
Dense widths 32-256 (step 32), dropout 0-0.5 (step 0.1) and a log-uniform learning rate,
Adam, batch 32. Two tuners with fixed budgets:
- RandomSearch, 10 trials of 10 epochs;
- Hyperband, max_epochs=9, factor=3 (its schedule fixes the budget: 23 trials here).
For each: the best validation accuracy found and the search's wall time, for KerasTuner,
lamina with n_jobs=1, and lamina with n_jobs=2 (two worker processes, one engine thread
each). Repeats alternate the peers; medians.

Run with Keras 3 (jax backend) and keras-tuner installed beside lamina:
    KERAS_BACKEND=jax PYTHONPATH=python python bench/tuner.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np


def _data():
    from lamina.datasets import digits
    (x, y), _ = digits.load_data()
    x = x.reshape(len(x), 64).astype("float32") / 16.0
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def _build(keras, hp):
    """The same model-building function for either library (`keras` is lamina or Keras)."""
    model = keras.Sequential([keras.Input(shape=(64,))])
    for i in range(hp.Int("layers", 1, 3)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 32, 256, step=32), activation="relu"))
        model.add(keras.layers.Dropout(hp.Float(f"dropout_{i}", 0.0, 0.5, step=0.1)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_lamina(hp):
    import lamina
    return _build(lamina, hp)


def build_keras(hp):
    import keras
    return _build(keras, hp)


def _search(library: str, tuner_name: str, n_jobs: int, seed: int, directory: str) -> tuple[float, float, int]:
    """(best val accuracy, wall seconds, trials) of one search."""
    if library == "keras":
        import keras_tuner as kt
        build, extra = build_keras, {}
    else:
        import lamina.tuner as kt
        build, extra = build_lamina, {"n_jobs": n_jobs}
    common = dict(objective="val_accuracy", seed=seed, directory=directory, overwrite=True,
                  project_name=f"{library}_{tuner_name}_{n_jobs}", **extra)
    if tuner_name == "random":
        tuner = kt.RandomSearch(build, max_trials=10, **common)
        fit = {"epochs": 10}
    else:
        tuner = kt.Hyperband(build, max_epochs=9, factor=3, **common)
        fit = {}
    (x, y), (x_val, y_val) = _data()
    start = time.perf_counter()
    tuner.search(x, y, validation_data=(x_val, y_val), batch_size=32, verbose=0, **fit)
    wall = time.perf_counter() - start
    best = tuner.oracle.get_best_trials(1)[0]
    return float(best.score), wall, len(tuner.oracle.trials)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import keras
    import keras_tuner
    print(f"keras {keras.__version__} ({keras.backend.backend()}), keras-tuner {keras_tuner.__version__}, "
          f"cores {len(os.sched_getaffinity(0))}, load {os.getloadavg()[0]:.1f}")
    peers = [("keras", 1), ("lamina", 1), ("lamina", 2)]
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for tuner_name in ("random", "hyperband"):
                for library, n_jobs in peers:
                    acc, wall, trials = _search(library, tuner_name, n_jobs, seed=repeat + 1, directory=tmp)
                    results.setdefault((tuner_name, library, n_jobs), []).append((acc, wall, trials))
                    print(f"repeat {repeat} {tuner_name:9s} {library:6s} n_jobs={n_jobs}: best val_accuracy "
                          f"{acc:.4f}, {wall:6.1f} s, {trials} trials", flush=True)
    print("\n| search | peer | best val accuracy (median) | wall time (median) | trials | vs KerasTuner |")
    print("| --- | --- | --- | --- | --- | --- |")
    for tuner_name in ("random", "hyperband"):
        keras_wall = statistics.median(w for _, w, _ in results[(tuner_name, "keras", 1)])
        for library, n_jobs in peers:
            runs = results[(tuner_name, library, n_jobs)]
            acc = statistics.median(a for a, _, _ in runs)
            wall = statistics.median(w for _, w, _ in runs)
            name = "KerasTuner (Keras 3, jax)" if library == "keras" else f"lamina.tuner, n_jobs={n_jobs}"
            print(f"| {tuner_name} | {name} | {acc:.4f} | {wall:.1f} s | {runs[0][2]} | "
                  f"{keras_wall / wall:.2f}x |")


if __name__ == "__main__":
    main()
