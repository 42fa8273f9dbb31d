"""softmax / log_softmax, moments and the normalizations (batch_normalization,
layer_normalization, batch_norm_train): forward against numpy, gradients against finite
differences, extreme logits, NaN, non-contiguous inputs and errors."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


def softmax_np(a, axis=-1):
    a64 = a.astype(np.float64)
    e = np.exp(a64 - np.max(a64, axis=axis, keepdims=True))
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(a.dtype)


def log_softmax_np(a, axis=-1):
    a64 = a.astype(np.float64)
    s = a64 - np.max(a64, axis=axis, keepdims=True)
    return (s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))).astype(a.dtype)


@pytest.mark.parametrize("axis", [-1, 0, 1, (1, 2), (0, 2)])
def test_softmax_and_log_softmax(rng, axis):
    x = rng.standard_normal((3, 4, 5)) * 2
    check_op(lambda t: ops.softmax(t, axis=axis), lambda a: softmax_np(a, axis), x)
    check_op(lambda t: ops.log_softmax(t, axis=axis), lambda a: log_softmax_np(a, axis), x)


def test_softmax_default_axis_and_int_input():
    x = np.array([[1, 2, 3], [0, 0, 0]], np.int32)
    y = ops.softmax(x)
    assert y.dtype == "float32"
    np.testing.assert_allclose(y, softmax_np(x.astype(np.float32)), rtol=1e-6)
    np.testing.assert_allclose(np.sum(np.asarray(ops.softmax(np.ones((2, 7)), axis=0)), axis=0), np.ones(7), rtol=1e-12)


def test_softmax_extreme_logits_stay_finite():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [3e4, 3e4, -3e4]], np.float32)
    y = np.asarray(ops.softmax(x))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], atol=1e-7)
    ly = np.asarray(ops.log_softmax(x))
    assert np.all(np.isfinite(ly))
    np.testing.assert_allclose(ly, [[0, -2e4, -1e4], [-np.log(3)] * 3, [-np.log(2), -np.log(2), -6e4 - np.log(2)]], rtol=1e-6)
    t = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(t)
        loss = ops.sum(ops.multiply(ops.log_softmax(t), lm.tensor(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32))))
    g = np.asarray(tape.gradient(loss, t))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[0], [0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(g[2], [-0.5, -0.5, 1], atol=1e-6)


def test_softmax_nan_propagates_only_in_its_row():
    x = np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]], np.float32)
    y = np.asarray(ops.softmax(x))
    assert np.isnan(y[0]).all() and np.isfinite(y[1]).all()
    y = np.asarray(ops.log_softmax(x, axis=0))
    assert np.isnan(y[:, 1]).all() and np.isfinite(y[:, [0, 2]]).all()


def test_softmax_large_rows_and_columns(rng):
    x = (rng.standard_normal((512, 1000)) * 5).astype(np.float32)
    np.testing.assert_allclose(ops.softmax(x), softmax_np(x), rtol=2e-6, atol=1e-9)
    np.testing.assert_allclose(ops.log_softmax(x), log_softmax_np(x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ops.softmax(x, axis=0), softmax_np(x, 0), rtol=2e-6, atol=1e-9)
    x64 = x[:64].astype(np.float64)
    np.testing.assert_allclose(ops.log_softmax(x64), log_softmax_np(x64), rtol=1e-12, atol=1e-12)


def test_softmax_of_transposed_view(rng):
    x = rng.standard_normal((6, 5)).astype(np.float32)
    t = ops.transpose(lm.tensor(x))
    np.testing.assert_allclose(ops.softmax(t), softmax_np(x.T), rtol=1e-6)
    np.testing.assert_allclose(ops.log_softmax(t, axis=0), log_softmax_np(x.T, 0), rtol=1e-5, atol=1e-6)


def test_softmax_empty_and_errors():
    assert ops.softmax(np.zeros((0, 3), np.float32)).shape == (0, 3)
    with pytest.raises(IndexError, match=r"softmax: axis 2"):
        ops.softmax(np.ones((2, 2)), axis=2)
    with pytest.raises(IndexError, match=r"log_softmax"):
        ops.log_softmax(np.ones(3), axis=(0, 0))


@pytest.mark.parametrize("axes,keepdims", [((0,), False), ((0, 1), False), ((-1,), True), ((0, 2), True)])
def test_moments(rng, axes, keepdims):
    x = rng.standard_normal((3, 4, 5)) + 2.0
    check_op(lambda t: ops.moments(t, axes, keepdims=keepdims),
             lambda a: (np.mean(a, axis=axes, keepdims=keepdims), np.var(a.astype(np.float64), axis=axes, keepdims=keepdims).astype(a.dtype)),
             x, atol=1e-5)


def test_moments_large_offset_keeps_variance():
    x = (1e4 + np.arange(8, dtype=np.float64)).astype(np.float32)
    m, v = ops.moments(x, 0)
    assert float(m) == pytest.approx(1e4 + 3.5)
    assert float(v) == pytest.approx(np.var(np.arange(8.0)), rel=1e-6)


def bn_np(x, mean, var, axis, offset=None, scale=None, eps=1e-3):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    r = lambda p: p.reshape(shape)  # noqa: E731
    y = (x - r(mean)) / np.sqrt(r(var) + eps)
    if scale is not None:
        y = y * r(scale)
    if offset is not None:
        y = y + r(offset)
    return y.astype(x.dtype)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_batch_normalization(rng, axis):
    x = rng.standard_normal((4, 3, 5))
    c = x.shape[axis]
    mean, var = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    off, sc = rng.standard_normal(c), rng.uniform(0.5, 1.5, c)
    check_op(lambda *a: ops.batch_normalization(a[0], a[1], a[2], axis, offset=a[3], scale=a[4]),
             lambda *a: bn_np(a[0], a[1], a[2], axis, a[3], a[4]), x, mean, var, off, sc, atol=1e-5)
    check_op(lambda t, m, v: ops.batch_normalization(t, m, v, axis, epsilon=0.1),
             lambda a, m, v: bn_np(a, m, v, axis, eps=0.1), x, mean, var, atol=1e-5)


def test_batch_normalization_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"batch_normalization: `mean` of shape \[2\].*3"):
        ops.batch_normalization(x, np.zeros(2), np.ones(3), axis=-1)
    with pytest.raises(IndexError, match=r"batch_normalization: axis 2"):
        ops.batch_normalization(x, np.zeros(3), np.ones(3), axis=2)


def ln_np(x, gamma=None, beta=None, axis=-1, eps=1e-3):
    x64 = x.astype(np.float64)
    m = x64.mean(axis=axis, keepdims=True)
    v = x64.var(axis=axis, keepdims=True)
    y = (x64 - m) / np.sqrt(v + eps)
    axes = (axis,) if isinstance(axis, int) else axis
    shape = [x.shape[a] if (a in axes or a - x.ndim in axes) else 1 for a in range(x.ndim)]
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y.astype(x.dtype)


@pytest.mark.parametrize("axis", [-1, 1, (1, 2), (-2, -1)])
def test_layer_normalization(rng, axis):
    x = rng.standard_normal((3, 4, 5)) * 2 + 1
    axes = (axis,) if isinstance(axis, int) else axis
    pshape = tuple(x.shape[a] for a in axes)
    gamma, beta = rng.uniform(0.5, 1.5, pshape), rng.standard_normal(pshape)
    check_op(lambda t, g, b: ops.layer_normalization(t, g, b, axis=axis),
             lambda a, g, b: ln_np(a, g, b, axis), x, gamma, beta, atol=1e-5)
    check_op(lambda t: ops.layer_normalization(t, axis=axis, epsilon=1e-5),
             lambda a: ln_np(a, axis=axis, eps=1e-5), x, atol=1e-5)
    check_op(lambda t, g: ops.layer_normalization(t, gamma=g, axis=axis), lambda a, g: ln_np(a, g, axis=axis), x, gamma, atol=1e-5)
    check_op(lambda t, b: ops.layer_normalization(t, beta=b, axis=axis), lambda a, b: ln_np(a, beta=b, axis=axis), x, beta, atol=1e-5)


def test_layer_normalization_large_and_errors(rng):
    x = rng.standard_normal((256, 384)).astype(np.float32) * 3 + 10
    g, b = rng.standard_normal(384).astype(np.float32), rng.standard_normal(384).astype(np.float32)
    np.testing.assert_allclose(ops.layer_normalization(x, g, b), ln_np(x, g, b), rtol=1e-4, atol=1e-4)
    t = lm.tensor(x)
    gt = lm.tensor(g)
    with lm.GradientTape() as tape:
        tape.watch([t, gt])
        y = ops.sum(ops.multiply(ops.layer_normalization(t, gt), lm.tensor(x[::-1].copy())))
    dx, dg = tape.gradient(y, [t, gt])
    assert dx.shape == x.shape and dg.shape == g.shape
    assert np.all(np.isfinite(np.asarray(dx)))
    with pytest.raises(ValueError, match=r"layer_normalization: `gamma` of shape \[3\]"):
        ops.layer_normalization(x, np.ones(3, np.float32))


def bn_train_np(x, gamma, beta, axes, eps=1e-3):
    x64 = x.astype(np.float64)
    m = x64.mean(axis=axes, keepdims=True)
    v = x64.var(axis=axes, keepdims=True)
    y = (x64 - m) / np.sqrt(v + eps)
    kshape = m.shape
    if gamma is not None:
        y = y * gamma.reshape(kshape)
    if beta is not None:
        y = y + beta.reshape(kshape)
    return y.astype(x.dtype), np.squeeze(m, axis=axes).astype(x.dtype), np.squeeze(v, axis=axes).astype(x.dtype)


@pytest.mark.parametrize("axes", [(0,), (0, 1, 2), (0, 2, 3), (1, 3), (0, 1, 2, 3)])
def test_batch_norm_train(rng, axes):
    x = rng.standard_normal((3, 2, 4, 3)) * 1.5 + 0.5
    cshape = tuple(x.shape[a] for a in range(4) if a not in axes)
    gamma, beta = rng.uniform(0.5, 1.5, cshape), rng.standard_normal(cshape)
    check_op(lambda t, g, b: ops.batch_norm_train(t, g, b, axes), lambda a, g, b: bn_train_np(a, g, b, axes),
             x, gamma, beta, atol=1e-5)
    check_op(lambda t: ops.batch_norm_train(t, None, None, axes, epsilon=1e-2),
             lambda a: bn_train_np(a, None, None, axes, 1e-2), x, atol=1e-5)


def test_batch_norm_train_nhwc_large(rng):
    x = rng.standard_normal((64, 13, 13, 32)).astype(np.float32) * 2 + 3
    gamma, beta = rng.uniform(0.5, 1.5, 32).astype(np.float32), rng.standard_normal(32).astype(np.float32)
    y, m, v = ops.batch_norm_train(x, gamma, beta, (0, 1, 2))
    ry, rm, rv = bn_train_np(x, gamma, beta, (0, 1, 2))
    np.testing.assert_allclose(m, rm, rtol=1e-5)
    np.testing.assert_allclose(v, rv, rtol=1e-5)
    np.testing.assert_allclose(y, ry, rtol=1e-4, atol=1e-4)
    nchw = np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))
    y2, m2, v2 = ops.batch_norm_train(nchw, gamma, beta, (0, 2, 3))
    np.testing.assert_allclose(m2, rm, rtol=1e-5)
    np.testing.assert_allclose(v2, rv, rtol=1e-5)
    np.testing.assert_allclose(np.transpose(np.asarray(y2), (0, 2, 3, 1)), ry, rtol=1e-4, atol=1e-4)


def test_batch_norm_train_errors():
    x = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match=r"batch_norm_train: `gamma` of shape \[4\]"):
        ops.batch_norm_train(x, np.ones(4, np.float32), None, (0,))
    with pytest.raises(ValueError, match=r"batch_norm_train: cannot compute batch statistics"):
        ops.batch_norm_train(np.ones((0, 3), np.float32), None, None, (0,))


def _ln_grads_np(x, gamma, g, eps=1e-3):
    x, gamma, g = (a.astype(np.float64) for a in (x, gamma, g))
    mu = x.mean(-1, keepdims=True)
    r = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) * r
    dxhat = g * gamma
    dx = r * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    return dx, (g * xhat).sum(0), g.sum(0)


def test_layer_normalization_large_gradients_match_formula(rng):
    """The threaded backward (per-chunk gamma/beta partials merged) against the closed form."""
    x = (rng.standard_normal((2048, 96)) * 2 + 1).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, 96).astype(np.float32)
    beta = rng.standard_normal(96).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    xt, gt, bt = lm.tensor(x), lm.tensor(gamma), lm.tensor(beta)
    with lm.GradientTape() as tape:
        tape.watch([xt, gt, bt])
        y = ops.layer_normalization(xt, gt, bt)
    dx, dg, db = tape.gradient(y, [xt, gt, bt], output_gradients=lm.tensor(g))
    want = _ln_grads_np(x, gamma, g)
    for got, w in zip((dx, dg, db), want):
        np.testing.assert_allclose(np.asarray(got), w, rtol=2e-4, atol=2e-4)


def test_batch_norm_train_large_gradients_match_formula(rng):
    x = (rng.standard_normal((32, 12, 12, 16)) * 2 + 3).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, 16).astype(np.float32)
    beta = rng.standard_normal(16).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    xt, gt, bt = lm.tensor(x), lm.tensor(gamma), lm.tensor(beta)
    with lm.GradientTape() as tape:
        tape.watch([xt, gt, bt])
        y, _, _ = ops.batch_norm_train(xt, gt, bt, (0, 1, 2))
    dx, dg, db = tape.gradient(y, [xt, gt, bt], output_gradients=lm.tensor(g))
    x64, g64 = x.astype(np.float64).reshape(-1, 16), g.astype(np.float64).reshape(-1, 16)
    mu, r = x64.mean(0), 1 / np.sqrt(x64.var(0) + 1e-3)
    xhat = (x64 - mu) * r
    n = x64.shape[0]
    want_db, want_dg = g64.sum(0), (g64 * xhat).sum(0)
    want_dx = gamma * r / n * (n * g64 - want_db - xhat * want_dg)
    np.testing.assert_allclose(np.asarray(db), want_db, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(np.asarray(dg), want_dg, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(np.asarray(dx).reshape(-1, 16), want_dx, rtol=1e-3, atol=1e-4)
