"""Recurrent layers (SimpleRNN, LSTM, GRU, their cells, RNN, Bidirectional, TimeDistributed)
through the shared layer test, and their values against the numpy transcription of Keras'
formulas in tests/ops/test_recurrent.py."""

import importlib.util
import os

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from layer_check import run_layer_test

_spec = importlib.util.spec_from_file_location(
    "recurrent_reference", os.path.join(os.path.dirname(__file__), "..", "ops", "test_recurrent.py"))
_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ref)
rnn_reference = _ref.rnn_reference

LAYERS = [
    (layers.SimpleRNN, "simple_rnn", {}),
    (layers.LSTM, "lstm", {}),
    (layers.GRU, "gru", {}),
    (layers.GRU, "gru", {"reset_after": False}),
]
IDS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]


def reference_of(layer, kind, x, states=None, mask=None, **kw):
    cell = layer.cell
    w = [np.asarray(v, dtype=np.float64) for v in cell.get_weights()]
    kernel, rk = w[0], w[1]
    bias = w[2] if len(w) > 2 else None
    n_states = 2 if kind == "lstm" else 1
    if states is None:
        states = [np.zeros((x.shape[0], cell.units))] * n_states
    extra = {}
    if kind != "simple_rnn":
        extra["recurrent_activation"] = lm.activations.serialize(cell.recurrent_activation)
    if kind == "gru":
        extra["reset_after"] = cell.reset_after
    return rnn_reference(kind, x.astype(np.float64), [np.asarray(s, np.float64) for s in states], kernel, rk, bias,
                         mask=mask, activation=lm.activations.serialize(cell.activation),
                         return_sequences=layer.return_sequences, go_backwards=layer.go_backwards,
                         zero_output_for_mask=layer.zero_output_for_mask, **extra, **kw)


# ------------------------------------------------------------------------------------------------
# the shared layer test


@pytest.mark.parametrize("cls,kind,extra", LAYERS, ids=IDS)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_layer_check(cls, kind, extra, return_sequences):
    units = 3
    out_shape = (2, 4, units) if return_sequences else (2, units)
    run_layer_test(cls, {"units": units, "return_sequences": return_sequences, **extra}, (2, 4, 5),
                   expected_output_shape=out_shape, expected_num_trainable_weights=3,
                   expected_num_non_trainable_weights=0, atol=1e-5)


@pytest.mark.parametrize("cls,kind,extra", LAYERS, ids=IDS)
def test_layer_check_variants(cls, kind, extra):
    run_layer_test(cls, {"units": 2, "use_bias": False, "go_backwards": True, "activation": "relu", **extra}, (3, 5, 4),
                   expected_output_shape=(3, 2), expected_num_trainable_weights=2, atol=1e-5)


def test_bidirectional_layer_check():
    for mode, width in (("concat", 6), ("sum", 3), ("mul", 3), ("ave", 3)):
        run_layer_test(layers.Bidirectional, {"layer": layers.LSTM(3, return_sequences=True), "merge_mode": mode},
                       (2, 4, 5), expected_output_shape=(2, 4, width), expected_num_trainable_weights=6, atol=1e-5)
    run_layer_test(layers.Bidirectional, {"layer": layers.GRU(2)}, (2, 4, 5), expected_output_shape=(2, 4),
                   expected_num_trainable_weights=6, atol=1e-5)


def test_time_distributed_layer_check():
    run_layer_test(layers.TimeDistributed, {"layer": layers.Dense(3)}, (2, 4, 5), expected_output_shape=(2, 4, 3),
                   expected_num_trainable_weights=2)


# ------------------------------------------------------------------------------------------------
# values against the reference


@pytest.mark.parametrize("cls,kind,extra", LAYERS, ids=IDS)
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_values_match_keras_formulas(cls, kind, extra, go_backwards, return_sequences, rng):
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    layer = cls(4, go_backwards=go_backwards, return_sequences=return_sequences, **extra)
    y = layer(x)
    want = reference_of(layer, kind, x)
    np.testing.assert_allclose(np.asarray(y), want[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls,kind,extra", LAYERS, ids=IDS)
def test_return_state_and_initial_state(cls, kind, extra, rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    layer = cls(3, return_state=True, return_sequences=True, **extra)
    n_states = 2 if kind == "lstm" else 1
    init = [rng.standard_normal((2, 3)).astype("float32") for _ in range(n_states)]
    out = layer(x, initial_state=init)
    assert isinstance(out, (list, tuple)) and len(out) == 1 + n_states
    want = reference_of(layer, kind, x, states=init)
    for got, w in zip(out, want):
        np.testing.assert_allclose(np.asarray(got), w, rtol=1e-4, atol=1e-5)
    # The final output equals the final h state.
    np.testing.assert_allclose(np.asarray(out[0])[:, -1], np.asarray(out[1]), rtol=1e-6)
    # A single state may be passed bare for one-state layers.
    if n_states == 1:
        np.testing.assert_allclose(np.asarray(layer(x, initial_state=init[0])[0]), np.asarray(out[0]), rtol=1e-6)
    with pytest.raises(ValueError, match=r"expects %d initial state" % n_states):
        layer(x, initial_state=init * 3)


@pytest.mark.parametrize("cls,kind,extra", LAYERS, ids=IDS)
def test_masking(cls, kind, extra, rng):
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], dtype=bool)
    for kw in ({"return_sequences": True}, {"return_sequences": False}, {"go_backwards": True, "return_sequences": True}):
        layer = cls(3, **kw, **extra)
        y = layer(x, mask=mask)
        want = reference_of(layer, kind, x, mask=mask)
        np.testing.assert_allclose(np.asarray(y), want[0], rtol=1e-4, atol=1e-5)
        # The mask travels with the outputs only when they are a sequence.
        assert (y._keras_mask is not None) == layer.return_sequences
    # A mask attached to the inputs (as Embedding(mask_zero=True) does) is used automatically.
    layer = cls(3, return_sequences=True, **extra)
    xt = lm.tensor(x)
    xt._keras_mask = lm.tensor(mask)
    y = layer(xt)
    np.testing.assert_allclose(np.asarray(y), reference_of(layer, kind, x, mask=mask)[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(y._keras_mask), mask)


def test_masking_from_embedding(rng):
    tokens = np.array([[3, 5, 2, 0, 0], [1, 0, 4, 7, 0]], dtype="int32")
    emb = layers.Embedding(10, 4, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    e = emb(tokens)
    y = lstm(e)
    want = reference_of(lstm, "lstm", np.asarray(e), mask=tokens != 0)
    np.testing.assert_allclose(np.asarray(y), want[0], rtol=1e-4, atol=1e-5)
    model = lm.Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True), layers.GRU(2)])
    assert model(tokens).shape == (2, 2)


@pytest.mark.parametrize("cls,kind,extra", LAYERS, ids=IDS)
def test_dropout_is_drawn_once_per_call_and_only_in_training(cls, kind, extra, rng):
    x = rng.standard_normal((4, 6, 3)).astype("float32")
    layer = cls(5, dropout=0.5, recurrent_dropout=0.3, seed=1, return_sequences=True, **extra)
    inference = np.asarray(layer(x))
    np.testing.assert_allclose(inference, reference_of(layer, kind, x)[0], rtol=1e-4, atol=1e-5)
    draws = []
    original = layer.cell._draw_mask

    def counting(batch, width, rate):
        m = original(batch, width, rate)
        draws.append(np.asarray(m))
        return m

    layer.cell._draw_mask = counting
    trained = np.asarray(layer(x, training=True))
    assert len(draws) == 2  # one input mask and one recurrent mask for the whole sequence
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    lead = (gates,) if gates > 1 else ()
    assert draws[0].shape == lead + (4, 3) and draws[1].shape == lead + (4, 5)  # one per gate, as Keras' implementation=1
    assert set(np.unique(draws[0])) <= {0.0, 2.0}
    assert not np.allclose(trained, inference)
    # The recorded masks reproduce the training output.
    want = reference_of(layer, kind, x, dropout_mask=draws[0], recurrent_dropout_mask=draws[1])[0]
    np.testing.assert_allclose(trained, want, rtol=1e-4, atol=1e-5)


def test_input_dropout_only_uses_one_mask(rng):
    layer = layers.LSTM(3, dropout=0.4, seed=3)
    draws = []
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer(x)
    original = layer.cell._draw_mask
    layer.cell._draw_mask = lambda *a: draws.append(original(*a)) or draws[-1]
    layer(x, training=True)
    assert len(draws) == 1 and tuple(draws[0].shape) == (2, 3)


def test_gradients_through_layer_match_finite_differences(rng):
    x = rng.standard_normal((2, 3, 2)).astype("float64")
    layer = layers.LSTM(2, return_sequences=True, dtype="float64")
    layer(x)
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        loss = lm.ops.sum(layer(xt))
    gx, gk = tape.gradient(loss, [xt, layer.cell.kernel])
    eps = 1e-6
    num = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num[idx] = (np.asarray(layer(lm.tensor(xp))).sum() - np.asarray(layer(lm.tensor(xm))).sum()) / (2 * eps)
    np.testing.assert_allclose(np.asarray(gx), num, rtol=1e-5, atol=1e-7)
    assert gk is not None and np.asarray(gk).shape == (2, 8)


# ------------------------------------------------------------------------------------------------
# cells, RNN, configs, weights


@pytest.mark.parametrize("cell_cls,kind", [(layers.SimpleRNNCell, "simple_rnn"), (layers.LSTMCell, "lstm"),
                                           (layers.GRUCell, "gru")])
def test_cells_step_once(cell_cls, kind, rng):
    cell = cell_cls(3)
    x = rng.standard_normal((2, 4)).astype("float32")
    states = [rng.standard_normal((2, 3)).astype("float32") for _ in range(2 if kind == "lstm" else 1)]
    out, new = cell(x, states)
    layer = layers.RNN(cell, return_state=True)
    layer.built = True
    want = reference_of(layer, kind, x[:, None, :], states=states)
    np.testing.assert_allclose(np.asarray(out), want[0], rtol=1e-5, atol=1e-6)
    for got, w in zip(new, want[1:]):
        np.testing.assert_allclose(np.asarray(got), w, rtol=1e-5, atol=1e-6)


def test_rnn_wrapper_runs_builtin_cells_and_refuses_others(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    layer = layers.RNN(layers.GRUCell(3), return_sequences=True)
    y = layer(x)
    np.testing.assert_allclose(np.asarray(y), reference_of(layer, "gru", x)[0], rtol=1e-4, atol=1e-5)
    clone = layers.RNN.from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(y), rtol=1e-6)
    with pytest.raises(ValueError, match="built-in cells"):
        layers.RNN(layers.Dense(3))


def test_weights_live_in_the_cell_with_keras_shapes():
    lstm = layers.LSTM(4)
    lstm(np.zeros((1, 2, 3), "float32"))
    assert [tuple(w.shape) for w in lstm.weights] == [(3, 16), (4, 16), (16,)]
    assert lstm.cell.kernel is lstm.weights[0]
    b = np.asarray(lstm.cell.bias)
    np.testing.assert_array_equal(b, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])  # unit_forget_bias
    gru = layers.GRU(2)
    gru(np.zeros((1, 2, 3), "float32"))
    assert [tuple(w.shape) for w in gru.weights] == [(3, 6), (2, 6), (2, 6)]
    gru = layers.GRU(2, reset_after=False)
    gru(np.zeros((1, 2, 3), "float32"))
    assert tuple(gru.cell.bias.shape) == (6,)
    rnn = layers.SimpleRNN(5)
    rnn(np.zeros((1, 2, 3), "float32"))
    assert [tuple(w.shape) for w in rnn.weights] == [(3, 5), (5, 5), (5,)]
    assert lstm.units == 4 and lstm.cell.units == 4 and lstm.dropout == 0.0


def test_keras_config_keys():
    cfg = layers.LSTM(4).get_config()
    expected = {"name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                "zero_output_for_mask", "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
                "unit_forget_bias", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"}
    assert expected <= set(cfg), expected - set(cfg)
    assert "cell" not in cfg
    assert "reset_after" in layers.GRU(2).get_config() and "unit_forget_bias" not in layers.GRU(2).get_config()
    bcfg = layers.Bidirectional(layers.LSTM(2)).get_config()
    assert {"merge_mode", "layer", "backward_layer"} <= set(bcfg)
    assert bcfg["layer"]["config"]["name"].startswith("forward_") and bcfg["backward_layer"]["config"]["go_backwards"]
    assert "layer" in layers.TimeDistributed(layers.Dense(2)).get_config()


def test_saved_weight_paths_follow_keras():
    from lamina.saving.saving_api import variable_paths

    inp = lm.Input((3, 4))
    h = layers.Bidirectional(layers.LSTM(2, return_sequences=True))(inp)
    h = layers.TimeDistributed(layers.Dense(2))(h)
    out = layers.GRU(2)(h)
    model = lm.Model(inp, out)
    paths = [p for p, _ in variable_paths(model)]
    assert "layers/bidirectional/forward_layer/cell/vars/0" in paths
    assert "layers/bidirectional/backward_layer/cell/vars/2" in paths
    assert "layers/time_distributed/layer/vars/1" in paths
    assert "layers/gru/cell/vars/2" in paths


def test_unsupported_activation_and_bad_inputs():
    with pytest.raises(ValueError, match="not supported by lamina's fused recurrent kernels"):
        layers.LSTM(2, activation="softmax")
    with pytest.raises(ValueError, match="recurrent_activation"):
        layers.GRU(2, recurrent_activation="elu")
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.SimpleRNN(2)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="positive integer"):
        layers.LSTM(0)


def test_stateful_carries_states_between_calls(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    layer = layers.GRU(3, stateful=True)
    y1 = np.asarray(layer(x))
    y2 = np.asarray(layer(x))
    full = layers.GRU(3)
    full(x)
    full.set_weights(layer.get_weights())
    np.testing.assert_allclose(y2, np.asarray(full(np.concatenate([x, x], axis=1))), rtol=1e-5, atol=1e-6)
    assert not np.allclose(y1, y2)
    layer.reset_states()
    np.testing.assert_allclose(np.asarray(layer(x)), y1, rtol=1e-6)
    assert len(layer.weights) == 3  # the states are not weights


def test_symbolic_shapes_and_initial_state_inputs(rng):
    inp = lm.Input((None, 4))
    h0, c0 = lm.Input((3,)), lm.Input((3,))
    seq, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(inp, initial_state=[h0, c0])
    assert seq.shape == (None, None, 3) and h.shape == (None, 3)
    model = lm.Model([inp, h0, c0], [seq, h, c])
    x = rng.standard_normal((2, 5, 4)).astype("float32")
    s0 = [rng.standard_normal((2, 3)).astype("float32") for _ in range(2)]
    outs = model([x, *s0])
    lstm = model.layers[-1] if isinstance(model.layers[-1], layers.LSTM) else [l for l in model.layers if isinstance(l, layers.LSTM)][0]
    want = reference_of(lstm, "lstm", x, states=s0)
    for got, w in zip(outs, want):
        np.testing.assert_allclose(np.asarray(got), w, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# Bidirectional and TimeDistributed


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_values(merge_mode, rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    bi = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode=merge_mode)
    out = bi(x)
    fwd = reference_of(bi.forward_layer, "gru", x)[0]
    bwd = reference_of(bi.backward_layer, "gru", x)[0][:, ::-1]
    want = {"concat": np.concatenate([fwd, bwd], -1), "sum": fwd + bwd, "mul": fwd * bwd, "ave": (fwd + bwd) / 2,
            None: [fwd, bwd]}[merge_mode]
    if merge_mode is None:
        for g, w in zip(out, want):
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-4, atol=1e-5)
    else:
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-4, atol=1e-5)
    assert bi.forward_layer.name.startswith("forward_") and bi.backward_layer.go_backwards
    # Weights: the forward layer's, then the backward layer's.
    assert len(bi.weights) == 6 and bi.weights[0] is bi.forward_layer.cell.kernel
    assert bi.weights[3] is bi.backward_layer.cell.kernel


def test_bidirectional_return_state_initial_state_and_mask(rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    bi = layers.Bidirectional(layers.LSTM(2, return_sequences=True, return_state=True))
    init = [rng.standard_normal((2, 2)).astype("float32") for _ in range(4)]
    out = bi(x, initial_state=init, mask=mask)
    assert len(out) == 5
    fwd = reference_of(bi.forward_layer, "lstm", x, states=init[:2], mask=mask)
    bwd = reference_of(bi.backward_layer, "lstm", x, states=init[2:], mask=mask)
    # Bidirectional makes masked steps output zeros in both directions.
    assert bi.forward_layer.zero_output_for_mask and bi.backward_layer.zero_output_for_mask
    np.testing.assert_allclose(np.asarray(out[0]), np.concatenate([fwd[0], bwd[0][:, ::-1]], -1), rtol=1e-4, atol=1e-5)
    for got, w in zip(out[1:], list(fwd[1:]) + list(bwd[1:])):
        np.testing.assert_allclose(np.asarray(got), w, rtol=1e-4, atol=1e-5)
    assert bi.compute_output_shape((None, 5, 3)) == ((None, 5, 4), (None, 2), (None, 2), (None, 2), (None, 2))


def test_bidirectional_custom_backward_layer_and_weights(rng):
    fw = layers.SimpleRNN(2, return_sequences=True)
    bw = layers.SimpleRNN(2, return_sequences=True, go_backwards=True, activation="relu")
    init = [rng.standard_normal(s).astype("float32") for s in [(3, 2), (2, 2), (2,)] * 2]
    bi = layers.Bidirectional(fw, backward_layer=bw, weights=init)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    bi(x)
    for w, v in zip(bi.get_weights(), init):
        np.testing.assert_array_equal(w, v)
    assert bi.backward_layer is bw
    with pytest.raises(ValueError, match="different `go_backwards`"):
        layers.Bidirectional(fw, backward_layer=layers.SimpleRNN(2, return_sequences=True))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(fw, merge_mode="max")


def test_time_distributed_folds_time_into_batch(rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    td = layers.TimeDistributed(layers.Dense(4, activation="tanh"))
    y = np.asarray(td(x))
    k, b = td.layer.get_weights()
    np.testing.assert_allclose(y, np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)
    assert td.compute_output_shape((None, 5, 3)) == (None, 5, 4)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"should be passed a `mask` of shape \(2, 5, ...\)"):
        td(x, mask=np.ones((2, 4), bool))
    # A masked sequence keeps its mask through TimeDistributed (into a following LSTM).
    xt = lm.tensor(x)
    xt._keras_mask = lm.tensor(np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool))
    assert np.asarray(td(xt)._keras_mask).tolist() == np.asarray(xt._keras_mask).tolist()


def test_lstm_model_trains_on_a_sequence_task(rng):
    # Sum-of-sequence regression: an LSTM learns it in a few epochs.
    x = rng.standard_normal((256, 8, 2)).astype("float32")
    y = x[:, :, :1].sum(axis=1) * 0.3
    model = lm.Sequential([layers.Input((8, 2)), layers.LSTM(16), layers.Dense(1)])
    model.compile(optimizer=lm.optimizers.Adam(0.01), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    last = model.evaluate(x, y, verbose=0)
    assert last < 0.2 * first, (first, last)
