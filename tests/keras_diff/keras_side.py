"""Real Keras' half of the random-graph differential test, run in a child process.

    python keras_side.py make  DIR COUNT   # build graph_gen.graph_ids(COUNT) in Keras, save them
    python keras_side.py check DIR COUNT   # load lamina's saves of them back in Keras

`make` writes, per graph, DIR/<graph>/m.keras, m.h5, m.weights.h5 and keras.npz (Keras'
predictions y_0, y_1, ... and its model.layers names); `check` writes DIR/<graph>/check.npz
with Keras' layer names and predictions from lamina.keras and lamina.h5. A graph that fails writes error.txt
(make) or check_error.txt (check) instead, so one bad graph does not hide the others.

The test runs this with KERAS_BACKEND=numpy: the same Keras code and file formats, without
JAX compiling every op for every new shape (building and calling 15 of these one-off graphs
took 63 s with JAX against 9 s with numpy, measured once).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph_gen import build_graph, graph_ids, graph_inputs, graph_weights  # noqa: E402


def predictions(model, xs) -> list:
    y = model(xs if len(xs) > 1 else xs[0], training=False)
    return [np.asarray(v) for v in (y if isinstance(y, (list, tuple)) else [y])]


def make(keras, d: str, graph: str) -> None:
    model = build_graph(keras, graph)
    model.set_weights(graph_weights(model, graph))
    ys = predictions(model, graph_inputs(graph))
    model.save(os.path.join(d, "m.keras"))
    model.save(os.path.join(d, "m.h5"))
    model.save_weights(os.path.join(d, "m.weights.h5"))
    np.savez(os.path.join(d, "keras.npz"), names=np.array([l.name for l in model.layers]),
             **{f"y_{i}": y for i, y in enumerate(ys)})


def check(keras, d: str, graph: str) -> None:
    xs = graph_inputs(graph)
    out = {}
    for kind in ("keras", "h5"):
        path = os.path.join(d, f"lamina.{kind}")
        model = keras.models.load_model(path, compile=False)
        out[f"names_{kind}"] = np.array([l.name for l in model.layers])
        for i, y in enumerate(predictions(model, xs)):
            out[f"{kind}_{i}"] = y
    np.savez(os.path.join(d, "check.npz"), **out)


def main(argv) -> None:
    command, root, count = argv[0], argv[1], int(argv[2])
    warnings.filterwarnings("ignore")
    logging.getLogger("absl").setLevel(logging.ERROR)
    import keras

    step = {"make": make, "check": check}[command]
    for graph in graph_ids(count):
        d = os.path.join(root, graph)
        os.makedirs(d, exist_ok=True)
        try:
            step(keras, d, graph)
        except Exception:
            with open(os.path.join(d, f"{'' if command == 'make' else 'check_'}error.txt"), "w") as f:
                f.write(traceback.format_exc())


if __name__ == "__main__":
    main(sys.argv[1:])
