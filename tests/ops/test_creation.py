"""Creation ops: zeros, ones, full, the _like forms, arange, eye, identity."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops


def _same(t, want, dtype):
    assert t.dtype == dtype, f"{t.dtype} != {dtype}"
    np.testing.assert_array_equal(np.asarray(t), want)


def test_zeros_ones_full():
    _same(ops.zeros((2, 3)), np.zeros((2, 3)), "float32")
    _same(ops.zeros(4, dtype="int64"), np.zeros(4), "int64")
    _same(ops.ones([2]), np.ones(2), "float32")
    _same(ops.ones((2, 2), dtype=np.float64), np.ones((2, 2)), "float64")
    _same(ops.ones((1,), dtype="bool"), [True], "bool")
    _same(ops.full((2, 2), 7), np.full((2, 2), 7.0), "float32")  # floatx, as Keras
    _same(ops.full((3,), 2.5, dtype="int32"), [2, 2, 2], "int32")
    _same(ops.full((2, 3), [1.0, 2.0, 3.0]), np.tile([1.0, 2.0, 3.0], (2, 1)), "float32")
    _same(ops.full((), lm.tensor(4.0)), 4.0, "float32")
    assert ops.zeros((0, 3)).shape == (0, 3)
    with pytest.raises(ValueError, match="negative dimension"):
        ops.zeros((2, -1))
    with pytest.raises(ValueError):
        ops.full((2,), [1.0, 2.0, 3.0])


def test_like_forms():
    x = lm.tensor(np.arange(6, dtype=np.int32).reshape(2, 3))
    _same(ops.zeros_like(x), np.zeros((2, 3)), "int32")
    _same(ops.ones_like(x, dtype="float64"), np.ones((2, 3)), "float64")
    _same(ops.full_like(x, 3.7), np.full((2, 3), 3), "int32")
    _same(ops.full_like(np.zeros(2, np.float32), 3.5), [3.5, 3.5], "float32")
    _same(ops.zeros_like(ops.transpose(x)), np.zeros((3, 2)), "int32")


@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}),
    ((2, 7), {}),
    ((2, 7, 2), {}),
    ((7, 2, -2), {}),
    ((0, 1, 0.25), {}),
    ((1.5,), {}),
    ((3, 0), {}),
    ((0, 5), {"dtype": "float64"}),
    ((0, 5, 2), {"dtype": "int64"}),
    ((-1.0, 1.0, 0.3), {"dtype": "float64"}),
])
def test_arange(args, kwargs):
    got = ops.arange(*args, **kwargs)
    want = np.arange(*args, dtype=kwargs.get("dtype"))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    ints = all(isinstance(a, int) for a in args)
    assert got.dtype == kwargs.get("dtype", "int32" if ints else "float32")


def test_arange_errors_and_keywords():
    _same(ops.arange(1, step=1), [0], "int32")
    _same(ops.arange(start=2, stop=4), [2, 3], "int32")
    with pytest.raises(ValueError, match="arange: step must not be zero"):
        ops.arange(0, 4, 0)


def test_arange_beyond_int32_is_int64_not_wrapped():
    # Found by the op fuzz suite: int32 values wrapped around silently.
    _same(ops.arange(0, 2**40, 2**38), np.arange(0, 2**40, 2**38), "int64")
    _same(ops.arange(-(2**33), 0, 2**32), [-(2**33), -(2**32)], "int64")
    _same(ops.arange(2**31 - 2, 2**31 - 1), [2**31 - 2], "int32")


def test_eye_identity_negative_sizes():
    for call in (lambda: ops.eye(-1), lambda: ops.eye(2, M=-3), lambda: ops.identity(-1)):
        with pytest.raises(ValueError, match=r"(eye|identity): .* must be non-negative"):
            call()


def test_eye_identity():
    _same(ops.eye(3), np.eye(3), "float32")
    _same(ops.eye(2, 4, k=1), np.eye(2, 4, k=1), "float32")
    _same(ops.eye(4, 3, k=-2, dtype="int32"), np.eye(4, 3, k=-2), "int32")
    _same(ops.eye(2, M=2, k=5), np.zeros((2, 2)), "float32")
    _same(ops.identity(3, dtype="float64"), np.eye(3), "float64")
    assert ops.eye(0).shape == (0, 0)
