"""keras.ops.linalg: inverses, solves, determinants, Cholesky and symmetric eigen-decomposition,
and norms.

The factorizations are computed by numpy (LAPACK); their derivatives are the standard
first-order formulas written with engine ops (see ops/_linearize.py), so gradients flow
through the engine's autodiff:
- inv: dY = -Y dA Y;  solve: dX = A^-1 (dB - dA X);  det: d det = det tr(A^-1 dA);
- cholesky: dL = L Phi(L^-1 dA L^-T), Phi taking the lower triangle with the diagonal halved;
- eigh: dw = diag(V^T dA V), dV = V (F o V^T dA V) with F_ij = 1 / (w_j - w_i).
norm, solve_triangular, cholesky_inverse, lstsq (normal equations) compose from those.
All operate on the last two axes and broadcast over leading ones.
"""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.ops._linearize import float_tensor, linearized, to_tensor


def _mT(x):
    n = len(x.shape)
    return _core.swapaxes(x, n - 2, n - 1)


def _square(x, name: str):
    x = float_tensor(x)
    if len(x.shape) < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name} expects square matrices in the last two axes, got shape {tuple(x.shape)}")
    return x


def _const(value, like):
    return _core.stop_gradient(to_tensor(value.astype(like.dtype)))


def inv(x):
    """The inverse of square matrices (last two axes)."""
    a = _square(x, "inv")
    try:
        y = np.linalg.inv(np.asarray(a))
    except np.linalg.LinAlgError as e:
        raise ValueError(f"inv: singular matrix ({e})") from None
    yt = _const(y, a)
    return linearized(y.astype(a.dtype), lambda da: _core.negative(_core.matmul(_core.matmul(yt, da), yt)), a)


def solve(a, b):
    """The solution X of a @ X = b for square `a`; `b` may be a vector per matrix."""
    a = _square(a, "solve")
    b = float_tensor(b)
    vector = len(b.shape) == len(a.shape) - 1
    bm = _core.expand_dims(b, -1) if vector else b
    try:
        xv = np.linalg.solve(np.asarray(a), np.asarray(bm))
    except np.linalg.LinAlgError as e:
        raise ValueError(f"solve: singular matrix ({e})") from None
    ai, xt = _const(np.linalg.inv(np.asarray(a)), a), _const(xv, a)
    out = linearized(xv.astype(a.dtype), lambda da, db: _core.matmul(ai, _core.subtract(db, _core.matmul(da, xt))), a, bm)
    return _core.squeeze(out, -1) if vector else out


def solve_triangular(a, b, lower: bool = False):
    """The solution of a @ X = b using only the lower (or upper) triangle of `a`."""
    from lamina.ops._arrays import tril, triu

    a = _square(a, "solve_triangular")
    return solve(tril(a) if lower else triu(a), b)


def slogdet(x):
    """The sign and the log of the absolute value of the determinant, as a tuple."""
    a = _square(x, "slogdet")
    sign, logabs = np.linalg.slogdet(np.asarray(a))
    ok = sign != 0
    ainv_t = np.swapaxes(np.linalg.inv(np.where(ok[..., None, None], np.asarray(a), np.eye(a.shape[-1]))), -1, -2)
    g = _const(ainv_t, a)
    value = linearized(np.asarray(logabs, dtype=a.dtype), lambda da: _core.sum(_core.multiply(g, da), [-2, -1]), a)
    return to_tensor(np.asarray(sign, dtype=a.dtype)), value


def det(x):
    """The determinant of square matrices (last two axes)."""
    a = _square(x, "det")
    d = np.linalg.det(np.asarray(a))
    n = a.shape[-1]
    # The cofactor matrix det * A^-T, from the SVD A = U S V^T as sign * U diag(product of the
    # other singular values) V^T: it stays finite (and right) for a singular A.
    u, s, vt = np.linalg.svd(np.asarray(a, dtype="float64"))
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    g = _const(np.einsum("...ij,...j,...jk->...ik", u, others, vt) * sign[..., None, None], a)
    return linearized(np.asarray(d, dtype=a.dtype), lambda da: _core.sum(_core.multiply(g, da), [-2, -1]), a)


def logdet(x):
    """The log-determinant of positive-definite matrices."""
    return slogdet(x)[1]


def cholesky(x, upper: bool = False):
    """The Cholesky factor L (lower, L @ L^T = x) of positive-definite matrices; U = L^T with upper=True."""
    a = _square(x, "cholesky")
    try:
        lv = np.linalg.cholesky(np.asarray(a))
    except np.linalg.LinAlgError as e:
        raise ValueError(f"cholesky: the matrix is not positive definite ({e})") from None
    n = a.shape[-1]
    lt, li = _const(lv, a), _const(np.linalg.inv(lv), a)
    phi = to_tensor((np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)).astype(a.dtype))

    def tangent(da):
        sym = _core.multiply(_core.add(da, _mT(da)), 0.5)
        inner = _core.matmul(_core.matmul(li, sym), _mT(li))
        return _core.matmul(lt, _core.multiply(inner, phi))

    out = linearized(lv.astype(a.dtype), tangent, a)
    return _mT(out) if upper else out


def cholesky_inverse(x, upper: bool = False):
    """The inverse of A from its Cholesky factor (A = L L^T, or U^T U with upper=True)."""
    f = float_tensor(x)
    a = _core.matmul(_mT(f), f) if upper else _core.matmul(f, _mT(f))
    return inv(a)


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices, as a tuple."""
    a = _square(x, "eigh")
    w, v = np.linalg.eigh(np.asarray(a))
    n = a.shape[-1]
    gap = w[..., None, :] - w[..., :, None]
    with np.errstate(divide="ignore"):
        f = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(gap == 0, np.inf, gap))
    vt, ft = _const(v, a), _const(f, a)
    eye = to_tensor(np.eye(n, dtype=a.dtype))

    def proj(da):
        sym = _core.multiply(_core.add(da, _mT(da)), 0.5)
        return _core.matmul(_core.matmul(_mT(vt), sym), vt)

    w_t = linearized(w.astype(a.dtype), lambda da: _core.sum(_core.multiply(proj(da), eye), -1), a)
    v_t = linearized(v.astype(a.dtype), lambda da: _core.matmul(vt, _core.multiply(ft, proj(da))), a)
    return w_t, v_t


def lstsq(a, b, rcond=None):
    """The least-squares solution of a @ X = b (full column rank `a`, via the normal equations)."""
    a, b = float_tensor(a), float_tensor(b)
    if len(a.shape) != 2:
        raise ValueError(f"lstsq expects a 2-D matrix a, got shape {tuple(a.shape)}")
    at = _core.transpose(a, [1, 0])
    return solve(_core.matmul(at, a), _core.matmul(at, b) if len(b.shape) == 2 else _core.squeeze(
        _core.matmul(at, _core.expand_dims(b, -1)), -1))


def matrix_rank(x, tol=None):
    """The rank (int32) of matrices: the count of singular values above `tol`."""
    return to_tensor(np.asarray(np.linalg.matrix_rank(np.asarray(float_tensor(x)), tol)).astype("int32"))


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002 (keras.ops argument name)
    """Vector or matrix norms.

    Args:
        x: the input tensor.
        ord: for vectors None/2 (Euclidean), 1, inf, -inf, 0 (count of nonzeros) or any p;
            for matrices None/"fro", 1, -1, inf, -inf ("nuc", 2, -2 need an SVD lamina lacks).
        axis: an int (vector norm), a pair (matrix norm) or None (vector norm of the
            flattened tensor, or matrix norm of a 2-D tensor).
        keepdims: keep the reduced axes with size 1.
    """
    x = float_tensor(x)
    nd = len(x.shape)
    if axis is None:
        axis = (0, 1) if nd == 2 and ord is not None else tuple(range(nd))
        if ord is None:
            return _core.sqrt(_core.sum(_core.square(x), axis, keepdims))
    if isinstance(axis, int) or len(axis) == 1:
        ax = axis if isinstance(axis, int) else axis[0]
        a = _core.abs(x)
        if ord is None or ord == 2:
            return _core.sqrt(_core.sum(_core.square(x), ax, keepdims))
        if ord == np.inf:
            return _core.max(a, ax, keepdims)
        if ord == -np.inf:
            return _core.min(a, ax, keepdims)
        if ord == 0:
            return _core.sum(_core.cast(_core.not_equal(x, 0.0), x.dtype), ax, keepdims)
        if isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} is a matrix norm; give a pair of axes")
        return _core.power(_core.sum(_core.power(a, float(ord)), ax, keepdims), 1.0 / ord)
    r, c = (a % nd for a in axis)
    a = _core.abs(x)
    if ord is None or ord == "fro":
        return _core.sqrt(_core.sum(_core.square(x), [r, c], keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        sums = _core.sum(a, inner, True)
        red = _core.max if ord in (1, np.inf) else _core.min
        out = red(sums, outer, True)
        return out if keepdims else _core.squeeze(out, [r, c])
    raise NotImplementedError(f"norm: ord={ord!r} for matrices needs singular values, which lamina does not compute yet")


__all__ = [
    "inv", "solve", "solve_triangular", "slogdet", "det", "logdet", "cholesky", "cholesky_inverse", "eigh",
    "lstsq", "matrix_rank", "norm",
]
