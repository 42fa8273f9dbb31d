"""A served model version in process: its TF Serving signature, and the checks that turn
request data into arrays (dtype, shape, ranges) with messages naming the input."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from lamina.serving.servable import RequestError, Servable, find_model_file


@pytest.fixture(scope="module")
def servable(tmp_path_factory):
    ids = lm.Input(shape=(5,), dtype="int32", name="ids")
    model = lm.Model(ids, layers.Dense(2, name="out")(layers.GlobalAveragePooling1D()(layers.Embedding(10, 3)(ids))))
    path = tmp_path_factory.mktemp("v") / "model.keras"
    model.save(str(path))
    return Servable(3, str(path)), model


def test_signature_names_dtypes_and_shapes(servable):
    s, _ = servable
    meta = s.metadata("m")["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert meta["inputs"]["ids"]["dtype"] == "DT_INT32"
    assert [d["size"] for d in meta["inputs"]["ids"]["tensor_shape"]["dim"]] == ["-1", "5"]
    assert list(meta["outputs"]) == ["out"] and meta["outputs"]["out"]["dtype"] == "DT_FLOAT"


def test_integer_input_checks(servable):
    s, model = servable
    spec = s.inputs[0]
    good = s.to_array(spec, [[1, 2, 3, 4, 5]])
    assert good.dtype == np.int32
    np.testing.assert_allclose(s.predict([good])[0], model.predict(good, verbose=0), atol=1e-6)
    for value, message in [([[1.5, 2, 3, 4, 5]], "integers"), ([[1, 2, 3]], r"\[-1, 5\]"),
                           ([[2 ** 40, 0, 0, 0, 0]], "outside int32"), ([["a"] * 5], "string"),
                           ([[1, 2, 3, 4, 5], [1]], "ragged"), ([], "no rows|shape")]:
        with pytest.raises(RequestError, match=message):
            s.to_array(spec, value)


def test_float_inputs_accept_nan_and_infinity(tmp_path):
    model = lm.Sequential([lm.Input(shape=(2,)), layers.Dense(1)])
    model.save(str(tmp_path / "model.keras"))
    s = Servable(1, find_model_file(str(tmp_path)))
    x = s.to_array(s.inputs[0], [[float("nan"), 1], [float("inf"), 2], [1, 2]])
    out = s.predict([x])[0]
    assert np.isnan(out[0, 0]) and np.isfinite(out[2, 0])


def test_a_version_directory_needs_exactly_one_model_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="none"):
        find_model_file(str(tmp_path))
    (tmp_path / "a.h5").write_bytes(b"")
    (tmp_path / "b.keras").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="a.h5"):
        find_model_file(str(tmp_path))
