"""Reductions: sum, mean, max, min, prod, var, std, logsumexp, argmax/argmin, any/all,
count_nonzero. Forward against numpy, gradients against finite differences, dtype rules,
empty axes, NaN, non-contiguous inputs and the large (threaded, blocked) paths."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_forward, check_op

AXES = [None, 0, 1, -1, (0, 2), (1, 2), (-3, -1), ()]


def _logsumexp_np(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_mean_var_std(rng, axis, keepdims):
    x = rng.standard_normal((2, 3, 4))
    for op, ref in [(ops.sum, np.sum), (ops.mean, np.mean), (ops.var, np.var), (ops.std, np.std)]:
        # std over no axes is |x - x| = 0, whose gradient is 0/0.
        grad = not (op is ops.std and axis == ())
        check_op(lambda t, op=op: op(t, axis=axis, keepdims=keepdims),
                 lambda a, r=ref: np.asarray(r(a.astype(np.float64), axis=axis, keepdims=keepdims)).astype(a.dtype),
                 x, atol=1e-5, grad=grad)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_max_min_forward_and_gradient(rng, axis):
    x = rng.permutation(24).reshape(2, 3, 4) * 0.37 - 4.0  # distinct values: differentiable
    for op, ref in [(ops.max, np.max), (ops.min, np.min)]:
        check_op(lambda t: op(t, axis=axis), lambda a, r=ref: r(a, axis=axis), x)
        check_op(lambda t: op(t, axis=axis, keepdims=True), lambda a, r=ref: r(a, axis=axis, keepdims=True), x)


def test_max_gradient_splits_ties_evenly():
    x = lm.tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.max(x, axis=1))
        z = ops.sum(ops.min(x, axis=0))
    np.testing.assert_allclose(tape.gradient(y, x), [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    x2 = lm.tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]))
    with lm.GradientTape() as tape:
        tape.watch(x2)
        z = ops.min(x2, axis=0)
    np.testing.assert_allclose(tape.gradient(z, x2), [[1, 0, 0], [0, 1, 1]])
    x3 = lm.tensor(np.full((2, 2), 5.0))
    with lm.GradientTape() as tape:
        tape.watch(x3)
        w = ops.max(x3)
    np.testing.assert_allclose(tape.gradient(w, x3), np.full((2, 2), 0.25))


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_prod_forward_and_gradient_with_zeros(rng, axis):
    x = rng.uniform(0.5, 1.5, (3, 4)) * rng.choice([-1, 1], (3, 4))
    check_op(lambda t: ops.prod(t, axis=axis), lambda a: np.prod(a, axis=axis), x)
    one_zero = x.copy()
    one_zero[1, 2] = 0.0
    check_op(lambda t: ops.prod(t, axis=axis), lambda a: np.prod(a, axis=axis), one_zero)
    two_zeros = one_zero.copy()
    two_zeros[1, 0] = 0.0
    two_zeros[2, 2] = 0.0
    check_op(lambda t: ops.prod(t, axis=axis), lambda a: np.prod(a, axis=axis), two_zeros)


def test_prod_gradient_exact_values():
    x = lm.tensor(np.array([2.0, 0.0, 3.0]))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.prod(x)
    np.testing.assert_array_equal(tape.gradient(y, x), [0.0, 6.0, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(rng, axis, keepdims):
    x = rng.standard_normal((3, 5)) * 3
    check_op(lambda t: ops.logsumexp(t, axis=axis, keepdims=keepdims),
             lambda a: _logsumexp_np(a.astype(np.float64), axis=axis, keepdims=keepdims).astype(a.dtype), x)


def test_logsumexp_extremes():
    x = np.array([[1e4, 1e4], [-1e4, -1e4], [-np.inf, -np.inf], [np.inf, 0.0], [np.nan, 1.0], [-np.inf, 0.0]], np.float32)
    got = np.asarray(ops.logsumexp(x, axis=1))
    want = [1e4 + np.log(2), -1e4 + np.log(2), -np.inf, np.inf, np.nan, 0.0]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    with lm.GradientTape() as tape:
        t = lm.tensor(np.array([1e4, -1e4, 1e4], np.float32))
        tape.watch(t)
        y = ops.logsumexp(t)
    np.testing.assert_allclose(tape.gradient(y, t), [0.5, 0.0, 0.5])


def test_logsumexp_of_ints_is_float32():
    assert ops.logsumexp(np.array([1, 2, 3], np.int32)).dtype == "float32"
    assert ops.logsumexp(np.zeros((0,), np.float32)).numpy() == -np.inf


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(rng, axis, keepdims):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    x[1, 2] = x[1, 4] = 9.0  # ties: the first wins
    for op, ref in [(ops.argmax, np.argmax), (ops.argmin, np.argmin)]:
        got = op(x, axis=axis, keepdims=keepdims)
        want = ref(x, axis=axis, keepdims=keepdims)
        assert got.dtype == "int32"
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        # A transposed view counts indices in its own (logical) order.
        np.testing.assert_array_equal(op(ops.transpose(lm.tensor(x)), axis=axis, keepdims=keepdims),
                                      ref(x.T, axis=axis, keepdims=keepdims))


def test_argmax_nan_and_ints():
    x = np.array([[1.0, np.nan, 3.0, np.nan], [4.0, 2.0, 8.0, 8.0]], np.float64)
    np.testing.assert_array_equal(ops.argmax(x, axis=1), np.argmax(x, axis=1))
    np.testing.assert_array_equal(ops.argmin(x, axis=1), np.argmin(x, axis=1))
    i = np.array([[3, 7, 7], [-1, -5, 2]], np.int64)
    np.testing.assert_array_equal(ops.argmax(i, axis=0), [0, 0, 0])
    np.testing.assert_array_equal(ops.argmin(i), np.argmin(i))
    b = np.array([False, True, True])
    assert int(ops.argmax(b)) == 1


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_any_all_count_nonzero(rng, axis):
    f = np.array([[0.0, -0.0, 1.5], [np.nan, 0.0, 0.0]], np.float32)
    i = np.array([[0, 3, 0], [1, 2, -1]], np.int32)
    b = np.array([[True, False, True], [True, True, True]])
    for x in (f, i, b):
        for op, ref in [(ops.any, np.any), (ops.all, np.all)]:
            got = op(x, axis=axis)
            assert got.dtype == "bool"
            np.testing.assert_array_equal(got, ref(x, axis=axis))
            np.testing.assert_array_equal(op(x, axis=axis, keepdims=True), ref(x, axis=axis, keepdims=True))
        got = ops.count_nonzero(x, axis=axis)
        assert got.dtype == "int32"
        np.testing.assert_array_equal(got, np.count_nonzero(x, axis=axis))


def test_dtype_rules():
    i32 = np.arange(6, dtype=np.int32).reshape(2, 3)
    i64 = i32.astype(np.int64)
    b = i32 % 2 == 0
    assert ops.sum(i32).dtype == "int32" and int(ops.sum(i32)) == 15
    assert ops.sum(i64, axis=0).dtype == "int64"
    assert ops.sum(b).dtype == "int32" and int(ops.sum(b)) == 3
    assert ops.prod(b).dtype == "int32"
    assert ops.prod(i32 + 1, axis=1).dtype == "int32"
    np.testing.assert_array_equal(ops.prod(i32 + 1, axis=1), [6, 120])
    assert ops.prod(i32, dtype="float64").dtype == "float64"
    assert ops.mean(i32).dtype == "float32" and float(ops.mean(i32)) == 2.5
    assert ops.mean(i64, axis=1).dtype == "float32"
    assert ops.var(i32).dtype == "float32" and ops.std(b).dtype == "float32"
    assert ops.max(i32).dtype == "int32" and int(ops.max(i32)) == 5
    assert ops.max(b, axis=1).dtype == "bool"
    np.testing.assert_array_equal(ops.min(b, axis=1), [False, False])
    assert ops.mean(np.ones(3, np.float64)).dtype == "float64"
    # int overflow wraps like numpy's fixed-width ints
    assert int(ops.sum(np.array([2**31 - 1, 1], np.int32))) == -(2**31)


def test_empty_reductions():
    e = np.zeros((0, 3), np.float32)
    np.testing.assert_array_equal(ops.sum(e, axis=0), np.zeros(3))
    assert ops.sum(e, axis=1).shape == (0,)
    assert float(ops.sum(e)) == 0.0
    np.testing.assert_array_equal(ops.prod(e, axis=0), np.ones(3))
    assert np.isnan(np.asarray(ops.mean(e, axis=0))).all()
    assert np.isnan(np.asarray(ops.var(e))).all()
    np.testing.assert_array_equal(ops.any(e, axis=0), [False] * 3)
    np.testing.assert_array_equal(ops.all(e, axis=0), [True] * 3)
    np.testing.assert_array_equal(ops.count_nonzero(e, axis=0), [0] * 3)
    assert ops.max(e, axis=1).shape == (0,)
    np.testing.assert_array_equal(ops.max(e, axis=0, initial=-2.0), [-2.0] * 3)
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty axis.*\[0, 3\]"):
        ops.max(e, axis=0)
    with pytest.raises(ValueError, match=r"min"):
        ops.min(e)
    with pytest.raises(ValueError, match=r"argmax.*empty"):
        ops.argmax(e)
    assert ops.argmax(e, axis=1).shape == (0,)


def test_max_min_initial():
    x = np.array([[1.0, 5.0], [-3.0, 0.5]], np.float32)
    np.testing.assert_array_equal(ops.max(x, axis=1, initial=2.0), np.max(x, axis=1, initial=2.0))
    np.testing.assert_array_equal(ops.min(x, axis=0, initial=0.0), np.min(x, axis=0, initial=0.0))


def test_nan_propagation():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], np.float32)
    for op, ref in [(ops.max, np.max), (ops.min, np.min), (ops.sum, np.sum), (ops.mean, np.mean),
                    (ops.var, np.var), (ops.prod, np.prod)]:
        np.testing.assert_array_equal(np.isnan(np.asarray(op(x, axis=1))), [True, False])
        np.testing.assert_array_equal(np.isnan(np.asarray(op(x, axis=0))), [False, True, False])
    # NaN in the columns path too (rows of a leading-axis reduction)
    np.testing.assert_allclose(ops.max(x, axis=0), np.max(x, axis=0))


def test_negative_and_duplicate_axes_errors():
    x = lm.tensor(np.ones((2, 3)))
    np.testing.assert_allclose(ops.sum(x, axis=-2), [2, 2, 2])
    with pytest.raises(IndexError, match=r"sum: axis 2 is out of bounds.*rank 2"):
        ops.sum(x, axis=2)
    with pytest.raises(IndexError, match=r"mean: axis -3"):
        ops.mean(x, axis=-3)
    with pytest.raises(IndexError, match=r"repeated"):
        ops.var(x, axis=(0, -2))
    with pytest.raises(IndexError, match=r"argmax: axis 5"):
        ops.argmax(x, axis=5)
    with pytest.raises(TypeError, match=r"axis"):
        ops.max(x, axis="zero")


def test_scalar_and_size_one_axes():
    s = lm.tensor(np.float32(3.0))
    assert float(ops.sum(s)) == 3.0 and ops.sum(s).shape == ()
    assert float(ops.max(s)) == 3.0
    assert int(ops.argmax(s)) == 0
    x = np.arange(6, dtype=np.float64).reshape(2, 1, 3)
    check_op(lambda t: ops.sum(t, axis=1), lambda a: np.sum(a, axis=1), x)
    check_op(lambda t: ops.max(t, axis=(0, 1)), lambda a: np.max(a, axis=(0, 1)), x)
    check_op(lambda t: ops.mean(t, axis=(1,), keepdims=True), lambda a: np.mean(a, axis=1, keepdims=True), x)


def test_broadcast_and_transposed_inputs(rng):
    base = rng.standard_normal((1, 4)).astype(np.float32)
    b = ops.broadcast_to(lm.tensor(base), (3, 4))  # stride-0 view
    np.testing.assert_allclose(ops.sum(b, axis=0), 3 * base[0], rtol=1e-6)
    np.testing.assert_allclose(ops.var(b, axis=0), np.zeros(4), atol=1e-6)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    t = ops.transpose(lm.tensor(x), (2, 0, 1))
    xt = np.transpose(x, (2, 0, 1))
    for axis in [None, 0, 1, 2, (0, 1), (1, 2), (0, 2)]:
        np.testing.assert_allclose(ops.sum(t, axis=axis), np.sum(xt, axis=axis), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(ops.max(t, axis=axis), np.max(xt, axis=axis))
        np.testing.assert_allclose(ops.var(t, axis=axis), np.var(xt.astype(np.float64), axis=axis), rtol=1e-5, atol=1e-6)


def test_float32_sum_of_many_elements_stays_accurate():
    n = 10_000_000
    x = np.full(n, 0.1, np.float32)
    exact = n * np.float64(np.float32(0.1))
    got = float(ops.sum(x))
    assert abs(got - exact) / exact < 1e-6, got
    assert abs(float(ops.mean(x)) - np.float64(np.float32(0.1))) < 3e-8  # a few ulps
    # the same down a long leading axis (the column path)
    col = np.full((1_000_000, 3), 0.1, np.float32)
    got = np.asarray(ops.sum(col, axis=0), np.float64)
    exact = 1_000_000 * np.float64(np.float32(0.1))
    assert np.all(np.abs(got - exact) / exact < 1e-6), got


def test_large_reductions_match_numpy(rng):
    """Sizes above the threading threshold: split outputs, split reduced axes, columns."""
    x = rng.standard_normal((300, 700)).astype(np.float32)
    x64 = x.astype(np.float64)
    for axis in [None, 0, 1]:
        np.testing.assert_allclose(ops.sum(x, axis=axis), np.sum(x64, axis=axis), rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(ops.max(x, axis=axis), np.max(x, axis=axis))
        np.testing.assert_allclose(ops.var(x, axis=axis), np.var(x64, axis=axis), rtol=1e-5)
        np.testing.assert_allclose(ops.logsumexp(x, axis=axis), _logsumexp_np(x64, axis=axis), rtol=1e-5)
        np.testing.assert_array_equal(ops.argmax(x, axis=axis), np.argmax(x, axis=axis))
        np.testing.assert_array_equal(ops.count_nonzero(x > 0.5, axis=axis), np.count_nonzero(x > 0.5, axis=axis))
    long = rng.standard_normal((2, 200_000)).astype(np.float32)
    np.testing.assert_allclose(ops.sum(long, axis=1), long.astype(np.float64).sum(1), rtol=1e-5, atol=1e-2)
    np.testing.assert_array_equal(ops.argmin(long, axis=1), np.argmin(long, axis=1))
    np.testing.assert_allclose(ops.prod(np.full((70_000,), 1.00001, np.float64)), 1.00001 ** 70_000, rtol=1e-9)
    tall = rng.standard_normal((50_000, 2)).astype(np.float32)
    np.testing.assert_allclose(ops.mean(tall, axis=0), tall.astype(np.float64).mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(ops.argmax(tall, axis=0), np.argmax(tall, axis=0))


def test_bias_gradient_shape_sum(rng):
    """sum over axis 0 of a [128, 256] tensor (the bias-gradient reduction), both dtypes."""
    for dt in ["float32", "float64"]:
        g = rng.standard_normal((128, 256)).astype(dt)
        got = ops.sum(g, axis=0)
        assert got.dtype == dt
        np.testing.assert_allclose(got, g.astype(np.float64).sum(0), rtol=1e-5, atol=1e-5)


def test_ints_forward(rng):
    x = rng.integers(-50, 50, (4, 5)).astype(np.int64)
    check_forward(lambda t: ops.sum(t, axis=1), lambda a: np.sum(a, axis=1), x)
    check_forward(lambda t: ops.max(t, axis=0), lambda a: np.max(a, axis=0), x)
    check_forward(lambda t: ops.min(t), lambda a: np.min(a), x)
    check_forward(lambda t: ops.var(t, axis=1), lambda a: np.var(a, axis=1).astype(np.float32), x, check_dtype=True)


def test_extremum_and_prod_gradients_match_on_the_gpu():
    # three-way ties (finite differences cannot check an even split of three) and NaN rows,
    # gpu against cpu; prod with zeros in a row
    if "gpu" not in lm.list_devices():
        pytest.skip("gpu: no GPU adapter")
    x = np.array([[1.0, 3.0, 3.0, 3.0], [2.0, np.nan, 0.0, 2.0], [-1.0, -1.0, -1.0, -1.0]], np.float32)
    p = np.array([[1.0, 0.0, 3.0, 2.0], [0.0, 4.0, 0.0, 2.0], [1.5, -2.0, 0.5, 3.0]], np.float32)
    cases = [(lambda t: ops.max(t, axis=1), x), (lambda t: ops.min(t, axis=0), x), (lambda t: ops.max(t), x),
             (lambda t: ops.max(t, axis=1, initial=2.5), x), (lambda t: ops.prod(t, axis=1), p),
             (lambda t: ops.prod(t, axis=0, keepdims=True), p), (lambda t: ops.prod(t), p)]
    for fn, a in cases:
        got = {}
        for device in ("cpu", "gpu"):
            with lm.device(device):
                t = lm.tensor(a)
                with lm.GradientTape() as tape:
                    tape.watch(t)
                    loss = ops.sum(fn(t) * 3.0)
                (g,) = tape.gradient(loss, [t])
                assert g.device == device
                got[device] = np.asarray(g)
        np.testing.assert_allclose(got["gpu"], got["cpu"], rtol=1e-6, atol=0)
