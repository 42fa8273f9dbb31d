"""Writes the Keras 2 files of the random-graph differential test (tests/keras_diff/test_keras2_graphs.py).

Keras 2 cannot be installed beside Keras 3, so its files are made once, by this script, in a
separate environment (TensorFlow 2.15 bundles Keras 2.15), and committed:

    python3.11 -m venv /work/venv-tf && /work/venv-tf/bin/pip install tensorflow-cpu==2.15.1
    /work/venv-tf/bin/python tools/make_keras2_graph_fixtures.py

For each graph in GRAPHS (seeds of tests/keras_diff/graph_gen.py, chosen so that together
they use every layer of its LAYER_SET, plus the issue-12 example) it builds the model with
tf.keras, sets small seeded random weights and writes into tests/fixtures/keras2_graphs/:

    <graph>.h5         legacy full-model HDF5 (`model.save("m.h5")`)
    <graph>.keras      Keras 2's `.keras` archive, for the graphs in ARCHIVES
    <graph>.npz        the inputs (x_0, ...), Keras' predictions (y_0, ...) and the names of
                       `model.layers` in Keras 2's order

and VERSIONS.json with the versions used.
"""

from __future__ import annotations

import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras as K  # noqa: E402  (TensorFlow 2.15's Keras 2)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "keras_diff"))
from graph_gen import (LAYER_SET, build_model, issue_example, issue_example_inputs, random_weights,  # noqa: E402
                       sample_inputs)

OUT = os.path.join(ROOT, "tests", "fixtures", "keras2_graphs")
# 6, 26, 30, 45, 66, 74 and 169 together use the whole layer set; 1, 8 and 11 add variety.
SEEDS = (1, 6, 8, 11, 26, 30, 45, 66, 74, 169)
ARCHIVES = {"issue_example", "graph_26", "graph_45"}


def layer_classes(model) -> set:
    out = set()
    for layer in model.layers:
        name = type(layer).__name__
        out.add("Functional" if name == "Functional" else name)
        for inner in ("layer", "forward_layer"):
            if hasattr(layer, inner):
                out.add(type(getattr(layer, inner)).__name__)
        if hasattr(layer, "layers"):
            out |= layer_classes(layer)
    return out


def write(name: str, model, xs: list, seed: int) -> set:
    model.set_weights(random_weights(model.weights, seed))
    ys = model(xs if len(xs) > 1 else xs[0], training=False)
    ys = [np.asarray(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    base = os.path.join(OUT, name)
    model.save(base + ".h5")
    if name in ARCHIVES:
        model.save(base + ".keras")
    np.savez(base + ".npz", names=np.array([l.name for l in model.layers]),
             **{f"x_{i}": x for i, x in enumerate(xs)}, **{f"y_{i}": y for i, y in enumerate(ys)})
    return layer_classes(model)


def main() -> None:
    assert K.__version__.startswith("2."), f"needs Keras 2 (tf.keras 2.x), found {K.__version__}"
    os.makedirs(OUT, exist_ok=True)
    covered = write("issue_example", issue_example(K), issue_example_inputs(), 12)
    for seed in SEEDS:
        covered |= write(f"graph_{seed}", build_model(K, seed), sample_inputs(seed), seed)
    missing = sorted(set(LAYER_SET) - covered)
    assert not missing, f"the graphs do not use {missing}: choose other SEEDS"
    versions = {"tensorflow": tf.__version__, "keras": K.__version__, "h5py": h5py.__version__,
                "numpy": np.__version__, "python": platform.python_version()}
    with open(os.path.join(OUT, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
