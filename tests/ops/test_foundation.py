"""The first ops and the machinery under every op: views, broadcasting, autodiff, numpy I/O."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


def test_add_broadcast(rng):
    check_op(ops.add, np.add, rng.standard_normal((3, 4)), rng.standard_normal((4,)))
    check_op(ops.add, np.add, rng.standard_normal((2, 1, 4)), rng.standard_normal((3, 1)))


def test_arithmetic(rng):
    a, b = rng.standard_normal((3, 4)), rng.uniform(0.5, 2.0, (3, 4))
    check_op(ops.subtract, np.subtract, a, b)
    check_op(ops.multiply, np.multiply, a, b[:1])
    check_op(ops.divide, np.divide, a, b)


def test_exp_log(rng):
    check_op(ops.exp, np.exp, rng.standard_normal((3, 5)))
    check_op(ops.log, np.log, rng.uniform(0.1, 3, (4, 2)))


def test_matmul(rng):
    check_op(ops.matmul, np.matmul, rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rtol=1e-5, atol=1e-5)
    check_op(ops.matmul, np.matmul, rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2)), atol=1e-5)
    check_op(ops.matmul, np.matmul, rng.standard_normal((4,)), rng.standard_normal((4, 3)), atol=1e-5, noncontiguous=False)


def test_sum_axes(rng):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: ops.sum(t), lambda a: np.sum(a), x)
    check_op(lambda t: ops.sum(t, axis=1), lambda a: np.sum(a, axis=1), x)
    check_op(lambda t: ops.sum(t, axis=(0, 2), keepdims=True), lambda a: np.sum(a, axis=(0, 2), keepdims=True), x)


def test_views_share_storage_and_differentiate(rng):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: ops.reshape(ops.transpose(t, (2, 0, 1)), (4, -1)), lambda a: np.transpose(a, (2, 0, 1)).reshape(4, -1), x)
    check_op(lambda t: ops.expand_dims(t, -1), lambda a: np.expand_dims(a, -1), x)
    check_op(lambda t: ops.squeeze(ops.expand_dims(t, 1), 1), lambda a: a, x)
    check_op(lambda t: ops.broadcast_to(t, (5, 2, 3, 4)), lambda a: np.broadcast_to(a, (5, 2, 3, 4)), x)


def test_dtype_promotion():
    i = lm.tensor(np.array([1, 2], np.int32))
    f = lm.tensor(np.array([0.5, 0.5], np.float32))
    assert (i + f).dtype == "float32"
    assert (i + 1).dtype == "int32"
    assert (i + 1.5).dtype == "float32"
    assert (f + 1).dtype == "float32"
    assert lm.tensor(np.array([1.0], np.float64)).__add__(f).dtype == "float64"
    assert ops.divide(i, i).dtype == "float32"
    assert lm.tensor([1.0, 2.0]).dtype == "float32"
    assert lm.tensor([1, 2]).dtype == "int32"


def test_numpy_roundtrip_is_zero_copy_and_read_only():
    t = lm.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    v = t.numpy()
    assert not v.flags.writeable
    np.testing.assert_array_equal(np.asarray(t.T), np.arange(12).reshape(3, 4).T)
    assert np.asarray(t.T).base is not None


def test_gradient_of_unconnected_source_is_none():
    x = lm.tensor([1.0, 2.0])
    y = lm.tensor([3.0])
    with lm.GradientTape() as tape:
        tape.watch([x, y])
        z = ops.sum(x * x)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(np.asarray(gx), [2.0, 4.0])
    assert gy is None


def test_non_persistent_tape_refuses_second_gradient():
    x = lm.Variable(np.ones(3, np.float32))
    with lm.GradientTape() as tape:
        y = ops.sum(x * x)
    tape.gradient(y, x)
    with pytest.raises(RuntimeError):
        tape.gradient(y, x)


def test_persistent_tape_and_stop_gradient():
    x = lm.Variable(np.array([1.0, 2.0, 3.0], np.float32))
    with lm.GradientTape(persistent=True) as tape:
        y = ops.sum(x * x)
        z = ops.sum(x * lm.stop_gradient(x))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [2, 4, 6])
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [2, 4, 6])
    np.testing.assert_allclose(np.asarray(tape.gradient(z, x)), [1, 2, 3])


def test_no_recording_outside_a_tape():
    x = lm.Variable(np.ones(3, np.float32))
    y = x * 2.0
    assert not y._tracked


def test_variable_assign_keeps_tracking():
    v = lm.Variable(np.zeros((2, 2), np.float32), name="v")
    v.assign(np.ones((2, 2)))
    v.assign_add(np.ones((2, 2)))
    v.assign_sub(np.full((2, 2), 0.5))
    np.testing.assert_allclose(v.numpy(), np.full((2, 2), 1.5))
    with lm.GradientTape() as tape:
        y = ops.sum(v * 3.0)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, v)), np.full((2, 2), 3.0))
    with pytest.raises(ValueError, match=r"shape"):
        v.assign(np.ones(3))


def test_shape_errors_name_the_op_and_shapes():
    a, b = lm.tensor(np.ones((2, 3))), lm.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"add.*\[2, 3\].*\[4, 5\]"):
        _ = a + b
    with pytest.raises(ValueError, match=r"matmul"):
        ops.matmul(a, b)
    with pytest.raises(IndexError, match=r"axis 3"):
        ops.sum(a, axis=3)
    with pytest.raises(ValueError, match=r"reshape"):
        ops.reshape(a, (4, 2))


def test_huge_allocation_is_memory_error():
    with pytest.raises(MemoryError):
        ops.broadcast_to(lm.tensor(np.ones(1, np.float32)), (1 << 40,)) + 1.0
