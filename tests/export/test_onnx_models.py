"""Whole models through ONNX Runtime: the Keras-file test architectures (functional graphs with
several inputs and outputs, nested and shared models, masks, initial states), masked
recurrent layers, and the layers and calls that must be refused."""

from __future__ import annotations

import os

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from lamina.export import ExportError
from onnx_check import assert_onnx_matches, export_and_load, require

import importlib.util

_spec = importlib.util.spec_from_file_location(
    "keras_architectures", os.path.join(os.path.dirname(__file__), "..", "saving", "keras_architectures.py"))
architectures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(architectures)


def _row_subsets(xs):
    """Batches of 1 row, of all rows, and of the rows repeated (3 sizes)."""
    n = xs[0].shape[0]
    return [[x[:1] for x in xs], xs, [np.concatenate([x, x[::-1]]) for x in xs]] if n > 1 else [xs]


@pytest.mark.parametrize("build", architectures.ARCHITECTURES, ids=[a.__name__ for a in architectures.ARCHITECTURES])
def test_architecture_exports_exactly(build, tmp_path):
    lm.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    model, xs, _, _ = build(lm, rng)
    architectures.set_small_weights(model, rng)
    assert_onnx_matches(model, _row_subsets(xs), tmp_path / f"{build.__name__}.onnx")


def _padded_ids(rng, batch, steps, vocab=30):
    x = rng.integers(1, vocab, (batch, steps))
    lengths = rng.integers(1, steps + 1, batch)
    x[np.arange(steps)[None, :] >= lengths[:, None]] = 0
    return x.astype("int32")


MASKED = {
    "lstm": lambda: layers.LSTM(5),
    "gru_sequences": lambda: layers.GRU(4, return_sequences=True),
    "simple_rnn_zero_output": lambda: layers.SimpleRNN(4, return_sequences=True, zero_output_for_mask=True),
    "lstm_backwards": lambda: layers.LSTM(4, go_backwards=True),
    "bidirectional": lambda: layers.Bidirectional(layers.GRU(3)),
    "bidirectional_sequences": lambda: layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
    "gru_backwards_sequences": lambda: layers.GRU(3, return_sequences=True, go_backwards=True),
    "lstm_state": lambda: layers.LSTM(3, return_state=True),
}


@pytest.mark.parametrize("name", sorted(MASKED))
def test_right_padded_mask_becomes_sequence_lens(name, tmp_path):
    lm.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    inp = lm.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(30, 4, mask_zero=True)(inp)
    h = layers.Dense(4, activation="tanh")(h)  # a mask-propagating layer between them
    out = MASKED[name]()(h)
    model = lm.Model(inp, out)
    batches = [_padded_ids(rng, b, t) for t in (3, 8) for b in (1, 4, 9)]
    assert sum((x == 0).sum() for x in batches) > 20, "the batches must hold padding"
    assert_onnx_matches(model, batches, tmp_path / "masked.onnx")


def test_masked_global_average_pooling(tmp_path):
    inp = lm.Input(shape=(6,), dtype="int32")
    model = lm.Model(inp, layers.GlobalAveragePooling1D()(layers.Embedding(30, 4, mask_zero=True)(inp)))
    rng = np.random.default_rng(2)
    ids = rng.integers(1, 30, (7, 6)).astype("int32")
    ids[rng.uniform(size=ids.shape) < 0.4] = 0  # any mask, gaps included
    ids[:, 0] = 1
    assert (ids == 0).any()
    assert_onnx_matches(model, [ids, ids[:2]], tmp_path / "gap.onnx")


def test_mask_flows_through_recurrent_sequences(tmp_path):
    inp = lm.Input(shape=(None,), dtype="int32")
    h = layers.LSTM(3, return_sequences=True)(layers.Embedding(30, 4, mask_zero=True)(inp))
    model = lm.Model(inp, layers.GlobalAveragePooling1D()(layers.Dropout(0.2)(h)))
    rng = np.random.default_rng(3)
    batches = [_padded_ids(rng, b, t) for t in (4, 9) for b in (2, 6)]
    assert all((x == 0).any() for x in batches[1:])
    assert_onnx_matches(model, batches, tmp_path / "chain.onnx")


def test_mask_that_is_not_right_padding_answers_nan(tmp_path):
    inp = lm.Input(shape=(5,), dtype="int32")
    model = lm.Model(inp, layers.LSTM(3)(layers.Embedding(10, 2, mask_zero=True)(inp)))
    session = export_and_load(model, tmp_path / "m.onnx")
    ids = np.array([[1, 2, 3, 0, 0], [1, 0, 2, 0, 0], [0, 0, 0, 0, 0]], dtype="int32")
    got = session.run(None, {session.get_inputs()[0].name: ids})[0]
    np.testing.assert_allclose(got[0], model.predict(ids[:1], verbose=0)[0], atol=1e-5)
    assert np.isnan(got[1]).all() and np.isnan(got[2]).all(), "a gap in the mask must not give numbers"


def test_dynamic_batch_and_sequence_axes(tmp_path):
    inp = lm.Input(shape=(None, 3))
    model = lm.Model(inp, layers.GRU(2)(inp))
    session = export_and_load(model, tmp_path / "m.onnx")
    shape = session.get_inputs()[0].shape
    assert shape[0] == "batch" and isinstance(shape[1], str) and shape[2] == 3


def test_to_onnx_fixed_batch():
    require("onnx")
    model = lm.Sequential([lm.Input(shape=(3,)), layers.Dense(2)])
    proto = lm.export.to_onnx(model, dynamic_batch=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 1
    assert proto.opset_import[0].version == 18


def _functional(shape, build):
    inp = lm.Input(shape=shape)
    return lm.Model(inp, build(inp))


REFUSED = [
    ("lambda", lambda: _functional((3,), lambda t: layers.Lambda(lambda v: v * 2, name="doubler")(t)), "doubler"),
    ("masking_lstm", lambda: _functional((3, 2), lambda t: layers.LSTM(2)(layers.Masking(name="pad_mask")(t))),
     "pad_mask"),
    ("bilinear", lambda: _functional((3, 2, 1), lambda t: layers.UpSampling2D(2, interpolation="bilinear",
                                                                                name="up2")(t)), "up2"),
    ("custom_activation", lambda: _functional((3,), lambda t: layers.Dense(2, activation=lambda v: v,
                                                                            name="odd")(t)), "odd"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_unexportable_layer_is_named_and_no_file_written(case, tmp_path):
    require("onnx")
    _, build, expected = case
    model = build()
    path = tmp_path / "never.onnx"
    with pytest.raises(ExportError, match=expected):
        model.export(str(path), format="onnx")
    assert not os.listdir(tmp_path), "a failed export must not leave a file"


def test_subclassed_model_refused():
    require("onnx")

    class Custom(lm.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x) * 2

    model = Custom()
    model(np.zeros((1, 3), "float32"))
    with pytest.raises(ExportError, match="subclassed"):
        lm.export.to_onnx(model)


def test_export_format_must_be_onnx(tmp_path):
    model = lm.Sequential([lm.Input(shape=(3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(str(tmp_path / "m"))


def test_python_operators_on_symbolic_tensors(tmp_path):
    a, b = lm.Input(shape=(4, 3), name="a"), lm.Input(shape=(4, 3), name="b")
    h = (a + 1.5) * b - a / 2.0
    h = -abs(h) ** 2.0
    out = h[:, 1:, ::-1] + h[:, -1:, 0:1]
    model = lm.Model([a, b], [out, h[:, 0], h @ layers.Permute((2, 1))(b)])
    rng = np.random.default_rng(5)
    batches = [[rng.normal(size=(n, 4, 3)).astype("float32") for _ in range(2)] for n in (1, 4)]
    assert_onnx_matches(model, batches, tmp_path / "ops.onnx")


def test_shared_weights_are_stored_once():
    require("onnx")
    shared = layers.Dense(64, name="shared")
    a, b = lm.Input(shape=(32,), name="a"), lm.Input(shape=(32,), name="b")
    model = lm.Model([a, b], layers.Add()([shared(a), shared(b)]))
    proto = lm.export.to_onnx(model)
    kernels = [t for t in proto.graph.initializer if tuple(t.dims) == (32, 64)]
    assert len(kernels) == 1


def test_sequential_built_by_its_first_call(tmp_path):
    model = lm.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = np.random.default_rng(6).normal(size=(3, 5)).astype("float32")
    model(x)
    assert_onnx_matches(model, [x, x[:1]], tmp_path / "lazy.onnx")


@pytest.mark.parametrize("shapes,axes,normalize", [(((5,), (5,)), 1, False), (((5,), (5,)), -1, True),
                                                   (((3, 4), (2, 4)), (2, 2), False), (((3, 4), (3, 2)), (1, 1), True),
                                                   (((3, 4), (4, 2)), (2, 1), False)])
def test_merging_layers_with_two_inputs(shapes, axes, normalize, tmp_path):
    a, b = lm.Input(shape=shapes[0], name="a"), lm.Input(shape=shapes[1], name="b")
    outs = [layers.Dot(axes=axes, normalize=normalize)([a, b])]
    if shapes[0] == shapes[1]:
        outs += [layers.Subtract()([a, b]), layers.Average()([a, b, a]), layers.Maximum()([a, b]),
                 layers.Minimum()([a, b]), layers.Multiply()([a, b]), layers.Concatenate(axis=1)([a, b])]
    model = lm.Model([a, b], outs)
    rng = np.random.default_rng(7)
    batches = [[rng.normal(size=(n, *s)).astype("float32") for s in shapes] for n in (1, 4)]
    assert_onnx_matches(model, batches, tmp_path / "merge.onnx")


def test_initial_states_from_inputs(tmp_path):
    seq, h0 = lm.Input(shape=(None, 3), name="seq"), lm.Input(shape=(4,), name="h0")
    hf, hb = lm.Input(shape=(2,), name="hf"), lm.Input(shape=(2,), name="hb")
    gru = layers.GRU(4, return_sequences=True)(seq, initial_state=[h0])
    rnn = layers.SimpleRNN(4, go_backwards=True)(seq, initial_state=h0)
    bi = layers.Bidirectional(layers.GRU(2))(seq, initial_state=[hf, hb])
    model = lm.Model([seq, h0, hf, hb], [gru, rnn, bi])
    rng = np.random.default_rng(8)
    batches = [[rng.normal(size=s).astype("float32") for s in ((n, t, 3), (n, 4), (n, 2), (n, 2))]
               for n, t in ((1, 2), (3, 6))]
    assert_onnx_matches(model, batches, tmp_path / "states.onnx")


@pytest.mark.parametrize("opset", [18, 21])
def test_newer_opsets(opset):
    require("onnx")
    ort = require("onnxruntime")
    inp = lm.Input(shape=(None, 3))
    h = layers.LayerNormalization()(layers.LSTM(4, return_sequences=True)(inp))
    model = lm.Model(inp, layers.GlobalAveragePooling1D()(layers.Conv1D(2, 3, padding="same")(h)))
    proto = lm.export.to_onnx(model, opset=opset)
    assert proto.opset_import[0].version == opset
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(9).normal(size=(3, 7, 3)).astype("float32")
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0], model.predict(x, verbose=0),
                               atol=1e-5, rtol=1e-5)


def test_old_opset_refused():
    require("onnx")
    with pytest.raises(ExportError, match="opset 13"):
        lm.export.to_onnx(lm.Sequential([lm.Input(shape=(2,)), layers.Dense(1)]), opset=13)


_fixtures_spec = importlib.util.spec_from_file_location(
    "keras_fixtures", os.path.join(os.path.dirname(__file__), "..", "saving", "keras_fixtures.py"))
keras_fixtures = importlib.util.module_from_spec(_fixtures_spec)
_fixtures_spec.loader.exec_module(keras_fixtures)
KERAS_FILES = keras_fixtures.files("*.k3.keras") + keras_fixtures.files("*.k2.h5")


@pytest.mark.parametrize("name", KERAS_FILES)
def test_keras_made_file_exports_with_keras_predictions(name, tmp_path):
    """A model trained and saved by real Keras (tests/fixtures/keras), loaded by lamina and
    exported: ONNX Runtime gives the predictions Keras itself saved beside the file."""
    require("onnx")
    model = lm.models.load_model(keras_fixtures.path(name), compile=False)
    session = export_and_load(model, tmp_path / "m.onnx")
    xs, ys = keras_fixtures.batch(name)
    got = session.run(None, dict(zip([i.name for i in session.get_inputs()], xs)))
    assert len(got) == len(ys)
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, atol=keras_fixtures.TOLERANCE, rtol=1e-5)


def test_embedding_ids_out_of_range_fail_as_in_lamina(tmp_path):
    inp = lm.Input(shape=(3,), dtype="int32")
    model = lm.Model(inp, layers.Embedding(5, 2)(inp))
    session = export_and_load(model, tmp_path / "e.onnx")
    name = session.get_inputs()[0].name
    for bad in ([[0, -1, 1]], [[0, 5, 1]]):  # Gather alone would wrap -1 to the last row
        with pytest.raises(IndexError):
            model.predict(np.array(bad, "int32"), verbose=0)
        with pytest.raises(Exception, match="out of data bounds"):
            session.run(None, {name: np.array(bad, "int32")})
