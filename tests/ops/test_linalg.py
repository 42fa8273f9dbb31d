"""Linear algebra ops: matmul, dot, tensordot, einsum, outer, inner, vdot, trace, diagonal."""

import sys
import threading
import time

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_forward, check_op

TOL = dict(rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------------
# matmul


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3, 4), (4, 5)),
        ((2, 3, 4), (4, 2)),  # batch against a shared matrix
        ((3, 4), (2, 4, 5)),  # shared matrix against a batch
        ((2, 1, 3, 4), (3, 4, 2)),  # broadcast batch axes on both sides
        ((1, 4), (4, 1)),
        ((13, 17), (17, 33)),  # partial tiles in every direction
    ],
)
def test_matmul_shapes(rng, sa, sb):
    check_op(ops.matmul, np.matmul, rng.standard_normal(sa), rng.standard_normal(sb), **TOL)


@pytest.mark.parametrize("sa,sb", [((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3))])
def test_matmul_vectors(rng, sa, sb):
    check_op(ops.matmul, np.matmul, rng.standard_normal(sa), rng.standard_normal(sb), noncontiguous=False, **TOL)


def test_matmul_transposed_views_match(rng):
    # x^T @ g and g @ W^T through views, as in a Dense layer's backward.
    x = rng.standard_normal((128, 78)).astype(np.float32)
    g = rng.standard_normal((128, 25)).astype(np.float32)
    w = rng.standard_normal((78, 25)).astype(np.float32)
    tx, tg, tw = lm.tensor(x), lm.tensor(g), lm.tensor(w)
    np.testing.assert_allclose(ops.matmul(ops.transpose(tx), tg), x.T @ g, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ops.matmul(tg, ops.transpose(tw)), g @ w.T, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m,k,n", [(128, 784, 256), (128, 256, 10), (300, 200, 500), (1, 300, 700), (700, 300, 1), (257, 513, 129)])
def test_matmul_large_against_numpy(rng, m, k, n):
    # Exercises the threaded path, several k blocks and the transposed orientation (n small).
    for dt, tol in (("float32", 2e-4), ("float64", 1e-10)):
        a = rng.standard_normal((m, k)).astype(dt)
        b = rng.standard_normal((k, n)).astype(dt)
        got = np.asarray(ops.matmul(lm.tensor(a), lm.tensor(b)))
        assert got.dtype == dt
        np.testing.assert_allclose(got, a @ b, rtol=tol, atol=tol * np.sqrt(k))


def test_matmul_reversed_and_strided_views(rng):
    a = rng.standard_normal((6, 8))
    b = rng.standard_normal((8, 5))
    ta, tb = lm.tensor(a), lm.tensor(b)
    # A reversed row order via a negative-stride view made by the engine (flip through numpy
    # is copied on conversion), and every other column.
    np.testing.assert_allclose(ops.matmul(ops.transpose(ta), ops.transpose(ops.transpose(ta))), a.T @ a, rtol=1e-12)
    np.testing.assert_allclose(ops.matmul(ta, tb), a @ b, rtol=1e-12)


def test_matmul_empty_and_zero_k(rng):
    check_forward(ops.matmul, np.matmul, np.zeros((0, 3)), rng.standard_normal((3, 4)))
    check_forward(ops.matmul, np.matmul, rng.standard_normal((2, 0)), rng.standard_normal((0, 4)))
    check_forward(ops.matmul, np.matmul, np.zeros((2, 0, 3)), rng.standard_normal((3, 4)))
    check_op(ops.matmul, np.matmul, rng.standard_normal((2, 1)), rng.standard_normal((1, 3)), **TOL)


def test_matmul_int_and_bool_dtypes():
    a = np.arange(12, dtype=np.int32).reshape(3, 4) - 5
    b = np.arange(8, dtype=np.int32).reshape(4, 2)
    got = ops.matmul(lm.tensor(a), lm.tensor(b))
    assert got.dtype == "int32"
    np.testing.assert_array_equal(got, a @ b)
    got64 = ops.matmul(lm.tensor(a.astype(np.int64)), lm.tensor(b))
    assert got64.dtype == "int64"
    np.testing.assert_array_equal(got64, a @ b)
    m = np.array([[True, False], [True, True]])
    got_b = ops.matmul(lm.tensor(m), lm.tensor(m))
    assert got_b.dtype == "int32"
    np.testing.assert_array_equal(got_b, m.astype(np.int32) @ m.astype(np.int32))
    mixed = ops.matmul(lm.tensor(a), lm.tensor(b.astype(np.float32)))
    assert mixed.dtype == "float32"
    np.testing.assert_allclose(mixed, (a @ b).astype(np.float32))


def test_matmul_operator_and_errors(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    np.testing.assert_allclose(lm.tensor(a) @ lm.tensor(b), a @ b, rtol=1e-12)
    np.testing.assert_allclose(a @ lm.tensor(b), a @ b, rtol=1e-12)
    with pytest.raises(ValueError, match=r"matmul: the last axis .*\(4\).*\(3\)"):
        ops.matmul(lm.tensor(a), lm.tensor(a))
    with pytest.raises(ValueError, match="matmul: operands must have at least one axis"):
        ops.matmul(lm.tensor(2.0), lm.tensor(a))
    with pytest.raises(ValueError, match="matmul: shapes .* cannot be broadcast"):
        ops.matmul(lm.tensor(np.ones((2, 3, 4))), lm.tensor(np.ones((3, 4, 2))))


def test_matmul_shared_weight_gradient(rng):
    # d/dW of a batched input against a 2-D weight (the flattened-batch path).
    check_op(ops.matmul, np.matmul, rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 5)), **TOL)


@pytest.mark.parametrize("call", ["function", "operator"])
def test_matmul_releases_gil_for_large_products(rng, call):
    # Another Python thread runs *during* one large product. With a long switch interval the
    # other thread can only run while the product has released the GIL (a GIL-holding op of
    # the same length lets it run 0 times). The product lasts tens of milliseconds: the calling
    # thread works on it too, so both cores are busy and the OS gives the ticker a slice only
    # after a scheduling period (a 700^3 product, 2 ms, sometimes ended before that).
    a = lm.tensor(rng.standard_normal((1600, 1600)).astype(np.float32))
    product = (lambda: ops.matmul(a, a)) if call == "function" else (lambda: a @ a)
    ticks = []
    go, stop = threading.Event(), threading.Event()

    def ticker():
        go.wait()
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0)  # hand the GIL back at once when the main thread wants it

    old = sys.getswitchinterval()
    sys.setswitchinterval(5.0)
    t = threading.Thread(target=ticker)
    t.start()
    try:
        go.set()
        before = len(ticks)
        product()
        after = len(ticks)
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert after > before


# --------------------------------------------------------------------------------------------
# dot, inner, outer, vdot, tensordot


@pytest.mark.parametrize(
    "sa,sb",
    [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 3)), ((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((), (3,)), ((2, 3), ())],
)
def test_dot(rng, sa, sb):
    check_op(ops.dot, np.dot, rng.standard_normal(sa), rng.standard_normal(sb), noncontiguous=len(sa) >= 2 and len(sb) >= 2, **TOL)


def test_dot_errors():
    with pytest.raises(ValueError, match=r"dot: shapes \[3, 4\] and \[3, 4\] are not aligned"):
        ops.dot(lm.tensor(np.ones((3, 4))), lm.tensor(np.ones((3, 4))))


@pytest.mark.parametrize("sa,sb", [((4,), (4,)), ((3, 4), (4,)), ((3, 4), (2, 4)), ((2, 3, 4), (5, 4)), ((), (2, 3))])
def test_inner(rng, sa, sb):
    check_op(ops.inner, np.inner, rng.standard_normal(sa), rng.standard_normal(sb), noncontiguous=len(sa) >= 2 and len(sb) >= 2, **TOL)
    if sa and sb:
        with pytest.raises(ValueError, match="inner: the last axes"):
            ops.inner(lm.tensor(np.ones(sa + (2,))), lm.tensor(np.ones(sb + (3,))))


def test_outer(rng):
    check_op(ops.outer, np.outer, rng.standard_normal((4,)), rng.standard_normal((3,)), **TOL)
    check_op(ops.outer, np.outer, rng.standard_normal((2, 2)), rng.standard_normal((3,)), **TOL)
    got = ops.outer(lm.tensor(np.array([1, 2], np.int32)), lm.tensor(np.array([3, 4, 5], np.int32)))
    assert got.dtype == "int32"
    np.testing.assert_array_equal(got, np.outer([1, 2], [3, 4, 5]))


def test_vdot(rng):
    check_op(ops.vdot, np.vdot, rng.standard_normal((2, 3)), rng.standard_normal((3, 2)), **TOL)
    check_op(ops.vdot, np.vdot, rng.standard_normal((5,)), rng.standard_normal((5,)), **TOL)
    with pytest.raises(ValueError, match="vdot: .* different sizes"):
        ops.vdot(lm.tensor(np.ones(3)), lm.tensor(np.ones(4)))


@pytest.mark.parametrize(
    "sa,sb,axes",
    [
        ((3, 4, 5), (4, 5, 2), 2),
        ((3, 4), (4, 5), 1),
        ((3, 4), (5, 6), 0),
        ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])),
        ((4, 3), (4, 5), ([0], [0])),
        ((2, 3), (3, 2), ((0, 1), (1, 0))),
        ((4, 3), (5, 4), (0, 1)),
    ],
)
def test_tensordot(rng, sa, sb, axes):
    check_op(lambda a, b: ops.tensordot(a, b, axes), lambda a, b: np.tensordot(a, b, axes), rng.standard_normal(sa), rng.standard_normal(sb), **TOL)


def test_tensordot_default_and_errors(rng):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 5))
    np.testing.assert_allclose(ops.tensordot(a, b), np.tensordot(a, b), rtol=1e-12)
    with pytest.raises(ValueError, match=r"tensordot: axis 2 of shape \[2, 3, 4\] \(4\) does not match"):
        ops.tensordot(a, b, ([2], [2]))
    with pytest.raises(ValueError, match="tensordot: cannot contract 4 axes"):
        ops.tensordot(a, b, 4)
    with pytest.raises(ValueError, match="same length"):
        ops.tensordot(a, b, ([1, 2], [0]))
    with pytest.raises(IndexError, match="tensordot: axis 1 is repeated"):
        ops.tensordot(a, b, ([1, 1], [0, 1]))
    with pytest.raises(TypeError, match="tensordot: axes must be"):
        ops.tensordot(a, b, "x")


# --------------------------------------------------------------------------------------------
# einsum


EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ji,jk->ik", [(4, 3), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ba", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,cd,bd->ac", [(2, 3), (4, 5), (3, 5)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # size-1 index broadcasts, as in numpy
]


@pytest.mark.parametrize("spec,shapes", EINSUM_CASES)
def test_einsum(rng, spec, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    check_op(lambda *xs: ops.einsum(spec, *xs), lambda *xs: np.einsum(spec, *xs), *arrays, noncontiguous=len(arrays) == 1, **TOL)


def test_einsum_empty(rng):
    check_forward(lambda a, b: ops.einsum("i,ij->j", a, b), lambda a, b: np.einsum("i,ij->j", a, b), rng.standard_normal(3), np.zeros((3, 0)))
    check_forward(lambda a, b: ops.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b), np.zeros((2, 0)), np.zeros((0, 4)))


def test_einsum_views_and_ints(rng):
    a = rng.standard_normal((4, 3))
    np.testing.assert_allclose(ops.einsum("ij,jk->ik", ops.transpose(lm.tensor(a)), lm.tensor(a)), a.T @ a, rtol=1e-12)
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    got = ops.einsum("ij,kj->ik", lm.tensor(i), lm.tensor(i))
    assert got.dtype == "int32"
    np.testing.assert_array_equal(got, np.einsum("ij,kj->ik", i, i))


@pytest.mark.parametrize(
    "spec,shapes,match",
    [
        ("ij,jk->ik", [(3, 4)], "name 2 operands but 1"),
        ("ij,jk->ik", [(3, 4), (5, 6)], "index 'j' .* sizes 4 and 5"),
        ("ijk->i", [(3, 4)], "operand 0 has shape"),
        ("ij->ii", [(3, 3)], "output index 'i' appears twice"),
        ("ij->k", [(3, 3)], "output index 'k' .* is in no operand"),
        ("i1->i", [(3, 3)], "invalid character '1'"),
        ("...i->i", [(2, 3)], "needs '...'"),
        ("ii->i", [(2, 3)], "diagonal|sizes"),
    ],
)
def test_einsum_errors(spec, shapes, match):
    with pytest.raises(ValueError, match=match):
        ops.einsum(spec, *[lm.tensor(np.ones(s)) for s in shapes])


# --------------------------------------------------------------------------------------------
# trace, diagonal


@pytest.mark.parametrize("shape,offset,a1,a2", [((4, 4), 0, 0, 1), ((3, 5), 1, 0, 1), ((5, 3), -2, 0, 1), ((2, 3, 4), 0, 1, 2), ((3, 2, 4), 1, 2, 0), ((3, 4), 7, 0, 1), ((2, 3, 4), -1, -1, 0)])
def test_diagonal_and_trace(rng, shape, offset, a1, a2):
    x = rng.standard_normal(shape)
    check_op(lambda t: ops.diagonal(t, offset, a1, a2), lambda a: np.diagonal(a, offset, a1, a2), x, **TOL)
    check_op(lambda t: ops.trace(t, offset, a1, a2), lambda a: np.trace(a, offset, a1, a2), x, **TOL)


def test_trace_dtypes_and_errors():
    i = np.arange(9, dtype=np.int32).reshape(3, 3)
    assert ops.trace(lm.tensor(i)).dtype == "int32"
    assert int(np.asarray(ops.trace(lm.tensor(i)))) == np.trace(i)
    b = np.eye(3, dtype=bool)
    assert int(np.asarray(ops.trace(lm.tensor(b)))) == 3
    with pytest.raises(ValueError, match="trace: needs a tensor of rank >= 2"):
        ops.trace(lm.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="diagonal: axis1 and axis2 must differ"):
        ops.diagonal(lm.tensor(np.ones((3, 3))), 0, 1, 1)
    with pytest.raises(IndexError, match="diagonal: axis 2 is out of bounds"):
        ops.diagonal(lm.tensor(np.ones((3, 3))), 0, 0, 2)


# --------------------------------------------------------------------------------------------
# fused_linear (matmul + bias + activation in one GEMM pass)


def _linear_ref(x, w, b=None, act=None):
    y = x @ w
    if b is not None:
        y = y + b
    return np.maximum(y, 0) if act == "relu" else y


@pytest.mark.parametrize("act", [None, "linear", "relu"])
@pytest.mark.parametrize("xs", [(5, 4), (2, 3, 4), (4,)])
def test_fused_linear(rng, act, xs):
    x, w, b = rng.standard_normal(xs), rng.standard_normal((4, 3)), rng.standard_normal(3)
    check_op(lambda x, w, b: ops.fused_linear(x, w, b, act), lambda x, w, b: _linear_ref(x, w, b, act), x, w, b, noncontiguous=len(xs) >= 2, **TOL)
    check_op(lambda x, w: ops.fused_linear(x, w, None, act), lambda x, w: _linear_ref(x, w, None, act), x, w, noncontiguous=len(xs) >= 2, **TOL)


def test_fused_linear_large_matches_numpy(rng):
    x = rng.standard_normal((128, 784)).astype(np.float32)
    w = rng.standard_normal((784, 256)).astype(np.float32) * 0.05
    b = rng.standard_normal(256).astype(np.float32)
    got = ops.fused_linear(x, w, b, "relu")
    np.testing.assert_allclose(got, np.maximum(x @ w + b, 0), rtol=1e-4, atol=1e-4)
    got_t = ops.fused_linear(ops.transpose(lm.tensor(np.ascontiguousarray(x.T))), w, b, "relu")
    np.testing.assert_allclose(got_t, np.maximum(x @ w + b, 0), rtol=1e-4, atol=1e-4)


def test_fused_linear_errors():
    x, w = lm.tensor(np.ones((2, 3))), lm.tensor(np.ones((3, 4)))
    with pytest.raises(ValueError, match="fused_linear: the last axis of x"):
        ops.fused_linear(x, lm.tensor(np.ones((2, 4))))
    with pytest.raises(ValueError, match="fused_linear: bias of shape"):
        ops.fused_linear(x, w, lm.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="fused_linear: activation must be"):
        ops.fused_linear(x, w, None, "tanh")
    with pytest.raises(ValueError, match="fused_linear: needs x of rank >= 1 and a 2-D kernel"):
        ops.fused_linear(x, lm.tensor(np.ones(3)))
