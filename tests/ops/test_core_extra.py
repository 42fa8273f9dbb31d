"""keras.ops core utilities (ops/_core_extra.py): control flow against Keras' documented
results, with gradients flowing through; dtype helpers, integer bit ops, windows and segment
sums against numpy."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from keras_ref import real_keras


def test_control_flow_matches_keras():
    keras = real_keras()
    xs = np.arange(12.0, dtype="float32").reshape(4, 3)

    def f(carry, x):
        return carry + x.sum(), carry * 2

    c_m, y_m = ops.scan(lambda c, x: (ops.add(c, ops.sum(x)), ops.multiply(c, 2.0)), lm.tensor(np.float32(1)), xs)
    c_k, y_k = keras.ops.scan(f, np.float32(1), xs)
    np.testing.assert_allclose(c_m, c_k)
    np.testing.assert_allclose(y_m, y_k)
    c_m, y_m = ops.scan(lambda c, x: (ops.add(c, ops.sum(x)), c), lm.tensor(np.float32(0)), xs, reverse=True)
    c_k, y_k = keras.ops.scan(lambda c, x: (c + x.sum(), c), np.float32(0), xs, reverse=True)
    np.testing.assert_allclose(y_m, y_k)
    np.testing.assert_allclose(ops.associative_scan(ops.add, xs, axis=1), keras.ops.associative_scan(lambda a, b: a + b, xs, axis=1))
    np.testing.assert_allclose(ops.associative_scan(ops.multiply, xs + 1, reverse=True),
                               keras.ops.associative_scan(lambda a, b: a * b, xs + 1, reverse=True))
    np.testing.assert_allclose(ops.map(lambda r: ops.multiply(r, 2.0), xs), keras.ops.map(lambda r: r * 2, xs))
    assert int(ops.fori_loop(0, 5, lambda i, v: v + i, 0)) == int(keras.ops.fori_loop(0, 5, lambda i, v: v + i, 0))
    got = ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 3, b * 2), (0, 1))
    want = keras.ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 3, b * 2), (0, 1))
    assert tuple(int(v) for v in got) == tuple(int(v) for v in want)
    assert int(ops.while_loop(lambda a: a < 100, lambda a: a * 2, 1, maximum_iterations=3)) == 8
    assert int(ops.switch(5, [lambda v: v, lambda v: v * 10], 2)) == int(keras.ops.switch(5, [lambda v: v, lambda v: v * 10], 2))
    assert float(ops.cond(lm.tensor(False), lambda: 1.0, lambda: 2.0)) == 2.0


def test_scan_gradients_flow_through_the_engine():
    w = lm.tensor(np.array([0.5, -1.0, 2.0]))
    with lm.GradientTape() as tape:
        tape.watch(w)
        carry, _ = ops.scan(lambda c, x: (ops.add(ops.multiply(c, x), 1.0), c), lm.tensor(1.0, "float64"), w)
    # carry = ((1*w0 + 1)*w1 + 1)*w2 + 1
    w0, w1, w2 = 0.5, -1.0, 2.0
    np.testing.assert_allclose(tape.gradient(carry, w), [w1 * w2, (w0 + 1) * w2, (w0 + 1) * w1 + 1])


def test_dtype_helpers_bits_windows_and_segments():
    keras = real_keras()
    x = np.array([-3e9, 1.5, 4e9], np.float32)  # (lamina's integer dtypes are int32 and int64)
    np.testing.assert_array_equal(ops.saturate_cast(x, "int32"), keras.ops.saturate_cast(x, "int32"))
    np.testing.assert_array_equal(ops.saturate_cast(np.array([-5, 2**40]), "int32"), [-5, 2**31 - 1])
    assert ops.is_tensor(lm.tensor(1.0)) and not ops.is_tensor(1.0)
    assert ops.dtype(np.zeros(2, np.int32)) == "int32"
    a, b = np.array([12, 18, 7]), np.array([8, 27, 3])
    np.testing.assert_array_equal(ops.gcd(a, b), np.gcd(a, b))
    np.testing.assert_array_equal(ops.lcm(a, b), np.lcm(a, b))
    np.testing.assert_array_equal(ops.left_shift(a, 2), a << 2)
    np.testing.assert_array_equal(ops.right_shift(a, 1), a >> 1)
    np.testing.assert_array_equal(ops.bitwise_not(a.astype("int32")), ~a.astype("int32"))
    np.testing.assert_allclose(ops.ldexp(np.array([1.5, 2.0]), np.array([2, -1])), np.ldexp([1.5, 2.0], [2, -1]))
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        np.testing.assert_allclose(getattr(ops, name)(7), getattr(np, name)(7), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ops.kaiser(6, 3.0), np.kaiser(6, 3.0), rtol=1e-6)
    np.testing.assert_allclose(ops.nextafter(np.float32(1), np.float32(2)), np.nextafter(np.float32(1), np.float32(2)))
    data = np.arange(8.0, dtype="float32").reshape(4, 2)
    np.testing.assert_allclose(ops.segment_sum(data, np.array([1, 0, 1, 5]), num_segments=2),
                               keras.ops.segment_sum(data, np.array([1, 0, 1, 5]), num_segments=2))
    with pytest.raises(ValueError, match="xs or length"):
        ops.scan(lambda c, x: (c, x), 0)
