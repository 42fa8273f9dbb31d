"""Canned Estimators out of Python: to ONNX (numeric columns; other columns are refused by
name) and through export_saved_model into a version directory that `lamina serve` loads."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import lamina as lm
from lamina import feature_column as fc
from lamina.estimators import export as est_export
from lamina.estimators.inputs import numpy_input_fn
from lamina.export import ExportError
from onnx_check import require

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "serving"))

RNG = np.random.default_rng(0)
X = {"x": RNG.normal(size=(40, 3)).astype("float32"), "z": RNG.normal(size=(40, 1)).astype("float32")}
COLUMNS = [fc.numeric_column("x", shape=(3,)), fc.numeric_column("z")]


def _trained(kind, tmp_path):
    y_class = (X["x"][:, 0] + X["z"][:, 0] > 0).astype("int64") + (X["x"][:, 1] > 1).astype("int64")
    if kind == "dnn3":
        est = lm.estimators.DNNClassifier(hidden_units=[5, 4], n_classes=3, feature_columns=COLUMNS,
                                          model_dir=str(tmp_path / "m"), batch_norm=True)
        y = y_class
    elif kind == "combined2":
        est = lm.estimators.DNNLinearCombinedClassifier(linear_feature_columns=COLUMNS[:1], dnn_feature_columns=COLUMNS,
                                                        dnn_hidden_units=[4], model_dir=str(tmp_path / "m"))
        y = (y_class > 0).astype("int64")
    else:
        est = lm.estimators.LinearRegressor(feature_columns=COLUMNS, model_dir=str(tmp_path / "m"))
        y = X["x"].sum(axis=1) + 0.5
    est.train(numpy_input_fn(X, y, batch_size=8, shuffle=True, num_epochs=None, seed=0), steps=20)
    return est


def _estimator_outputs(est, keys):
    preds = list(est.predict(numpy_input_fn(X, shuffle=False)))
    return {k: np.stack([p[k] for p in preds]) for k in keys}


@pytest.mark.parametrize("kind,keys", [("dnn3", ["logits", "probabilities"]),
                                       ("combined2", ["logits", "logistic", "probabilities"]),
                                       ("linear_regressor", ["predictions"])])
def test_estimator_exports_to_onnx(kind, keys, tmp_path):
    onnx = require("onnx")
    ort = require("onnxruntime")
    est = _trained(kind, tmp_path)
    proto = lm.export.to_onnx(est)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x", "z"]
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, X)))
    want = _estimator_outputs(est, keys)
    assert sorted(got) == sorted(keys)
    for k in keys:
        np.testing.assert_allclose(got[k], want[k], atol=1e-5, rtol=1e-5)


def test_categorical_column_is_refused_by_name(tmp_path):
    require("onnx")
    city = fc.categorical_column_with_vocabulary_list("city", ["a", "b"])
    est = lm.estimators.LinearClassifier(feature_columns=[city, COLUMNS[1]], model_dir=str(tmp_path / "m"))
    feats = {"city": np.array(["a", "b"] * 20), "z": X["z"]}
    est.train(numpy_input_fn(feats, (X["z"][:, 0] > 0).astype("int64"), batch_size=8, shuffle=False), steps=2)
    with pytest.raises(ExportError, match="'city'"):
        lm.export.to_onnx(est)


def test_export_saved_model_is_served(tmp_path):
    from server_process import ServerProcess, require_serve_extra

    require_serve_extra()

    est = _trained("dnn3", tmp_path)
    base = tmp_path / "export"
    receiver = est_export.build_raw_serving_input_receiver_fn({"x": (3,), "z": (1,)})
    path = est.export_saved_model(str(base), receiver)
    assert os.path.basename(path).isdigit() and os.path.isfile(os.path.join(path, "model.keras"))
    server = ServerProcess(str(base), "est")
    try:
        server.wait_ready()
        status, body = server.client.predict({"inputs": {"x": X["x"][:5].tolist(), "z": X["z"][:5].tolist()}})
        assert status == 200, body
        want = _estimator_outputs(est, ["probabilities"])["probabilities"][:5]
        np.testing.assert_allclose(np.array(body["outputs"]["probabilities"]), want, atol=1e-5)
        assert server.client.status()[1]["model_version_status"][0]["version"] == os.path.basename(path)
    finally:
        server.stop()
