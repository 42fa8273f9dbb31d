"""The fused losses against numpy references written here from Keras' definitions, gradients
(output and target) against finite differences, stability at extreme logits, clipping of
probabilities, target dtypes and the error cases."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_forward, check_op

EPS = 1e-7  # keras.backend.epsilon()


def _clip(p, dtype):
    return np.clip(p, dtype.type(EPS), dtype.type(1.0 - EPS))


def bce_np(t, o, from_logits=False):
    dt = o.dtype
    t64, o64 = t.astype(np.float64), o.astype(np.float64)
    if from_logits:
        out = np.maximum(o64, 0) - o64 * t64 + np.log1p(np.exp(-np.abs(o64)))
    else:
        # In the tensor's dtype, as Keras computes it (1 - p rounds in float32).
        p, t_ = _clip(o, dt), t.astype(dt)
        out = -(t_ * np.log(p) + (dt.type(1) - t_) * np.log(dt.type(1) - p))
    return out.astype(dt)


def log_softmax_np(x, axis):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def cce_np(t, o, from_logits=False, axis=-1):
    dt = o.dtype
    t64 = t.astype(np.float64)
    if from_logits:
        logp = log_softmax_np(o.astype(np.float64), axis)
    else:
        p = (o / np.sum(o, axis=axis, keepdims=True)).astype(dt)
        logp = np.log(_clip(p, dt).astype(np.float64))
    return (-np.sum(t64 * logp, axis=axis)).astype(dt)


def one_hot(labels, k, axis=-1):
    oh = np.eye(k)[labels]
    return np.moveaxis(oh, -1, axis)


def scce_np(labels, o, from_logits=False, axis=-1):
    k = o.shape[axis]
    return cce_np(one_hot(labels.astype(np.int64), k, axis).astype(o.dtype), o, from_logits, axis)


def probs(rng, shape, axis=-1):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


# --- binary cross-entropy -------------------------------------------------------------------

def test_binary_crossentropy_from_probabilities(rng):
    t = rng.uniform(0, 1, (4, 3))
    o = rng.uniform(0.05, 0.95, (4, 3))
    check_op(lambda a, b: ops.binary_crossentropy(a, b), lambda a, b: bce_np(a, b), t, o)


def test_binary_crossentropy_from_logits(rng):
    t = rng.uniform(0, 1, (5, 2))
    x = rng.standard_normal((5, 2)) * 3
    check_op(lambda a, b: ops.binary_crossentropy(a, b, from_logits=True), lambda a, b: bce_np(a, b, True), t, x)


def test_binary_crossentropy_clips_probabilities():
    t = np.array([1.0, 0.0, 1.0, 0.0, 0.5], np.float32)
    o = np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32)
    got = np.asarray(ops.binary_crossentropy(t, o))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, bce_np(t, o), rtol=1e-6)
    # Outside the clip range the gradient with respect to the output is zero (as TF's clip).
    ot = lm.tensor(o)
    with lm.GradientTape() as tape:
        tape.watch(ot)
        y = ops.sum(ops.binary_crossentropy(t, ot))
    np.testing.assert_array_equal(tape.gradient(y, ot), np.zeros(5))


def test_binary_crossentropy_extreme_logits():
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    got = np.asarray(ops.binary_crossentropy(t, x, from_logits=True))
    np.testing.assert_allclose(got, [0.0, 0.0, 1e4, 1e4, np.log(2)], rtol=1e-6)
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        y = ops.sum(ops.binary_crossentropy(t, xt, from_logits=True))
    np.testing.assert_allclose(tape.gradient(y, xt), [0.0, 0.0, 1.0, -1.0, -0.5], atol=1e-7)


def test_binary_crossentropy_shapes_and_dtypes():
    t = np.array([[1, 0]], np.int32)
    o = np.array([[0.7, 0.2]], np.float32)
    y = ops.binary_crossentropy(t, o)
    assert y.dtype == "float32" and y.shape == (1, 2)
    assert ops.binary_crossentropy(t.astype(np.float64), o.astype(np.float64)).dtype == "float64"
    with pytest.raises(ValueError, match=r"binary_crossentropy: target and output must have the same shape.*\[2\].*\[1, 2\]"):
        ops.binary_crossentropy(np.ones(2, np.float32), o)


# --- categorical cross-entropy --------------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_categorical_crossentropy_from_probabilities(rng, axis):
    t = probs(rng, (3, 4, 5), axis)
    o = rng.uniform(0.1, 1.0, (3, 4, 5))  # not normalized: Keras renormalizes
    check_op(lambda a, b: ops.categorical_crossentropy(a, b, axis=axis), lambda a, b: cce_np(a, b, axis=axis), t, o)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_categorical_crossentropy_from_logits(rng, axis):
    t = probs(rng, (3, 4, 5), axis)
    x = rng.standard_normal((3, 4, 5)) * 3
    check_op(lambda a, b: ops.categorical_crossentropy(a, b, from_logits=True, axis=axis),
             lambda a, b: cce_np(a, b, True, axis), t, x)


def test_categorical_crossentropy_one_hot_rows(rng):
    labels = rng.integers(0, 10, 128)
    t = one_hot(labels, 10)
    x = rng.standard_normal((128, 10)) * 4
    check_forward(lambda a, b: ops.categorical_crossentropy(a, b, from_logits=True), lambda a, b: cce_np(a, b, True), t, x)
    p = probs(rng, (128, 10))
    check_forward(lambda a, b: ops.categorical_crossentropy(a, b), lambda a, b: cce_np(a, b), t, p)


def test_categorical_crossentropy_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0], [1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4]], np.float32)
    t = np.array([[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0]], np.float32)
    got = np.asarray(ops.categorical_crossentropy(t, x, from_logits=True))
    want = cce_np(t.astype(np.float64), x.astype(np.float64), True)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    xt, tt = lm.tensor(x), lm.tensor(t)
    with lm.GradientTape() as tape:
        tape.watch([xt, tt])
        y = ops.sum(ops.categorical_crossentropy(tt, xt, from_logits=True))
    gx, gt = (np.asarray(g) for g in tape.gradient(y, [xt, tt]))
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(gt))
    np.testing.assert_allclose(gx[1], [1 / (1 + np.e**-1), 1 / (1 + np.e) - 1, 0.0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(gt)[0], [0.0, 2e4, 1e4], rtol=1e-6)


def test_categorical_crossentropy_clipped_probabilities():
    t = np.array([[0, 1, 0], [1, 0, 0]], np.float32)
    o = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], np.float32)
    got = np.asarray(ops.categorical_crossentropy(t, o))
    np.testing.assert_allclose(got, cce_np(t, o), rtol=1e-6)
    assert got[0] == pytest.approx(-np.log(np.float32(EPS)), rel=1e-6)


def test_categorical_crossentropy_nan_and_errors():
    x = np.array([[np.nan, 1.0], [1.0, 2.0]], np.float32)
    t = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)
    got = np.asarray(ops.categorical_crossentropy(t, x, from_logits=True))
    assert np.isnan(got[0]) and np.isfinite(got[1])
    with pytest.raises(ValueError, match=r"categorical_crossentropy: target and output must have the same shape.*\[2, 3\].*\[2, 2\]"):
        ops.categorical_crossentropy(np.ones((2, 3), np.float32), x)
    with pytest.raises(IndexError, match=r"categorical_crossentropy: axis 2"):
        ops.categorical_crossentropy(t, x, axis=2)


# --- sparse categorical cross-entropy -------------------------------------------------------

@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(rng, from_logits):
    labels = rng.integers(0, 5, (6,))
    o = rng.standard_normal((6, 5)) * 2 if from_logits else rng.uniform(0.1, 1.0, (6, 5))
    check_op(lambda b: ops.sparse_categorical_crossentropy(lm.tensor(labels), b, from_logits=from_logits),
             lambda b: scce_np(labels, b, from_logits), o)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_sparse_categorical_crossentropy_axis(rng, axis):
    shape = (3, 4, 5)
    k = shape[axis]
    lshape = tuple(d for i, d in enumerate(shape) if i != axis % 3)
    labels = rng.integers(0, k, lshape)
    x = rng.standard_normal(shape)
    check_op(lambda b: ops.sparse_categorical_crossentropy(lm.tensor(labels), b, from_logits=True, axis=axis),
             lambda b: scce_np(labels, b, True, axis), x)
    p = rng.uniform(0.1, 1.0, shape)
    check_op(lambda b: ops.sparse_categorical_crossentropy(lm.tensor(labels), b, axis=axis),
             lambda b: scce_np(labels, b, False, axis), p)


def test_sparse_target_dtypes_and_trailing_axis(rng):
    labels = np.array([0, 3, 2, 1])
    x = rng.standard_normal((4, 4)).astype(np.float32)
    want = scce_np(labels, x, True)
    for t in [labels.astype(np.int32), labels.astype(np.int64), labels.astype(np.uint8), labels.astype(np.float32),
              labels.astype(np.float64), labels.reshape(4, 1).astype(np.int32)]:
        np.testing.assert_allclose(ops.sparse_categorical_crossentropy(t, x, from_logits=True), want, rtol=1e-6)
    assert ops.sparse_categorical_crossentropy(labels, x, from_logits=True).shape == (4,)


def test_sparse_matches_categorical_on_mnist_shape(rng):
    labels = rng.integers(0, 10, 128).astype(np.int32)
    x = (rng.standard_normal((128, 10)) * 3).astype(np.float32)
    a = np.asarray(ops.sparse_categorical_crossentropy(labels, x, from_logits=True))
    b = np.asarray(ops.categorical_crossentropy(one_hot(labels, 10).astype(np.float32), x, from_logits=True))
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    xt = lm.tensor(x)
    with lm.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        la = ops.sum(ops.sparse_categorical_crossentropy(labels, xt, from_logits=True))
        lb = ops.sum(ops.categorical_crossentropy(one_hot(labels, 10).astype(np.float32), xt, from_logits=True))
    np.testing.assert_allclose(tape.gradient(la, xt), tape.gradient(lb, xt), rtol=1e-6, atol=1e-7)


def test_sparse_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], np.float32)
    labels = np.array([1, 2])
    got = np.asarray(ops.sparse_categorical_crossentropy(labels, x, from_logits=True))
    np.testing.assert_allclose(got, [2e4, 0.0], rtol=1e-6)
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        y = ops.sum(ops.sparse_categorical_crossentropy(labels, xt, from_logits=True))
    np.testing.assert_allclose(tape.gradient(y, xt), [[1, -1, 0], [0, 0, 0]], atol=1e-7)


def test_sparse_target_errors():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(IndexError, match=r"sparse_categorical_crossentropy: target value 4 is out of range for 4 classes"):
        ops.sparse_categorical_crossentropy(np.array([0, 4, 1]), x)
    with pytest.raises(IndexError, match=r"target value -1 is out of range for 4 classes"):
        ops.sparse_categorical_crossentropy(np.array([0, -1, 1], np.int64), x, from_logits=True)
    with pytest.raises(ValueError, match=r"target value 1.5 is not an integer"):
        ops.sparse_categorical_crossentropy(np.array([0, 1.5, 1]), x)
    with pytest.raises(ValueError, match=r"target of shape \[2\] does not match output of shape \[3, 4\]"):
        ops.sparse_categorical_crossentropy(np.array([0, 1]), x)
    with pytest.raises(ValueError, match=r"at least one axis"):
        ops.sparse_categorical_crossentropy(np.array(0), np.float32(1.0))


# --- mean squared / absolute error ----------------------------------------------------------

def test_mean_squared_and_absolute_error(rng):
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    check_op(ops.mean_squared_error, lambda x, y: np.mean(np.square(x - y), axis=-1), a, b)
    check_op(ops.mean_absolute_error, lambda x, y: np.mean(np.abs(x - y), axis=-1), a, b)
    c = rng.standard_normal((2, 3, 4))
    d = rng.standard_normal((3, 4))
    check_op(ops.mean_squared_error, lambda x, y: np.mean(np.square(x - y), axis=-1), c, d)


def test_mean_error_rank_matching_like_keras(rng):
    y = rng.standard_normal(6).astype(np.float32)
    p = rng.standard_normal((6, 1)).astype(np.float32)
    # rank-1 y_true beside [N, 1] predictions: expanded, so the loss is per sample [N].
    got = ops.mean_squared_error(y, p)
    assert got.shape == (6,)
    np.testing.assert_allclose(got, (y - p[:, 0]) ** 2, rtol=1e-6)
    got = ops.mean_absolute_error(p, y)
    np.testing.assert_allclose(got, np.abs(y - p[:, 0]), rtol=1e-6)
    y3 = rng.standard_normal((2, 3)).astype(np.float32)
    p3 = rng.standard_normal((2, 3, 1)).astype(np.float32)
    np.testing.assert_allclose(ops.mean_squared_error(y3, p3), np.mean((y3 - p3[..., 0]) ** 2, -1), rtol=1e-6)
    assert ops.mean_squared_error(np.array([[1, 2]], np.int32), np.array([[1.5, 2.5]], np.float32)).dtype == "float32"


def test_mean_error_gradients_to_both_sides(rng):
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((3, 4))
    check_op(ops.mean_absolute_error, lambda x, y: np.mean(np.abs(x - y), axis=-1), a, b, wrt=[0, 1])


def test_mean_error_errors():
    with pytest.raises(ValueError, match=r"mean_squared_error: y_true of shape \[3\] and y_pred of shape \[4\]"):
        ops.mean_squared_error(np.ones(3, np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"mean_absolute_error: inputs must have at least one axis"):
        ops.mean_absolute_error(np.float32(1.0), np.float32(2.0))


def test_large_logit_losses_threaded_paths(rng):
    """Sizes above the threading threshold: forward and backward against numpy."""
    x = (rng.standard_normal((1024, 200)) * 3).astype(np.float32)
    labels = rng.integers(0, 200, 1024)
    t = one_hot(labels, 200).astype(np.float32)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels, x, from_logits=True),
                               scce_np(labels, x.astype(np.float64), True), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ops.categorical_crossentropy(t, x, from_logits=True),
                               cce_np(t, x.astype(np.float64), True), rtol=1e-5, atol=1e-5)
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        y = ops.sum(ops.sparse_categorical_crossentropy(labels, xt, from_logits=True))
    sm = np.exp(log_softmax_np(x.astype(np.float64), -1))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, xt)), sm - t, atol=1e-6)
