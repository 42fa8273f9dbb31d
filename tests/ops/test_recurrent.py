"""The fused recurrent ops (simple_rnn, lstm, gru) against a numpy transcription of Keras'
cell formulas and `backend.rnn` loop, and their BPTT gradients against finite differences."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_forward, check_gradient, check_op

ACTS = {
    "tanh": np.tanh,
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "relu": lambda v: np.maximum(v, 0.0),
    "hard_sigmoid": lambda v: np.clip(v / 6.0 + 0.5, 0.0, 1.0),  # Keras 3: relu6(x + 3) / 6
    "linear": lambda v: v,
    None: lambda v: v,
}
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def _gate_mask(m, g, dt):
    if m is None:
        return 1.0
    return (m if m.ndim == 2 else m[g]).astype(dt)


def rnn_reference(kind, x, states, kernel, rk, bias=None, mask=None, activation="tanh", recurrent_activation="sigmoid",
                  reset_after=True, return_sequences=True, go_backwards=False, zero_output_for_mask=False,
                  dropout_mask=None, recurrent_dropout_mask=None):
    """Keras' cells step by step (implementation=1 style, one dropout mask per gate when given)
    inside Keras' `backend.rnn` masking rules."""
    act, ract = ACTS[activation], ACTS[recurrent_activation]
    batch, steps, _ = x.shape
    u = rk.shape[0]
    dt = np.result_type(x, kernel, rk, *states, *(() if bias is None else (bias,)))
    x, kernel, rk = x.astype(dt), kernel.astype(dt), rk.astype(dt)
    states = [s.astype(dt) for s in states]
    W = lambda g: kernel[:, g * u:(g + 1) * u]  # noqa: E731
    U = lambda g: rk[:, g * u:(g + 1) * u]  # noqa: E731

    def xin(xt, g):
        return xt * _gate_mask(dropout_mask, g, dt)

    def hin(h, g):
        return h * _gate_mask(recurrent_dropout_mask, g, dt)

    def bias_in(g):
        if bias is None:
            return 0.0
        b = bias[0] if (kind == "gru" and reset_after) else bias
        return b[g * u:(g + 1) * u].astype(dt)

    def bias_rec(g):
        return 0.0 if bias is None else bias[1][g * u:(g + 1) * u].astype(dt)

    def step(xt, st):
        if kind == "simple_rnn":
            h = act(xin(xt, 0) @ W(0) + bias_in(0) + hin(st[0], 0) @ U(0))
            return h, [h]
        if kind == "lstm":
            h, c = st
            z = [xin(xt, g) @ W(g) + bias_in(g) + hin(h, g) @ U(g) for g in range(4)]
            i, f, o = ract(z[0]), ract(z[1]), ract(z[3])
            c = f * c + i * act(z[2])
            h = o * act(c)
            return h, [h, c]
        h = st[0]
        xz, xr, xh = (xin(xt, g) @ W(g) + bias_in(g) for g in range(3))
        if reset_after:
            z = ract(xz + hin(h, 0) @ U(0) + bias_rec(0))
            r = ract(xr + hin(h, 1) @ U(1) + bias_rec(1))
            hh = act(xh + r * (hin(h, 2) @ U(2) + bias_rec(2)))
        else:
            z = ract(xz + hin(h, 0) @ U(0))
            r = ract(xr + hin(h, 1) @ U(1))
            hh = act(xh + (r * hin(h, 2)) @ U(2))
        h = z * h + (1 - z) * hh
        return h, [h]

    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    prev = np.zeros((batch, u), dt)
    outs = []
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t].astype(bool)[:, None]
            out = np.where(m, out, 0.0 if zero_output_for_mask else prev)
            new = [np.where(m, n, s) for n, s in zip(new, states)]
        states = new
        outs.append(out)
        prev = out
    y = np.stack(outs, axis=1) if return_sequences else outs[-1]
    return (y, *states)


def make(kind, rng, batch=2, steps=3, features=3, units=2, bias=True, reset_after=True, scale=0.6):
    g = GATES[kind]
    x = rng.standard_normal((batch, steps, features))
    states = [rng.standard_normal((batch, units)) * 0.5 for _ in range(2 if kind == "lstm" else 1)]
    kernel = rng.standard_normal((features, g * units)) * scale
    rk = rng.standard_normal((units, g * units)) * scale
    b = None
    if bias:
        b = rng.standard_normal((2, g * units) if (kind == "gru" and reset_after) else (g * units,)) * 0.3
    return x, states, kernel, rk, b


def call(kind, x, states, kernel, rk, b, **kw):
    fn = getattr(ops, kind)
    return fn(x, *states, kernel, rk, b, **kw)


def case(kind, rng, reset_after=True, bias=True, shape=None, **kw):
    """(fn, numpy reference, arrays) of one recurrent op call, for `check_op`."""
    shape = shape or {}
    x, states, kernel, rk, b = make(kind, rng, reset_after=reset_after, bias=bias, **shape)
    if kind == "gru":
        kw["reset_after"] = reset_after
    ns = len(states)
    arrays = [x, *states, kernel, rk] + ([b] if bias else [])

    def fn(*args):
        bb = args[3 + ns] if bias else None
        return call(kind, args[0], list(args[1:1 + ns]), args[1 + ns], args[2 + ns], bb, **kw)

    def ref(*args):
        bb = args[3 + ns] if bias else None
        return rnn_reference(kind, args[0], list(args[1:1 + ns]), args[1 + ns], args[2 + ns], bb, **kw)

    return fn, ref, *arrays


# check_op's tolerances for the recurrent ops (forward against the numpy transcription, BPTT
# gradients against finite differences; on the gpu, both against the cpu backend).
TOL = dict(rtol=1e-5, atol=1e-5, grad_rtol=1e-4, grad_atol=1e-6)


KINDS = [("simple_rnn", True), ("lstm", True), ("gru", True), ("gru", False)]


@pytest.mark.parametrize("kind,reset_after", KINDS)
def test_forward_and_gradient(kind, reset_after, rng):
    check_op(*case(kind, rng, reset_after=reset_after), **TOL)


@pytest.mark.parametrize("kind,reset_after", KINDS)
def test_no_bias_last_output(kind, reset_after, rng):
    check_op(*case(kind, rng, reset_after=reset_after, bias=False, return_sequences=False), **TOL)


@pytest.mark.parametrize("kind,reset_after", KINDS)
def test_go_backwards(kind, reset_after, rng):
    check_op(*case(kind, rng, reset_after=reset_after, go_backwards=True), **TOL)
    check_op(*case(kind, rng, reset_after=reset_after, go_backwards=True, return_sequences=False), grad=False, **TOL)


@pytest.mark.parametrize("kind,reset_after", KINDS)
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_mask(kind, reset_after, go_backwards, zero_output_for_mask, rng):
    # Sample 0 starts masked (its first outputs are zeros even with a non-zero initial state);
    # sample 1 has a hole and right padding; sample 2 is fully masked.
    mask = np.array([[False, True, True, False], [True, False, True, False], [False, False, False, False]])
    check_op(*case(kind, rng, reset_after=reset_after, mask=mask, go_backwards=go_backwards,
                   zero_output_for_mask=zero_output_for_mask, shape=dict(batch=3, steps=4)), **TOL)
    check_op(*case(kind, rng, reset_after=reset_after, mask=mask.astype(np.float32), go_backwards=go_backwards,
                   return_sequences=False, shape=dict(batch=3, steps=4)), grad=False, **TOL)


@pytest.mark.parametrize("kind,reset_after", KINDS)
@pytest.mark.parametrize("per_gate", [False, True])
def test_dropout_masks(kind, reset_after, per_gate, rng):
    batch, features, units = 2, 3, 2
    g = GATES[kind]
    lead = (g,) if per_gate else ()
    # float32 masks: the gpu holds no float64 (the reference computes with the same values)
    dm = ((rng.random(lead + (batch, features)) > 0.3) / 0.7).astype(np.float32)
    rm = ((rng.random(lead + (batch, units)) > 0.4) / 0.6).astype(np.float32)
    check_op(*case(kind, rng, reset_after=reset_after, dropout_mask=dm, recurrent_dropout_mask=rm), **TOL)


@pytest.mark.parametrize("activation,recurrent_activation", [("relu", "hard_sigmoid"), ("linear", "tanh"),
                                                             ("sigmoid", "linear"), (None, "relu")])
@pytest.mark.parametrize("kind,reset_after", KINDS)
def test_activations(kind, reset_after, activation, recurrent_activation, rng):
    kw = {} if kind == "simple_rnn" else {"recurrent_activation": recurrent_activation}
    check_op(*case(kind, rng, reset_after=reset_after, activation=activation, **kw), **TOL)


def test_activation_functions_are_accepted(rng):
    from lamina import activations

    x, states, kernel, rk, b = make("lstm", rng)
    got = ops.lstm(x, *states, kernel, rk, b, activation=activations.relu, recurrent_activation=activations.hard_sigmoid)
    want = rnn_reference("lstm", x, states, kernel, rk, b, activation="relu", recurrent_activation="hard_sigmoid")
    np.testing.assert_allclose(np.asarray(got[0]), want[0].astype(np.float64), rtol=1e-6)


def test_default_initial_state_is_zeros(rng):
    x, states, kernel, rk, b = make("lstm", rng)
    zeros = [np.zeros_like(s) for s in states]
    got = ops.lstm(x.astype(np.float32), None, None, kernel.astype(np.float32), rk.astype(np.float32), b.astype(np.float32))
    want = rnn_reference("lstm", x, zeros, kernel, rk, b)
    for g, w in zip(got, want):
        assert g.dtype == "float32"
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-5, atol=1e-6)


def test_longer_sequence_and_batch(rng):
    for kind, reset_after in KINDS:
        check_op(*case(kind, rng, reset_after=reset_after, shape=dict(batch=5, steps=9, features=7, units=6)),
                 grad=False, **TOL)


def test_gradient_of_last_output_and_states_only(rng):
    # Gradients reach every operand when only the final states are used.
    x, states, kernel, rk, b = make("lstm", rng)
    check_op(lambda *a: ops.lstm(*a)[1:], lambda *a: rnn_reference("lstm", a[0], a[1:3], *a[3:])[1:],
             x, *states, kernel, rk, b, **TOL)
    _, gs, gk, grk, gb = make("gru", rng)
    check_op(lambda *a: ops.gru(*a, return_sequences=False)[0], lambda *a: rnn_reference("gru", a[0], [a[1]], *a[2:],
             return_sequences=False)[0], x, *gs, gk, grk, gb, **TOL)


def test_dtype_rule(rng):
    x, states, kernel, rk, b = make("gru", rng)
    y, h = ops.gru(x.astype(np.int32), None, kernel.astype(np.float32), rk.astype(np.float32), b.astype(np.float32))
    assert y.dtype == "float32" and h.dtype == "float32"
    y, h = ops.gru(x.astype(np.float32), None, kernel.astype(np.float64), rk.astype(np.float32), None)
    assert y.dtype == "float64"


def test_empty_batch_and_features(rng):
    kernel, rk = rng.standard_normal((3, 8)), rng.standard_normal((2, 8))
    y, h, c = ops.lstm(np.zeros((0, 4, 3)), None, None, kernel, rk)
    assert y.shape == (0, 4, 2) and h.shape == (0, 2) and c.shape == (0, 2)
    # No input features: only the bias and the recurrence drive the state.
    x, states, kernel, rk, b = make("gru", rng, features=0)
    check_forward(lambda *a: ops.gru(*a), lambda *a: rnn_reference("gru", a[0], [a[1]], *a[2:]), x, *states, kernel, rk, b)


def test_single_step_and_unit(rng):
    for kind, reset_after in KINDS:
        check_op(*case(kind, rng, reset_after=reset_after, shape=dict(batch=1, steps=1, features=1, units=1)), **TOL)


def test_error_messages(rng):
    x, states, kernel, rk, b = make("lstm", rng)
    with pytest.raises(ValueError, match=r"lstm: inputs must have shape \[batch, timesteps, features\], got shape \[2, 3\]"):
        ops.lstm(x[:, 0], *states, kernel, rk, b)
    with pytest.raises(ValueError, match=r"lstm: recurrent_kernel must have shape \[units, 4 \* units\]"):
        ops.lstm(x, *states, kernel, rk[:, :6], b)
    with pytest.raises(ValueError, match=r"lstm: kernel must have shape \[features, 4 \* units\] = \[3, 8\]"):
        ops.lstm(x, *states, kernel[:2], rk, b)
    with pytest.raises(ValueError, match=r"lstm: bias must have shape \[8\] for 2 units, got shape \[2, 8\]"):
        ops.lstm(x, *states, kernel, rk, np.stack([b, b]))
    with pytest.raises(ValueError, match=r"lstm: initial_state_c must have shape \[batch, units\] = \[2, 2\], got shape \[3, 2\]"):
        ops.lstm(x, states[0], np.zeros((3, 2)), kernel, rk, b)
    with pytest.raises(ValueError, match=r"lstm: mask must have shape \[batch, timesteps\] = \[2, 3\], got shape \[2, 4\]"):
        ops.lstm(x, *states, kernel, rk, b, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"lstm: dropout_mask must have shape \[2, 3\] or \[4, 2, 3\], got shape \[3, 2, 3\]"):
        ops.lstm(x, *states, kernel, rk, b, dropout_mask=np.ones((3, 2, 3)))
    with pytest.raises(ValueError, match=r"lstm: unsupported activation 'softmax'"):
        ops.lstm(x, *states, kernel, rk, b, activation="softmax")
    with pytest.raises(ValueError, match=r"lstm: the inputs need at least one time step"):
        ops.lstm(x[:, :0], *states, kernel, rk, b)
    xg, sg, kg, rkg, bg = make("gru", rng)
    with pytest.raises(ValueError, match=r"gru: bias must have shape \[2, 6\] for 2 units, got shape \[6\]"):
        ops.gru(xg, *sg, kg, rkg, bg[0])
    with pytest.raises(ValueError, match=r"gru: bias must have shape \[6\] for 2 units, got shape \[2, 6\]"):
        ops.gru(xg, *sg, kg, rkg, bg, reset_after=False)
    with pytest.raises(ValueError, match=r"simple_rnn: recurrent_kernel must have shape \[units, units\]"):
        ops.simple_rnn(xg, None, kg, rkg)
    with pytest.raises(TypeError, match="activation must be"):
        ops.simple_rnn(xg, None, kg[:, :2], rkg[:, :2], activation=3)


def test_no_recording_without_tape(rng):
    x, states, kernel, rk, b = make("lstm", rng)
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        y, h, c = ops.lstm(xt, *states, kernel, rk, b)
        loss = ops.sum(h)
    g1 = tape.gradient(loss, xt)
    assert g1 is not None and np.asarray(g1).shape == x.shape
    y2 = ops.lstm(xt, *states, kernel, rk, b)[0]  # outside the tape: no backward kept
    np.testing.assert_allclose(np.asarray(y2), np.asarray(y))


@pytest.mark.parametrize("kind,reset_after", KINDS)
def test_large_batch_split_over_threads(kind, reset_after, rng):
    # Big enough for the engine to run the batch in chunks on several threads (when it has
    # them): same values and gradients as the reference, with masks and per-gate dropout.
    batch, steps, features, units = 32, 20, 8, 32
    g = GATES[kind]
    x, states, kernel, rk, b = make(kind, rng, batch=batch, steps=steps, features=features, units=units,
                                    reset_after=reset_after, scale=0.3)
    mask = rng.random((batch, steps)) > 0.2
    lead = (g,) if g > 1 else ()
    dm = (rng.random(lead + (batch, features)) > 0.3) / 0.7
    rm = (rng.random(lead + (batch, units)) > 0.3) / 0.7
    kw = dict(mask=mask, go_backwards=True, dropout_mask=dm, recurrent_dropout_mask=rm)
    if kind == "gru":
        kw["reset_after"] = reset_after
    got = call(kind, x, states, kernel, rk, b, **kw)
    want = rnn_reference(kind, x, states, kernel, rk, b, **kw)
    for gv, wv in zip(got, want):
        np.testing.assert_allclose(np.asarray(gv), wv, rtol=1e-9, atol=1e-10)
    check_gradient(lambda bb: call(kind, x, states, kernel, rk, bb, **kw), b, noncontiguous=False)
