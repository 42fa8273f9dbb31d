"""Random functional models built in real Keras 3 load in lamina, and lamina's saves load in Keras.

For the issue-12 example and each random graph of graph_gen.py (fixed seeds 0..N-1;
N = $LAMINA_KERAS_GRAPHS, default 100):
Keras (in a child process, keras_side.py) builds it with small random weights and saves
`.keras`, `.h5` and `.weights.h5`. lamina then
- loads the `.keras` and `.h5` files: `model.layers` names in Keras' order, Keras' predictions;
- builds the same graph itself (same code and seed): the same layer names and order, and
  with `load_weights` from the `.weights.h5` and from the full `.h5`, Keras' predictions;
- saves the loaded model as `.keras` and the built one as `.h5`, which Keras loads back (in
  a second child process) with the same layer names and predictions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import lamina as lm
from graph_gen import LAYER_SET, build_graph, graph_ids, graph_inputs
from keras_check import require_keras

HERE = os.path.dirname(os.path.abspath(__file__))
COUNT = int(os.environ.get("LAMINA_KERAS_GRAPHS", "100"))
TOL = 1e-5
CHILD_TIMEOUT_S = 60 + 3 * COUNT


def _run_keras(command: str, root: str) -> None:
    env = dict(os.environ, KERAS_BACKEND="numpy", TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "keras_side.py"), command, root, str(COUNT)],
                          env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    assert proc.returncode == 0, f"keras_side.py {command} failed:\n{proc.stderr[-3000:]}"


def _predict(model, xs) -> list:
    y = model(xs if len(xs) > 1 else xs[0])
    return [np.asarray(v) for v in (y if isinstance(y, (list, tuple)) else [y])]


def _lamina_saves(d: str, graph: str) -> None:
    """lamina.keras from lamina's load of Keras' .keras; lamina.h5 from lamina's own build."""
    loaded = lm.models.load_model(os.path.join(d, "m.keras"), compile=False)
    loaded.save(os.path.join(d, "lamina.keras"))
    built = build_graph(lm, graph)
    built.load_weights(os.path.join(d, "m.weights.h5"))
    built.save(os.path.join(d, "lamina.h5"))


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    require_keras()
    root = str(tmp_path_factory.mktemp("keras_graphs"))
    _run_keras("make", root)
    save_errors = {}
    for graph in graph_ids(COUNT):
        d = os.path.join(root, graph)
        if os.path.exists(os.path.join(d, "keras.npz")):
            try:
                _lamina_saves(d, graph)
            except Exception as e:  # reported by that graph's test
                save_errors[graph] = f"{type(e).__name__}: {e}"
    _run_keras("check", root)
    return root, save_errors


def _assert_same(ours: list, theirs: list, what: str) -> None:
    assert len(ours) == len(theirs), f"{what}: {len(ours)} outputs, Keras has {len(theirs)}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape, f"{what}: output {i} has shape {a.shape}, Keras' {b.shape}"
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f"{what}: output {i}")


@pytest.mark.parametrize("graph", graph_ids(COUNT))
def test_random_graph(graphs, graph):
    root, save_errors = graphs
    d = os.path.join(root, graph)
    error = os.path.join(d, "error.txt")
    assert not os.path.exists(error), f"Keras could not build/save graph {graph}:\n{open(error).read()}"
    expected = np.load(os.path.join(d, "keras.npz"))
    names = list(expected["names"])
    ys = [expected[f"y_{i}"] for i in range(len(expected.files) - 1)]
    xs = graph_inputs(graph)

    for kind in ("keras", "h5"):
        model = lm.models.load_model(os.path.join(d, f"m.{kind}"), compile=False)
        assert [l.name for l in model.layers] == names, f"layer order of lamina's load of Keras' .{kind}"
        _assert_same(_predict(model, xs), ys, f"Keras' .{kind} loaded in lamina")

    built = build_graph(lm, graph)
    assert [l.name for l in built.layers] == names, "layer order of the graph built in lamina"
    for weights in ("m.weights.h5", "m.h5"):
        built.load_weights(os.path.join(d, weights))
        _assert_same(_predict(built, xs), ys, f"lamina's build with load_weights({weights!r})")

    assert graph not in save_errors, f"lamina could not save graph {graph}: {save_errors[graph]}"
    check_error = os.path.join(d, "check_error.txt")
    assert not os.path.exists(check_error), f"Keras could not load lamina's saves:\n{open(check_error).read()}"
    check = np.load(os.path.join(d, "check.npz"))
    for kind in ("keras", "h5"):
        assert list(check[f"names_{kind}"]) == names, f"layer order of Keras' load of lamina's .{kind}"
        _assert_same([check[f"{kind}_{i}"] for i in range(len(ys))], ys, f"lamina's .{kind} loaded in Keras")


def _class_names(config) -> set:
    if isinstance(config, dict):
        found = {config["class_name"]} if isinstance(config.get("class_name"), str) else set()
        return found.union(*(_class_names(v) for v in config.values()))
    if isinstance(config, list):
        return set().union(*(_class_names(v) for v in config))
    return set()


def test_graphs_cover_the_layer_set(graphs):
    if COUNT < 100:
        pytest.skip(f"coverage is checked over 100+ graphs (LAMINA_KERAS_GRAPHS={COUNT})")
    root, _ = graphs
    found = set()
    for graph in graph_ids(COUNT):
        with zipfile.ZipFile(os.path.join(root, graph, "m.keras")) as z:
            found |= _class_names(json.loads(z.read("config.json")))
    assert set(LAYER_SET) - found == set()
    assert "NotEqual" in found, "no graph has Keras 3's mask op (Embedding(mask_zero=True))"
