"""Shape ops: concatenate, stack, unstack, split, tile, repeat, flip, swapaxes, moveaxis, ravel, pad."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


# --- concatenate / stack ---------------------------------------------------------------------

def test_concatenate(rng):
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 1)), rng.standard_normal((2, 4))
    check_op(lambda x, y, z: ops.concatenate([x, y, z], axis=1), lambda x, y, z: np.concatenate([x, y, z], axis=1), a, b, c)
    check_op(lambda x, y: ops.concatenate([x, y]), lambda x, y: np.concatenate([x, y]), a, rng.standard_normal((4, 3)))
    check_op(lambda x, y: ops.concatenate([x, y], axis=-1), lambda x, y: np.concatenate([x, y], axis=-1),
             rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 5)))


def test_concatenate_empty_piece_and_1d(rng):
    a = rng.standard_normal((3, 0))
    b = rng.standard_normal((3, 2))
    # (op_check cannot finite-difference an empty array, so the empty piece is a constant.)
    check_op(lambda y: ops.concatenate([lm.tensor(a, dtype=y.dtype), y], axis=1), lambda y: np.concatenate([a.astype(y.dtype), y], axis=1), b)
    check_op(lambda x, y: ops.concatenate([x, y]), lambda x, y: np.concatenate([x, y]), rng.standard_normal(3), rng.standard_normal(1))


def test_concatenate_dtypes():
    i = np.arange(4, dtype=np.int32).reshape(2, 2)
    f = np.ones((2, 1), np.float32)
    out = ops.concatenate([i, f], axis=1)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(out), np.concatenate([i, f], axis=1))
    bools = ops.concatenate([np.array([True]), np.array([False, True])])
    assert bools.dtype == "bool"
    np.testing.assert_array_equal(np.asarray(bools), [True, False, True])
    i64 = ops.concatenate([np.arange(3, dtype=np.int64), np.arange(2, dtype=np.int32)])
    assert i64.dtype == "int64"


def test_concatenate_large_parallel_paths(rng):
    # Big enough to split over threads, along the inner and the leading axis, with views.
    a = rng.standard_normal((1000, 300)).astype(np.float32)
    b = rng.standard_normal((1000, 200)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ops.concatenate([a, b], axis=1)), np.concatenate([a, b], axis=1))
    np.testing.assert_array_equal(np.asarray(ops.concatenate([a, a], axis=0)), np.concatenate([a, a], axis=0))
    at = ops.transpose(lm.tensor(a))
    np.testing.assert_array_equal(np.asarray(ops.concatenate([at, at], axis=1)), np.concatenate([a.T, a.T], axis=1))
    one = rng.standard_normal((1, 200000)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ops.concatenate([one, one], axis=1)), np.concatenate([one, one], axis=1))


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"concatenate.*\[2, 3\].*\[3, 3\]"):
        ops.concatenate([np.ones((2, 3)), np.ones((3, 3))], axis=1)
    with pytest.raises(ValueError, match="concatenate"):
        ops.concatenate([])
    with pytest.raises(ValueError, match="zero-dimensional"):
        ops.concatenate([np.float32(1.0), np.float32(2.0)])
    with pytest.raises(IndexError, match="axis 2"):
        ops.concatenate([np.ones((2, 3))], axis=2)


def test_stack(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for axis in (0, 1, 2, -1):
        check_op(lambda x, y, axis=axis: ops.stack([x, y], axis=axis), lambda x, y, axis=axis: np.stack([x, y], axis=axis), a, b)
    check_op(lambda x: ops.stack([x, x, x]), lambda x: np.stack([x, x, x]), rng.standard_normal(4))
    with pytest.raises(ValueError, match=r"stack.*\[2, 3\].*\[3, 2\]"):
        ops.stack([np.ones((2, 3)), np.ones((3, 2))])


def test_unstack(rng):
    x = rng.standard_normal((3, 4, 2))
    check_op(lambda t: ops.unstack(t), lambda a: list(a), x)
    check_op(lambda t: ops.unstack(t, axis=1), lambda a: list(np.moveaxis(a, 1, 0)), x)
    check_op(lambda t: ops.unstack(t, num=2, axis=-1)[1], lambda a: a[..., 1], x)
    with pytest.raises(ValueError, match="num=3"):
        ops.unstack(lm.tensor(x), num=3, axis=1)


# --- split -----------------------------------------------------------------------------------

def test_split(rng):
    x = rng.standard_normal((6, 4))
    check_op(lambda t: ops.split(t, 3), lambda a: np.split(a, 3), x)
    check_op(lambda t: ops.split(t, [1, 3], axis=1), lambda a: np.split(a, [1, 3], axis=1), x)
    check_op(lambda t: ops.split(t, [2, -1]), lambda a: np.split(a, [2, -1]), x)
    # Unsorted cut points give overlapping pieces; their gradients add up.
    check_op(lambda t: ops.split(t, [4, 2]), lambda a: np.split(a, [4, 2]), x)


def test_split_pieces_are_views():
    x = lm.tensor(np.arange(12.0).reshape(4, 3))
    pieces = ops.split(x, 2)
    assert np.shares_memory(np.asarray(pieces[1]), np.asarray(x))


def test_split_errors():
    with pytest.raises(ValueError, match="split.*size 5.*3 equal"):
        ops.split(np.ones(5), 3)
    with pytest.raises(ValueError, match="positive"):
        ops.split(np.ones(5), 0)


# --- tile / repeat ---------------------------------------------------------------------------

def test_tile(rng):
    x = rng.standard_normal((2, 3))
    check_op(lambda t: ops.tile(t, (2, 3)), lambda a: np.tile(a, (2, 3)), x)
    check_op(lambda t: ops.tile(t, 2), lambda a: np.tile(a, 2), x)
    check_op(lambda t: ops.tile(t, (2, 1, 2)), lambda a: np.tile(a, (2, 1, 2)), x)
    check_op(lambda t: ops.tile(t, (0, 2)), lambda a: np.tile(a, (0, 2)), x, grad=False)
    np.testing.assert_array_equal(np.asarray(ops.tile(np.arange(3, dtype=np.int32), (2, 2))), np.tile(np.arange(3), (2, 2)))
    big = rng.standard_normal((128, 128)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ops.tile(big, (4, 5))), np.tile(big, (4, 5)))


def test_repeat(rng):
    x = rng.standard_normal((2, 3))
    check_op(lambda t: ops.repeat(t, 2), lambda a: np.repeat(a, 2), x)
    check_op(lambda t: ops.repeat(t, 3, axis=1), lambda a: np.repeat(a, 3, axis=1), x)
    check_op(lambda t: ops.repeat(t, [1, 0, 2], axis=-1), lambda a: np.repeat(a, [1, 0, 2], axis=-1), x)
    check_op(lambda t: ops.repeat(t, [2, 1], axis=0), lambda a: np.repeat(a, [2, 1], axis=0), x)
    np.testing.assert_array_equal(np.asarray(ops.repeat(np.array([True, False]), 2)), [True, True, False, False])
    with pytest.raises(ValueError, match="repeat.*size 3.*2 counts"):
        ops.repeat(lm.tensor(x), [1, 2], axis=1)
    with pytest.raises(ValueError, match="non-negative"):
        ops.repeat(lm.tensor(x), -1)


# --- views: flip, swapaxes, moveaxis, ravel --------------------------------------------------

def test_flip(rng):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: ops.flip(t), lambda a: np.flip(a), x)
    check_op(lambda t: ops.flip(t, axis=1), lambda a: np.flip(a, axis=1), x)
    check_op(lambda t: ops.flip(t, axis=(0, -1)), lambda a: np.flip(a, axis=(0, -1)), x)
    t = lm.tensor(x)
    f = ops.flip(t, axis=2)
    assert np.asarray(f).strides[2] < 0
    assert np.shares_memory(np.asarray(f), np.asarray(t))
    # A flipped view feeds other ops like any tensor.
    np.testing.assert_allclose(np.asarray(ops.add(f, 1.0)), np.flip(x, 2) + 1.0)
    np.testing.assert_array_equal(np.asarray(ops.flip(np.arange(4, dtype=np.int32))), [3, 2, 1, 0])
    np.testing.assert_array_equal(np.asarray(ops.flip(np.zeros((0, 2)), 0)), np.zeros((0, 2)))


def test_swapaxes_moveaxis_ravel(rng):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: ops.swapaxes(t, 0, 2), lambda a: np.swapaxes(a, 0, 2), x)
    check_op(lambda t: ops.moveaxis(t, 0, -1), lambda a: np.moveaxis(a, 0, -1), x)
    check_op(lambda t: ops.moveaxis(t, [0, 1], [2, 0]), lambda a: np.moveaxis(a, [0, 1], [2, 0]), x)
    check_op(ops.ravel, np.ravel, x)
    check_op(ops.flatten, np.ravel, x)
    with pytest.raises(IndexError, match="moveaxis.*repeated"):
        ops.moveaxis(lm.tensor(x), [0, 0], [1, 2])
    with pytest.raises(IndexError, match="swapaxes.*axis 3"):
        ops.swapaxes(lm.tensor(x), 0, 3)


# --- pad -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["constant", "reflect", "symmetric"])
def test_pad_modes(rng, mode):
    x = rng.standard_normal((3, 4))
    widths = [((1, 2), (2, 0)), ((0, 0), (3, 1)), ((2, 2), (1, 1)), ((2, 1), (0, 0))]
    for w in widths:
        check_op(lambda t, w=w: ops.pad(t, w, mode=mode), lambda a, w=w: np.pad(a, w, mode=mode), x)
    check_op(lambda t: ops.pad(t, 1, mode=mode), lambda a: np.pad(a, 1, mode=mode), rng.standard_normal((2, 3, 4)))


def test_pad_constant_values_and_forms(rng):
    x = rng.standard_normal((2, 3))
    check_op(lambda t: ops.pad(t, (1, 2), constant_values=1.5), lambda a: np.pad(a, (1, 2), constant_values=1.5), x)
    check_op(lambda t: ops.pad(t, [[2, 0]]), lambda a: np.pad(a, [[2, 0]]), x)
    check_op(lambda t: ops.pad(t, 0), lambda a: np.pad(a, 0), x)
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = ops.pad(i, ((1, 0), (0, 1)), constant_values=-1)
    assert out.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(out), np.pad(i, ((1, 0), (0, 1)), constant_values=-1))
    np.testing.assert_array_equal(np.asarray(ops.pad(np.array([True]), 1)), [False, True, False])
    big = rng.standard_normal((600, 500)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ops.pad(big, ((3, 1), (2, 5)))), np.pad(big, ((3, 1), (2, 5))))
    bt = lm.tensor(big.T.copy()).T
    np.testing.assert_array_equal(np.asarray(ops.pad(bt, ((3, 1), (2, 5)), mode="reflect")), np.pad(big, ((3, 1), (2, 5)), mode="reflect"))


def test_pad_errors():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="reflect.*axis 0 of size 2.*at most 1"):
        ops.pad(x, ((2, 0), (0, 0)), mode="reflect")
    with pytest.raises(ValueError, match="symmetric.*at most 3"):
        ops.pad(x, ((0, 0), (0, 4)), mode="symmetric")
    with pytest.raises(ValueError, match="unknown mode 'edge'"):
        ops.pad(x, 1, mode="edge")
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(x, 1, mode="reflect", constant_values=2)
    with pytest.raises(ValueError, match="pad_width"):
        ops.pad(x, [(1, 1), (1, 1), (1, 1)])
    with pytest.raises(ValueError, match="non-negative"):
        ops.pad(x, -1)


def test_reshape_family_still_works(rng):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: ops.reshape(t, (4, -1)), lambda a: a.reshape(4, -1), x)
    check_op(lambda t: ops.squeeze(ops.expand_dims(t, 0), 0), lambda a: a, x)


@pytest.mark.parametrize("mode", ["constant", "reflect", "symmetric"])
def test_pad_int_and_bool_dtypes(rng, mode):
    widths = ((1, 2), (2, 0))
    for a in (rng.integers(-5, 5, (3, 4)).astype(np.int32), rng.integers(-5, 5, (3, 4)).astype(np.int64) << 33,
              rng.random((3, 4)) > 0.5):
        kw = {"constant_values": 1} if mode == "constant" else {}
        check_op(lambda t, kw=kw: ops.pad(t, widths, mode=mode, **kw), lambda x, kw=kw: np.pad(x, widths, mode=mode, **kw), a, grad=False)


def test_split_with_unsorted_cuts_differentiates(rng):
    # overlapping pieces: the backward scatters each piece's gradient into place
    x = rng.standard_normal((3, 5))
    check_op(lambda t: ops.split(t, [3, 1], axis=1), lambda a: np.split(a, [3, 1], axis=1), x)
    check_op(lambda t: ops.repeat(t, [2, 0, 1], axis=0), lambda a: np.repeat(a, [2, 0, 1], axis=0), x)
