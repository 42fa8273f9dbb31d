"""Indexing: Tensor.__getitem__ (basic and advanced), slice, slice_update, take, gather,
take_along_axis, scatter, scatter_update, one_hot."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


BASIC_KEYS = [
    1,
    -1,
    (0, 2),
    (-2, -1, 0),
    slice(None),
    slice(1, None),
    slice(None, None, -1),
    (slice(None, None, 2), slice(3, 0, -2)),
    (Ellipsis, 1),
    (1, Ellipsis),
    (None, 0),
    (slice(None), None, slice(1, 3)),
    (Ellipsis, None),
    (0, Ellipsis, None, slice(None, None, -3)),
    (slice(10, 20),),
    (slice(-100, 100, 3), 1),
    (),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_indexing_matches_numpy_and_differentiates(rng, key):
    x = rng.standard_normal((3, 4, 5))
    check_op(lambda t: t[key], lambda a: a[key], x)


def test_basic_index_is_a_view():
    t = lm.tensor(np.arange(24.0).reshape(2, 3, 4))
    for key in [(1,), (slice(None), slice(None, None, -1)), (None, Ellipsis, 2)]:
        v = t[key]
        assert np.shares_memory(np.asarray(v), np.asarray(t)), key


def test_index_with_numpy_ints_and_int_tensors():
    x = np.arange(12.0).reshape(3, 4)
    t = lm.tensor(x)
    np.testing.assert_array_equal(np.asarray(t[np.int64(2)]), x[2])
    np.testing.assert_array_equal(np.asarray(t[lm.tensor(1), np.int32(-1)]), x[1, -1])
    np.testing.assert_array_equal(np.asarray(t[np.array(1)]), x[1])
    np.testing.assert_array_equal(np.asarray(t[1:lm.tensor(3)]), x[1:3])


ADVANCED_KEYS = [
    [2, 0, 2],
    ([0, -1],),
    (slice(None), [3, 1, 3]),
    (Ellipsis, [[0, 1], [4, 4]]),
    ([0, 2], [1, 3]),
    ([[0], [2]], [1, 3]),
    (1, slice(None), [0, 4]),  # separated by a slice: the indexed axes go first (numpy)
    ([0, 1], slice(1, 3), [2, 4]),
    (slice(None), [1, 2], [0, 4]),
    (None, [1], slice(None), -1),
    ([2, 2, 2], Ellipsis, None),
    (np.array([1, 0]), np.array([[3], [2]]), slice(None, None, -2)),
]


@pytest.mark.parametrize("key", ADVANCED_KEYS, ids=repr)
def test_advanced_indexing_matches_numpy_and_differentiates(rng, key):
    x = rng.standard_normal((3, 4, 5))
    check_op(lambda t: t[key], lambda a: a[key], x)


def test_index_with_int_tensors_and_arrays(rng):
    x = rng.standard_normal((5, 3))
    idx = np.array([4, 0, 4, 1], np.int64)
    check_op(lambda t: t[lm.tensor(idx)], lambda a: a[idx], x)
    check_op(lambda t: t[lm.tensor(idx.astype(np.int32)), 1:], lambda a: a[idx, 1:], x)
    check_op(lambda t: t[idx.reshape(2, 2)], lambda a: a[idx.reshape(2, 2)], x)


def test_repeated_indices_accumulate_gradient():
    x = lm.tensor(np.zeros(4))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(x[[1, 1, 3, 1]])
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x)), [0, 3, 0, 1])


def test_boolean_masks(rng):
    x = rng.standard_normal((3, 4))
    mask = x > 0
    check_op(lambda t: t[mask], lambda a: a[mask], x)
    rows = np.array([True, False, True])
    check_op(lambda t: t[rows], lambda a: a[rows], x)
    check_op(lambda t: t[:, [True, False, False, True]], lambda a: a[:, [True, False, False, True]], x)
    check_op(lambda t: t[lm.tensor(rows), 1:], lambda a: a[rows, 1:], x)
    x3 = rng.standard_normal((2, 3, 4))
    m2 = x3[0] > 0
    check_op(lambda t: t[:, m2], lambda a: a[:, m2], x3)
    none = np.zeros((3, 4), bool)
    assert lm.tensor(x)[none].shape == (0,)


def test_indexing_int_and_bool_tensors():
    i = np.arange(12, dtype=np.int32).reshape(3, 4)
    t = lm.tensor(i)
    out = t[[2, 0], ::-1]
    assert out.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(out), i[[2, 0], ::-1])
    b = lm.tensor(i % 3 == 0)
    np.testing.assert_array_equal(np.asarray(b[1]), (i % 3 == 0)[1])
    np.testing.assert_array_equal(np.asarray(t[b]), i[i % 3 == 0])


def test_empty_and_size_one_axes(rng):
    x = rng.standard_normal((1, 4))
    check_op(lambda t: t[0, 1:1], lambda a: a[0, 1:1], x, grad=False)
    check_op(lambda t: t[:, [0, 0]], lambda a: a[:, [0, 0]], x)
    e = lm.tensor(np.zeros((0, 3)))
    assert e[:, 1].shape == (0,)
    assert e[[]].shape == (0, 3)


def test_large_advanced_gather(rng):
    x = rng.standard_normal((600, 80)).astype(np.float32)
    idx = rng.integers(-600, 600, 4000)
    np.testing.assert_array_equal(np.asarray(lm.tensor(x)[idx]), x[idx])
    cols = rng.integers(0, 80, 700)
    np.testing.assert_array_equal(np.asarray(lm.tensor(x)[:, cols]), x[:, cols])


def test_index_errors():
    t = lm.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        t[0, 3]
    with pytest.raises(IndexError, match="index -3 is out of bounds for axis 0 with size 2"):
        t[-3]
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 2"):
        t[[0, 5]]
    with pytest.raises(IndexError, match="too many indices.*2-dimensional, but 3"):
        t[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        t[..., ...]
    with pytest.raises(IndexError, match="valid indices"):
        t[1.5]
    with pytest.raises(IndexError, match="valid indices"):
        t[lm.tensor([0.0])]
    with pytest.raises(IndexError, match="boolean index did not match.*axis 0.*size of axis is 2.*3"):
        t[np.array([True, False, True])]
    with pytest.raises(IndexError, match="could not be broadcast"):
        t[[0, 1], [0, 1, 2]]
    with pytest.raises(ValueError, match="step cannot be zero"):
        t[::0]


# --- slice / slice_update --------------------------------------------------------------------

def test_slice(rng):
    x = rng.standard_normal((4, 5, 3))
    check_op(lambda t: ops.slice(t, (1, 0, 2), (2, 5, 1)), lambda a: a[1:3, 0:5, 2:3], x)
    check_op(lambda t: ops.slice(t, [0, 2, 0], [-1, 2, -1]), lambda a: a[:, 2:4, :], x)
    v = ops.slice(lm.tensor(x), (1, 1, 1), (1, 1, 1))
    assert v.shape == (1, 1, 1)
    with pytest.raises(IndexError, match=r"slice.*\[3, 0, 0\].*\[2, 1, 1\].*\[4, 5, 3\]"):
        ops.slice(lm.tensor(x), (3, 0, 0), (2, 1, 1))
    with pytest.raises(ValueError, match="slice.*one entry per axis"):
        ops.slice(lm.tensor(x), (0, 0), (1, 1))


def test_slice_update(rng):
    x = rng.standard_normal((4, 5))
    u = rng.standard_normal((2, 3))

    def ref(a, b):
        out = a.copy()
        out[1:3, 2:5] = b
        return out

    check_op(lambda a, b: ops.slice_update(a, (1, 2), b), ref, x, u)
    t = lm.tensor(x)
    before = np.asarray(t).copy()
    ops.slice_update(t, (0, 0), np.ones((1, 1)))
    np.testing.assert_array_equal(np.asarray(t), before)  # the input is not modified
    i = ops.slice_update(np.zeros((2, 3), np.int32), (0, 1), np.array([[7.9, 8.2]]))
    assert i.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(i), [[0, 7, 8], [0, 0, 0]])
    with pytest.raises(IndexError, match="slice_update"):
        ops.slice_update(t, (3, 0), np.ones((2, 2)))
    with pytest.raises(ValueError, match="slice_update.*rank"):
        ops.slice_update(t, (0, 0), np.ones(2))


# --- take / gather / take_along_axis ---------------------------------------------------------

def test_take(rng):
    x = rng.standard_normal((4, 5))
    idx = np.array([3, 0, -1, 3], np.int32)
    check_op(lambda t: ops.take(t, idx), lambda a: np.take(a, idx), x)
    check_op(lambda t: ops.take(t, idx, axis=0), lambda a: np.take(a, idx, axis=0), x)
    check_op(lambda t: ops.take(t, idx.reshape(2, 2), axis=1), lambda a: np.take(a, idx.reshape(2, 2), axis=1), x)
    check_op(lambda t: ops.take(t, 2, axis=-1), lambda a: np.take(a, 2, axis=-1), x)
    check_op(lambda t: ops.gather(t, [1, 1], axis=1), lambda a: np.take(a, [1, 1], axis=1), x)
    ints = np.arange(6, dtype=np.int64).reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(ops.take(ints, [2, 0], axis=1)), ints[:, [2, 0]])


def test_take_gradient_accumulates_repeats():
    x = lm.tensor(np.ones((3, 2)))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.take(x, [0, 2, 0, 0], axis=0))
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x)), [[3, 3], [0, 0], [1, 1]])


def test_take_errors():
    x = lm.tensor(np.ones((3, 2)))
    with pytest.raises(IndexError, match="index 3 is out of bounds.*size 3"):
        ops.take(x, [0, 3], axis=0)
    with pytest.raises(IndexError, match="index -7 is out of bounds.*size 6"):
        ops.take(x, -7)
    with pytest.raises(TypeError, match="take: indices must be integers"):
        ops.take(x, [0.5])
    with pytest.raises(IndexError, match="take: axis 2"):
        ops.take(x, [0], axis=2)


def test_large_take(rng):
    x = rng.standard_normal((1000, 64)).astype(np.float32)
    idx = rng.integers(0, 1000, 5000)
    np.testing.assert_array_equal(np.asarray(ops.take(x, idx, axis=0)), x[idx])


def test_take_along_axis(rng):
    x = rng.standard_normal((3, 4))
    idx = rng.integers(-4, 4, (3, 6))
    check_op(lambda t: ops.take_along_axis(t, idx, axis=1), lambda a: np.take_along_axis(a, idx, axis=1), x)
    idx0 = rng.integers(0, 3, (2, 4))
    check_op(lambda t: ops.take_along_axis(t, idx0, axis=0), lambda a: np.take_along_axis(a, idx0, axis=0), x)
    flat = rng.integers(0, 12, 5)
    check_op(lambda t: ops.take_along_axis(t, flat, axis=None), lambda a: np.take_along_axis(a.ravel(), flat, axis=0), x)
    # Other axes broadcast: one index row for every row of x.
    row = np.array([[3, 0]])
    check_op(lambda t: ops.take_along_axis(t, row, axis=1), lambda a: np.take_along_axis(a, np.broadcast_to(row, (3, 2)), axis=1), x)
    # argsort-style use.
    order = np.argsort(x, axis=-1)
    np.testing.assert_allclose(np.asarray(ops.take_along_axis(x, order, axis=-1)), np.sort(x, axis=-1))
    with pytest.raises(ValueError, match="take_along_axis.*rank"):
        ops.take_along_axis(x, np.zeros(3, np.int32), axis=0)


# --- scatter / scatter_update ----------------------------------------------------------------

def test_scatter(rng):
    indices = np.array([[0, 1], [2, 0], [0, 1]])
    values = rng.standard_normal(3)

    def ref(v):
        out = np.zeros((3, 2), v.dtype)
        np.add.at(out, (indices[:, 0], indices[:, 1]), v)
        return out

    check_op(lambda v: ops.scatter(indices, v, (3, 2)), ref, values)
    rows = np.array([[1], [1]])
    vals = rng.standard_normal((2, 4))

    def ref_rows(v):
        out = np.zeros((3, 4), v.dtype)
        np.add.at(out, rows[:, 0], v)
        return out

    check_op(lambda v: ops.scatter(rows, v, (3, 4)), ref_rows, vals)
    with pytest.raises(ValueError, match="scatter: indices of shape"):
        ops.scatter(np.zeros((2, 3), np.int32), np.ones(2), (3, 2))


def test_scatter_update(rng):
    x = rng.standard_normal((3, 4))
    indices = np.array([[2], [0]])
    updates = rng.standard_normal((2, 4))

    def ref(a, u):
        out = a.copy()
        out[indices[:, 0]] = u
        return out

    check_op(lambda a, u: ops.scatter_update(a, indices, u), ref, x, updates)
    out = ops.scatter_update(np.zeros((2, 2), np.int32), [[0, 1]], [5])
    np.testing.assert_array_equal(np.asarray(out), [[0, 5], [0, 0]])


# --- one_hot ---------------------------------------------------------------------------------

def test_one_hot():
    labels = np.array([[0, 2], [1, 5]], np.int32)
    out = ops.one_hot(labels, 3)
    assert out.dtype == "float32" and out.shape == (2, 2, 3)
    want = np.zeros((2, 2, 3), np.float32)
    for (i, j), c in np.ndenumerate(labels):
        if c < 3:
            want[i, j, c] = 1
    np.testing.assert_array_equal(np.asarray(out), want)
    np.testing.assert_array_equal(np.asarray(ops.one_hot(labels, 3, axis=0)), np.moveaxis(want, -1, 0))
    np.testing.assert_array_equal(np.asarray(ops.one_hot(labels, 3, axis=1)), np.moveaxis(want, -1, 1))
    assert ops.one_hot([1, -1], 2, dtype="int32").dtype == "int32"
    np.testing.assert_array_equal(np.asarray(ops.one_hot([1, -1], 2)), [[0, 1], [0, 0]])
    with pytest.raises(TypeError, match="one_hot.*integer"):
        ops.one_hot(np.array([0.5]), 2)


def test_variable_indexing_is_differentiable():
    v = lm.Variable(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    with lm.GradientTape() as tape:
        y = ops.sum(v[1, ::-2] * 2.0) + ops.sum(v[:, [0, 0]])
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, v)), [[2, 0, 0], [4, 0, 2]])
    assert lm.random is not None and lm.utils.set_random_seed is not None


def _random_key(rng, shape):
    items, axis, ellipsis = [], 0, False
    for _ in range(rng.integers(0, len(shape) + 2)):
        kind = rng.integers(0, 7)
        d = shape[axis] if axis < len(shape) else 3
        if kind == 0:
            items.append(int(rng.integers(-d - 1, d + 1)))
            axis += 1
        elif kind == 1:
            items.append(slice(rng.choice([None, *range(-5, 6)]), rng.choice([None, *range(-5, 6)]),
                               rng.choice([None, 1, 2, 3, -1, -2])))
            axis += 1
        elif kind == 2:
            items.append(None)
        elif kind == 3 and not ellipsis:
            items.append(Ellipsis)
            ellipsis = True
        elif kind == 4:
            items.append(rng.integers(-d, max(d, 1), tuple(rng.integers(1, 3, rng.integers(0, 3)))))
            axis += 1
        elif kind == 5:
            items.append([int(v) for v in rng.integers(-d, max(d, 1), rng.integers(1, 4))])
            axis += 1
        elif kind == 6 and axis < len(shape):
            k = int(rng.integers(1, len(shape) - axis + 1))
            items.append(rng.random(shape[axis:axis + k]) > 0.5)
            axis += k
    return tuple(items)


def test_random_keys_match_numpy():
    """Random mixes of ints, slices, None, Ellipsis, int arrays, lists and masks, on shapes
    with empty and size-1 axes: same result as numpy, or an error where numpy errs."""
    rng = np.random.default_rng(123)
    for _ in range(1500):
        shape = tuple(int(v) for v in rng.integers(0, 5, rng.integers(0, 4)))
        x = rng.standard_normal(shape)
        key = _random_key(rng, shape)
        try:
            want = x[key]
        except (IndexError, ValueError):
            with pytest.raises((IndexError, ValueError)):
                lm.tensor(x)[key]
            continue
        got = np.asarray(lm.tensor(x)[key])
        assert got.shape == want.shape, key
        np.testing.assert_array_equal(got, want, err_msg=repr(key))


# --- the gpu device: int dtypes, repeated positions, indices on the gpu ----------------------

def _gpu_or_skip():
    if "gpu" not in lm.list_devices():
        pytest.skip("gpu: no GPU adapter")


def test_index_ops_keep_int_dtypes(rng):
    # int64 moves as two 32-bit words on the gpu; int32/bool as one (gathers and writes)
    x64 = np.array([[1 << 40, -3, 7], [5, -(1 << 35), 0]], np.int64)
    check_op(lambda t: t[:, [2, 0, 2]], lambda a: a[:, [2, 0, 2]], x64, grad=False)
    check_op(lambda t: t[np.array([True, False])], lambda a: a[np.array([True, False])], x64, grad=False)
    check_op(lambda t: ops.take(t, [1, 0], axis=0), lambda a: np.take(a, [1, 0], axis=0), x64, grad=False)
    idx = np.array([[2, 0], [1, 1]])
    check_op(lambda t: ops.take_along_axis(t, idx, axis=1), lambda a: np.take_along_axis(a, idx, axis=1), x64, grad=False)

    def ref_update(a):
        out = a.copy()
        out[1, 2] = -9
        return out
    check_op(lambda t: ops.scatter_update(t, [[1, 2]], lm.tensor(np.array([-9], np.int64))), ref_update, x64, grad=False)
    b = rng.random((3, 4)) > 0.5
    check_op(lambda t: ops.slice_update(t, (1, 1), lm.tensor(np.ones((2, 2), bool))),
             lambda a: np.concatenate([a[:1], np.concatenate([a[1:, :1], np.ones((2, 2), bool), a[1:, 3:]], 1)]), b, grad=False)
    # int32 scatter sums repeated positions exactly (atomic integer adds on the gpu)
    ind = np.array([[0], [2], [0], [0]])

    def ref_scatter(v):
        out = np.zeros(3, v.dtype)
        np.add.at(out, ind[:, 0], v)
        return out
    check_op(lambda v: ops.scatter(ind, v, (3,)), ref_scatter, np.array([1, 2, 3, 4], np.int32), grad=False)


def test_one_hot_forms(rng):
    labels = np.array([[0, 2, -1], [1, 5, 2]], np.int32)
    check_op(lambda t: ops.one_hot(t, 3), lambda a: (a[..., None] == np.arange(3)).astype(np.float32), labels, grad=False)
    check_op(lambda t: ops.one_hot(t, 4, axis=0, dtype="int32"),
             lambda a: np.moveaxis(a[..., None] == np.arange(4), -1, 0).astype(np.int32), labels, grad=False)
    check_op(lambda t: ops.one_hot(t, 3), lambda a: (a[..., None] == np.arange(3)).astype(np.float32), labels.astype(np.int64), grad=False)


def test_many_repeated_indices_accumulate(rng):
    # 300 contributions to 4 rows: the scatter-add of the gradient must keep every one
    x = rng.standard_normal((4, 3))
    idx = rng.integers(0, 4, 300)
    check_op(lambda t: ops.take(t, idx, axis=0), lambda a: np.take(a, idx, axis=0), x, noncontiguous=False)
    check_op(lambda t: t[idx, 1:], lambda a: a[idx, 1:], x, noncontiguous=False)


def test_gpu_index_results_stay_on_the_gpu(rng):
    _gpu_or_skip()
    with lm.device("gpu"):
        x = lm.tensor(rng.standard_normal((4, 5)).astype(np.float32))
        gidx = lm.tensor(np.array([3, 0, 3], np.int32))
        outs = [x[gidx], x[:, gidx], ops.take(x, gidx, axis=1), ops.one_hot(gidx, 4),
                ops.scatter(np.array([[1], [1]]), x[:2], (3, 5)), ops.slice_update(x, (0, 0), x[:1, :2])]
        for o in outs:
            assert o.device == "gpu"
        np.testing.assert_array_equal(np.asarray(outs[0]), np.asarray(x)[[3, 0, 3]])
