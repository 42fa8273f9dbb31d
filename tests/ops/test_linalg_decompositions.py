"""keras.ops.linalg (ops/_decompositions.py): values against numpy, gradients (built from the
standard first-order formulas with engine ops) against finite differences."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


def _spd(rng, n=3, batch=()):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def test_inv_solve_det(rng):
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((2, 3, 2))
    check_op(ops.linalg.inv, np.linalg.inv, a, rtol=1e-5, grad_rtol=1e-4)
    check_op(ops.linalg.solve, np.linalg.solve, a, b)
    v = rng.standard_normal(3)
    check_op(ops.solve, np.linalg.solve, a[0], v)
    check_op(ops.linalg.det, np.linalg.det, a)
    check_op(lambda t: ops.slogdet(t)[1], lambda x: np.linalg.slogdet(x)[1], a)
    np.testing.assert_array_equal(ops.slogdet(-a[0:1] * np.array([[[1], [1], [1]]]))[0], np.linalg.slogdet(-a[0:1])[0])


def test_det_gradient_of_a_singular_matrix():
    # The cofactor matrix is the gradient, also where the determinant is 0.
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    check_op(ops.det, np.linalg.det, a, atol=1e-9)


@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular(rng, lower):
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    tri = np.tril(a) if lower else np.triu(a)
    check_op(lambda x, y: ops.solve_triangular(x, y, lower), lambda x, y: np.linalg.solve(np.tril(x) if lower else np.triu(x), y),
             a, b)
    np.testing.assert_allclose(ops.solve_triangular(a, b, lower), np.linalg.solve(tri, b), rtol=1e-10)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(rng, upper):
    a = _spd(rng, 3, (2,))
    ref = (lambda x: np.swapaxes(np.linalg.cholesky(x), -1, -2)) if upper else np.linalg.cholesky
    # Gradient through a symmetric input: differentiate a function of a free matrix m, a = m m^T + 3I.
    check_op(lambda t: ops.cholesky(t, upper), ref, a, grad=False)
    m = rng.standard_normal((3, 3))

    def f(t):
        return ops.cholesky(ops.add(ops.matmul(t, ops.transpose(t)), ops.multiply(ops.eye(3, dtype=t.dtype), 3.0)), upper)

    check_op(f, lambda x: ref(x @ x.T + 3 * np.eye(3, dtype=x.dtype)), m)
    np.testing.assert_allclose(ops.cholesky_inverse(np.linalg.cholesky(a[0])), np.linalg.inv(a[0]), rtol=1e-10)
    with pytest.raises(ValueError, match="positive definite"):
        ops.cholesky(-np.eye(2))


def test_eigh(rng):
    m = rng.standard_normal((3, 3))

    def sym(t):
        return ops.add(t, ops.transpose(t))

    check_op(lambda t: ops.eigh(sym(t))[0], lambda x: np.linalg.eigh(x + x.T)[0], m)
    # Eigenvectors have a sign ambiguity; |v| is unambiguous (distinct eigenvalues).
    check_op(lambda t: ops.abs(ops.eigh(sym(t))[1]), lambda x: np.abs(np.linalg.eigh(x + x.T)[1]), m)


@pytest.mark.parametrize("ord_,axis", [(None, None), (2, 1), (1, 0), (np.inf, 1), (-np.inf, 1), (3, -1), (0, 1),
                                      ("fro", (0, 1)), (1, (0, 1)), (np.inf, (0, 1)), (-1, (0, 1))])
def test_norm(rng, ord_, axis):
    x = rng.standard_normal((3, 4))
    check_op(lambda t: ops.norm(t, ord_, axis), lambda a: np.asarray(np.linalg.norm(a, ord_, axis)).astype(a.dtype), x,
             grad=ord_ != 0)
    np.testing.assert_allclose(ops.norm(x, ord_, axis, keepdims=True), np.linalg.norm(x, ord_, axis, keepdims=True), rtol=1e-6)


def test_lstsq_matrix_rank_and_errors(rng):
    a = rng.standard_normal((5, 3))
    b = rng.standard_normal((5, 2))
    np.testing.assert_allclose(ops.lstsq(a, b), np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-8)
    assert int(ops.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))) == 1
    with pytest.raises(ValueError, match="square"):
        ops.inv(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="singular"):
        ops.inv(np.zeros((2, 2)))
    with pytest.raises(NotImplementedError, match="singular values"):
        ops.norm(a, "nuc")
