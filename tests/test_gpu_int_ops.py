"""Integer and bool ops on the gpu device: bitwise ops (int32, bool, and int64 word by word) and
the int64 rule: int64 tensors live on, copy to, cast and index on the gpu, but int64
arithmetic is refused with a DType error (WGSL has no 64-bit integers). Skipped, with the
reason, when no GPU adapter exists."""

import numpy as np
import pytest

import lamina as lm
from gpu_check import requires_gpu
from lamina import ops

pytestmark = requires_gpu


def _gpu(a):
    return lm.tensor(a).to("gpu")


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bitwise_binary_matches_numpy(name):
    rng = np.random.default_rng(0)
    ref = getattr(np, name)
    for dt in (np.int32, np.int64):
        big = 1 << 40 if dt == np.int64 else 1 << 20
        a = rng.integers(-big, big, (3, 4)).astype(dt)
        b = rng.integers(-big, big, (4,)).astype(dt)
        out = getattr(ops, name)(_gpu(a), _gpu(b))
        assert out.device == "gpu" and out.dtype == np.dtype(dt).name
        np.testing.assert_array_equal(np.asarray(out), ref(a, b))
        # a transposed view and a Python scalar
        np.testing.assert_array_equal(np.asarray(getattr(ops, name)(_gpu(a).T, 6)), ref(a.T, dt(6)))
    p, q = rng.random((2, 5)) > 0.5, rng.random((5,)) > 0.5
    out = getattr(ops, name)(_gpu(p), _gpu(q))
    assert out.dtype == "bool"
    np.testing.assert_array_equal(np.asarray(out), ref(p, q))
    # int32 with int64 promotes to int64
    mixed = getattr(ops, name)(_gpu(np.array([5, -1], np.int32)), _gpu(np.array([3, 1 << 36], np.int64)))
    assert mixed.dtype == "int64"
    np.testing.assert_array_equal(np.asarray(mixed), ref(np.array([5, -1], np.int64), np.array([3, 1 << 36])))


def test_bitwise_invert():
    a32 = np.array([[0, -1, 7], [1 << 30, -5, 2]], np.int32)
    a64 = np.array([0, -1, 1 << 45, -(1 << 50)], np.int64)
    m = np.array([True, False, True])
    for a in (a32, a64, m):
        out = ops.bitwise_invert(_gpu(a))
        assert out.device == "gpu"
        np.testing.assert_array_equal(np.asarray(out), np.invert(a))
    np.testing.assert_array_equal(np.asarray(ops.bitwise_invert(_gpu(a32).T)), np.invert(a32.T))
    with pytest.raises(TypeError, match="bitwise_and: expected integer or bool"):
        ops.bitwise_and(_gpu(np.ones(2, np.float32)), _gpu(np.ones(2, np.int32)))


def test_int64_arithmetic_is_refused_with_a_dtype_error():
    x = _gpu(np.array([1, 2, 3], np.int64))
    for fn in (lambda: x + x, lambda: ops.sum(x), lambda: ops.negative(x), lambda: ops.less(x, 2), lambda: ops.max(x)):
        with pytest.raises(TypeError, match="int64 arithmetic is not supported on the gpu device; cast to int32"):
            fn()


def test_int64_tensors_live_copy_cast_and_index_on_the_gpu():
    a = np.array([[1 << 40, -3, 7], [5, -(1 << 35), 0]], np.int64)
    x = _gpu(a)
    assert x.device == "gpu" and x.dtype == "int64"
    np.testing.assert_array_equal(np.asarray(x.T), a.T)
    np.testing.assert_array_equal(np.asarray(ops.concatenate([x, x], axis=0)), np.concatenate([a, a]))
    np.testing.assert_array_equal(np.asarray(x[:, [2, 0]]), a[:, [2, 0]])
    np.testing.assert_array_equal(np.asarray(ops.take(x, [1], axis=0)), a[[1]])
    np.testing.assert_array_equal(np.asarray(ops.cast(ops.cast(x, "int32"), "int64")), a.astype(np.int32).astype(np.int64))
    np.testing.assert_array_equal(np.asarray(ops.cast(x, "float32")), a.astype(np.float32))
    # the cast to int32 the error message suggests makes arithmetic work
    np.testing.assert_array_equal(np.asarray(ops.sum(ops.cast(_gpu(np.array([1, 2, 3], np.int64)), "int32"))), 6)
