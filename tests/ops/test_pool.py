"""max_pool and average_pool: forward against a direct-loop numpy reference (windows clipped to
the input, as TensorFlow does with "same" padding), gradients against finite differences."""

import itertools

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


def _per_axis(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _window_output(size, window, stride, padding):
    if padding == "valid":
        return (size - window) // stride + 1, 0
    out = -(-size // stride)
    return out, max((out - 1) * stride + window - size, 0) // 2


def pool_ref(x, pool_size, strides=None, padding="valid", data_format="channels_last", kind="max"):
    """Max or mean over each window clipped to the input (padded cells ignored)."""
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    sp = x.ndim - 2
    size = _per_axis(pool_size, sp)
    s = size if strides is None else _per_axis(strides, sp)
    geo = [_window_output(x.shape[1 + i], size[i], s[i], padding) for i in range(sp)]
    dtype = x.dtype if kind == "max" or x.dtype.kind == "f" else np.float32
    y = np.zeros((x.shape[0], *[o for o, _ in geo], x.shape[-1]), dtype=dtype)
    for opos in itertools.product(*[range(o) for o, _ in geo]):
        sl = []
        for i in range(sp):
            start = opos[i] * s[i] - geo[i][1]
            sl.append(slice(max(start, 0), min(start + size[i], x.shape[1 + i])))
        win = x[(slice(None), *sl)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None), *opos)] = win.max(axis=1) if kind == "max" else win.mean(axis=1, dtype=np.float64).astype(dtype)
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


CASES = [
    dict(pool_size=2),
    dict(pool_size=3, strides=2),
    dict(pool_size=(2, 3), strides=1),
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=2, padding="same"),
    dict(pool_size=(3, 2), strides=(2, 1), padding="same", data_format="channels_first"),
]


@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pool2d(rng, kw, kind):
    op = ops.max_pool if kind == "max" else ops.average_pool
    x = rng.standard_normal((2, 5, 6, 3))
    check_op(lambda t: op(t, **kw), lambda a: pool_ref(a, kind=kind, **kw), x)


@pytest.mark.parametrize("kw", [dict(pool_size=2), dict(pool_size=3, strides=2, padding="same"), dict(pool_size=2, data_format="channels_first")])
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pool1d(rng, kw, kind):
    op = ops.max_pool if kind == "max" else ops.average_pool
    check_op(lambda t: op(t, **kw), lambda a: pool_ref(a, kind=kind, **kw), rng.standard_normal((2, 7, 3)))


def test_average_same_padding_counts_only_real_cells():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    y = np.asarray(ops.average_pool(x, 2, padding="same"))
    # Windows [1,2,4,5], [3,6], [7,8], [9]: means over the real cells only.
    np.testing.assert_allclose(y[0, :, :, 0], [[3.0, 4.5], [7.5, 9.0]])


def test_max_gradient_goes_to_the_first_maximum():
    x = lm.tensor(np.array([[[[1.0], [3.0]], [[3.0], [2.0]]]]))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.max_pool(x, 2))
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x))[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])


def test_dtypes(rng):
    xi = rng.integers(-50, 50, (2, 4, 4, 3)).astype(np.int32)
    y = ops.max_pool(xi, 2)
    assert y.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(y), pool_ref(xi, 2))
    y = ops.average_pool(xi, 2)
    assert y.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y), pool_ref(xi, 2, kind="average"))
    assert ops.max_pool(xi.astype(np.int64), 2).dtype == "int64"


def test_size_one_and_empty(rng):
    check_op(lambda t: ops.max_pool(t, 1), lambda a: a, rng.standard_normal((1, 1, 1, 2)))
    assert ops.max_pool(np.zeros((0, 4, 4, 2), np.float32), 2).shape == (0, 2, 2, 2)
    assert ops.average_pool(np.zeros((2, 0, 4, 2), np.float32), 2, padding="same").shape == (2, 0, 2, 2)


def test_large_batch_splits_over_threads(rng):
    # The workload's first pooling: (64, 26, 26, 32), 2x2.
    x = rng.standard_normal((64, 26, 26, 32)).astype(np.float32)
    want = x.reshape(64, 13, 2, 13, 2, 32).max(axis=(2, 4))
    np.testing.assert_array_equal(np.asarray(ops.max_pool(x, 2)), want)
    np.testing.assert_allclose(np.asarray(ops.average_pool(x, 2)), x.reshape(64, 13, 2, 13, 2, 32).mean(axis=(2, 4)), rtol=1e-6, atol=1e-6)
    xt = lm.tensor(x)
    with lm.GradientTape() as tape:
        tape.watch(xt)
        y = ops.sum(ops.max_pool(xt, 2))
    g = np.asarray(tape.gradient(y, xt))
    assert g.sum() == 64 * 13 * 13 * 32
    assert np.all(x[g == 1] == np.repeat(np.repeat(want, 2, 1), 2, 2)[g == 1])


def test_errors():
    with pytest.raises(ValueError, match=r"max_pool: inputs must have rank 3 .* got shape \[4, 4\]"):
        ops.max_pool(np.zeros((4, 4), np.float32), 2)
    with pytest.raises(ValueError, match=r"average_pool: padding must be 'valid' or 'same', got 'causal'"):
        ops.average_pool(np.zeros((1, 4, 4, 1), np.float32), 2, padding="causal")
    with pytest.raises(ValueError, match=r"max_pool: the pool window \[5, 5\] .* larger than the spatial size \[4, 4\] of inputs of shape \[1, 4, 4, 1\]"):
        ops.max_pool(np.zeros((1, 4, 4, 1), np.float32), 5)
    with pytest.raises(ValueError, match=r"max_pool: pool_size must be an int or a tuple of 2 ints"):
        ops.max_pool(np.zeros((1, 4, 4, 1), np.float32), (2, 2, 2))
    with pytest.raises(ValueError, match=r"max_pool: pool_size must be positive"):
        ops.max_pool(np.zeros((1, 4, 4, 1), np.float32), 0)
    with pytest.raises(TypeError, match=r"max_pool: bool inputs are not supported"):
        ops.max_pool(np.zeros((1, 4, 4, 1), bool), 2)


# ---------------------------------------------------------------------------------------------
# The gpu device (check_op above runs every case there too; these cover what it does not)

def _gpu_or_skip():
    if "gpu" not in lm.list_devices():
        pytest.skip("gpu: no GPU adapter")


def test_gpu_dtypes_ties_and_empty(rng):
    _gpu_or_skip()
    xi = rng.integers(-50, 50, (2, 5, 4, 3)).astype(np.int32)
    y = ops.max_pool(lm.tensor(xi).to("gpu"), 2, padding="same")
    assert y.device == "gpu" and y.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(y), pool_ref(xi, 2, padding="same"))
    y = ops.average_pool(lm.tensor(xi).to("gpu"), 2)
    assert y.device == "gpu" and y.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y), pool_ref(xi, 2, kind="average"), rtol=1e-6)
    # ties: the gradient goes to the first maximum of each window, as on the cpu
    x = lm.tensor(np.array([[[[1.0], [3.0]], [[3.0], [2.0]]]], np.float32)).to("gpu")
    with lm.GradientTape() as tape:
        tape.watch(x)
        s = ops.sum(ops.max_pool(x, 2))
    np.testing.assert_array_equal(np.asarray(tape.gradient(s, x))[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])
    # NaN wins a max window, and its gradient goes to the NaN
    xn = np.array([[[[1.0], [np.nan]], [[3.0], [2.0]]]], np.float32)
    x = lm.tensor(xn).to("gpu")
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.max_pool(x, 2)
        s = ops.sum(y)
    assert np.isnan(np.asarray(y)).all()
    np.testing.assert_array_equal(np.asarray(tape.gradient(s, x))[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])
    for y, shape in [(ops.max_pool(lm.tensor(np.zeros((0, 4, 4, 2), np.float32)).to("gpu"), 2), (0, 2, 2, 2)),
                     (ops.average_pool(lm.tensor(np.zeros((2, 0, 4, 2), np.float32)).to("gpu"), 2, padding="same"), (2, 0, 2, 2))]:
        assert y.shape == shape and y.device == "gpu"
    with pytest.raises(TypeError, match=r"max_pool: bool inputs are not supported"):
        ops.max_pool(lm.tensor(np.zeros((1, 4, 4, 1), bool)).to("gpu"), 2)


def test_gpu_larger_batch_matches_cpu(rng):
    _gpu_or_skip()
    x = rng.standard_normal((8, 14, 14, 6)).astype(np.float32)
    for op in (ops.max_pool, ops.average_pool):
        outs = {}
        for device in ("cpu", "gpu"):
            xt = lm.tensor(x).to(device)
            with lm.GradientTape() as tape:
                tape.watch(xt)
                y = op(xt, 3, strides=2, padding="same")
                s = ops.sum(ops.multiply(y, y))
            outs[device] = (np.asarray(y), np.asarray(tape.gradient(s, xt)))
        for got, want in zip(outs["gpu"], outs["cpu"]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
