"""Random-graph models written by Keras 2 (tf.keras 2.15) load in lamina with Keras' layer order
and predictions. The files were made by tools/make_keras2_graph_fixtures.py (versions in
tests/fixtures/keras2_graphs/VERSIONS.json), from graph_gen.py's graphs and the issue-12 example.
"""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

import lamina as lm

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "keras2_graphs")
FILES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(FIXTURES, "*.h5")) + glob.glob(os.path.join(FIXTURES, "*.keras")))


def test_fixtures_cover_the_graphs():
    assert len([f for f in FILES if f.endswith(".h5")]) >= 10, FILES
    assert any(f.endswith(".keras") for f in FILES)


@pytest.mark.parametrize("name", FILES)
def test_keras2_file_loads_with_keras_predictions(name):
    expected = np.load(os.path.join(FIXTURES, name.rsplit(".", 1)[0] + ".npz"))
    xs = [expected[f"x_{i}"] for i in range(sum(k.startswith("x_") for k in expected.files))]
    ys = [expected[f"y_{i}"] for i in range(sum(k.startswith("y_") for k in expected.files))]
    model = lm.models.load_model(os.path.join(FIXTURES, name), compile=False)
    assert [l.name for l in model.layers] == list(expected["names"])
    out = model(xs if len(xs) > 1 else xs[0])
    out = out if isinstance(out, (list, tuple)) else [out]
    assert len(out) == len(ys)
    for i, (a, b) in enumerate(zip(out, ys)):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
