"""The shared ONNX check: export a model, validate the file with onnx.checker (full_check),
run it in ONNX Runtime, and compare with `model.predict` over several batch sizes."""

from __future__ import annotations

import os

import numpy as np
import pytest


def require(module: str):
    """Imports an optional test dependency: skipped when missing, but a failure under CI=true."""
    if os.environ.get("CI") == "true":
        return __import__(module)
    return pytest.importorskip(module)


def export_and_load(model, path):
    onnx = require("onnx")
    ort = require("onnxruntime")
    model.export(str(path), format="onnx")
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def assert_onnx_matches(model, batches, path, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """Each batch (an array, or a list with one array per input) gives the same outputs in ONNX
    Runtime as `model.predict`."""
    session = export_and_load(model, path)
    names = [i.name for i in session.get_inputs()]
    for batch in batches:
        arrays = batch if isinstance(batch, list) else [batch]
        got = session.run(None, dict(zip(names, arrays)))
        want = model.predict(arrays if len(arrays) > 1 else arrays[0], verbose=0)
        want = want if isinstance(want, (list, tuple)) else [want]
        assert len(got) == len(want), f"{len(got)} ONNX outputs, {len(want)} from the model"
        for g, w in zip(got, want):
            w = np.asarray(w)
            assert g.shape == w.shape, f"ONNX output shape {g.shape} != model's {w.shape}"
            np.testing.assert_allclose(g, w, atol=atol, rtol=rtol)
