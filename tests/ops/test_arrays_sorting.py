"""Array construction, sorting, scans and order statistics (ops/_arrays.py, _sorting.py,
_stats.py): forward against numpy; gradients against finite differences where the op has one."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_tril_triu(rng, k):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: ops.tril(t, k), lambda a: np.tril(a, k), x)
    check_op(lambda t: ops.triu(t, k), lambda a: np.triu(a, k), x)
    np.testing.assert_array_equal(ops.tri(3, 4, k), np.tri(3, 4, k, dtype="float32"))


@pytest.mark.parametrize("k", [-1, 0, 1])
def test_diag_and_diagflat(rng, k):
    check_op(lambda t: ops.diag(t, k), lambda a: np.diag(a, k), rng.standard_normal(3))
    check_op(lambda t: ops.diag(t, k), lambda a: np.diag(a, k), rng.standard_normal((3, 4)))
    check_op(lambda t: ops.diagflat(t, k), lambda a: np.diagflat(a, k), rng.standard_normal((2, 2)))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_cumprod(rng, axis):
    x = rng.uniform(0.5, 1.5, (3, 4))
    check_op(lambda t: ops.cumsum(t, axis), lambda a: np.cumsum(a, axis), x)
    check_op(lambda t: ops.cumprod(t, axis), lambda a: np.cumprod(a, axis), x)
    np.testing.assert_array_equal(ops.cumsum(np.array([[1, 2], [3, 4]]), 1), [[1, 3], [3, 7]])
    np.testing.assert_array_equal(ops.cumprod(np.array([2, 0, 3])), [2, 0, 0])


@pytest.mark.parametrize("n,axis", [(1, -1), (2, 0), (1, 1)])
def test_diff(rng, n, axis):
    check_op(lambda t: ops.diff(t, n, axis), lambda a: np.diff(a, n, axis), rng.standard_normal((4, 5)))


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_argsort(rng, axis):
    x = rng.standard_normal((3, 5))
    check_op(lambda t: ops.sort(t, axis), lambda a: np.sort(a, axis), x)
    got = ops.argsort(x, axis)
    assert got.dtype == "int32"
    np.testing.assert_array_equal(got, np.argsort(x, axis, kind="stable"))


def test_top_k_and_in_top_k(rng):
    x = rng.standard_normal((3, 6))
    vals, idx = ops.top_k(lm.tensor(x), 2)
    want = np.argsort(-x, -1)[:, :2]
    np.testing.assert_array_equal(idx, want)
    check_op(lambda t: ops.top_k(t, 3)[0], lambda a: -np.sort(-a, -1)[:, :3], x)
    targets = np.array([want[0, 0], want[1, 1], np.argmin(x[2])])
    np.testing.assert_array_equal(ops.in_top_k(targets, x, 2), [True, True, False])
    with pytest.raises(ValueError, match="top_k"):
        ops.top_k(x, 7)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_quantile(rng, method, axis):
    x = rng.standard_normal((3, 4, 5))
    q = [0.1, 0.5, 0.93]
    check_op(lambda t: ops.quantile(t, q, axis, method), lambda a: np.quantile(a, q, axis=axis, method=method).astype(a.dtype),
             x, grad=method == "linear")
    np.testing.assert_allclose(ops.quantile(x, 0.3, axis, keepdims=True), np.quantile(x, 0.3, axis=axis, keepdims=True),
                               rtol=1e-6)


def test_median_percentile(rng):
    x = rng.standard_normal((4, 6))
    check_op(lambda t: ops.median(t, 1), lambda a: np.median(a, 1), x)
    np.testing.assert_allclose(ops.percentile(x, [25, 75], 0), np.percentile(x, [25, 75], 0), rtol=1e-6)


def test_unique_histogram_bincount_digitize_searchsorted():
    x = np.array([3, 1, 3, 2, 1, 3], np.int32)
    vals, inv, counts = ops.unique(x, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(vals, [1, 2, 3])
    np.testing.assert_array_equal(inv, [2, 0, 2, 1, 0, 2])
    np.testing.assert_array_equal(counts, [2, 1, 3])
    np.testing.assert_array_equal(ops.unique(x, size=5, fill_value=-1), [1, 2, 3, -1, -1])
    counts, edges = ops.histogram(np.array([0.0, 0.1, 0.5, 0.9, 1.0]), bins=2)
    np.testing.assert_array_equal(counts, [2, 3])
    np.testing.assert_allclose(edges, [0, 0.5, 1])
    np.testing.assert_array_equal(ops.bincount(x, minlength=5), np.bincount(x, minlength=5))
    w = np.array([0.5, 1, 1, 2, 1, 1], np.float32)
    np.testing.assert_allclose(ops.bincount(x, weights=w), np.bincount(x, weights=w))
    np.testing.assert_array_equal(ops.bincount(np.array([[0, 1, 1], [2, 2, 0]])), [[1, 2, 0], [1, 0, 2]])
    np.testing.assert_array_equal(ops.digitize(np.array([0.2, 1.5, 3.0]), np.array([1.0, 2.0])), [0, 1, 2])
    np.testing.assert_array_equal(ops.searchsorted(np.array([1, 2, 2, 5]), np.array([2, 6]), "right"), [3, 4])
    with pytest.raises(ValueError, match="bincount"):
        ops.bincount(np.array([-1, 2]))


def test_meshgrid_linspace_and_stacking(rng):
    a, b = np.arange(3.0), np.arange(4.0)
    for ix in ("xy", "ij"):
        for g, w in zip(ops.meshgrid(a, b, indexing=ix), np.meshgrid(a, b, indexing=ix)):
            np.testing.assert_array_equal(g, w)
    np.testing.assert_allclose(ops.linspace(0, 1, 5), np.linspace(0, 1, 5))
    np.testing.assert_allclose(ops.logspace(0, 2, 3), np.logspace(0, 2, 3), rtol=1e-6)
    np.testing.assert_allclose(ops.geomspace(1, 8, 4), [1, 2, 4, 8], rtol=1e-6)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for name in ("hstack", "vstack", "dstack"):
        np.testing.assert_array_equal(getattr(ops, name)([x, y]), getattr(np, name)([x, y]))
    for got, want in zip(ops.array_split(np.arange(7), 3), np.array_split(np.arange(7), 3)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(ops.hsplit(x.T, [1]), np.hsplit(x.T, [1])):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ops.append(x, y), np.append(x, y))


@pytest.mark.parametrize("shift,axis", [(1, None), (-2, 1), ((1, 2), (0, 1)), (5, 0)])
def test_roll(rng, shift, axis):
    check_op(lambda t: ops.roll(t, shift, axis), lambda a: np.roll(a, shift, axis), rng.standard_normal((3, 4)))


@pytest.mark.parametrize("k", [0, 1, 2, 3, -1])
def test_rot90_flips_kron_cross(rng, k):
    x = rng.standard_normal((3, 4))
    check_op(lambda t: ops.rot90(t, k), lambda a: np.rot90(a, k), x)
    np.testing.assert_array_equal(ops.fliplr(x), np.fliplr(x))
    np.testing.assert_array_equal(ops.flipud(x), np.flipud(x))
    check_op(ops.kron, np.kron, rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), noncontiguous=False)
    check_op(ops.cross, np.cross, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    a2, b2 = x[:, :2], x[:, 2:]
    np.testing.assert_allclose(ops.cross(a2, b2), a2[:, 0] * b2[:, 1] - a2[:, 1] * b2[:, 0])


def test_vander_select_isin_isclose_nonzero(rng):
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ops.vander(v), np.vander(v))
    np.testing.assert_array_equal(ops.vander(v, 2, True), np.vander(v, 2, True))
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(ops.select([x < 0, x > 0], [x * 10, x], 7.0), np.select([x < 0, x > 0], [x * 10, x], 7.0))
    np.testing.assert_array_equal(ops.isin(np.array([[1, 2], [3, 4]]), [2, 4]), [[False, True], [False, True]])
    np.testing.assert_array_equal(ops.isclose(np.array([1.0, np.inf, np.nan]), np.array([1.0 + 1e-9, np.inf, np.nan]), equal_nan=True),
                                  [True, True, True])
    assert not bool(ops.allclose(np.array([1.0]), np.array([1.1])))
    for g, w in zip(ops.nonzero(np.array([[0, 1], [2, 0]])), np.nonzero(np.array([[0, 1], [2, 0]]))):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(ops.unravel_index(np.array([5, 1]), (2, 3)), np.unravel_index([5, 1], (2, 3))):
        np.testing.assert_array_equal(g, w)
    assert ops.ndim(np.zeros((2, 3))) == 2 and ops.size(np.zeros((2, 3))) == 6


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod", "nanmedian",
                                  "nanargmax", "nanargmin", "nancumsum", "nancumprod"])
def test_nan_reductions(rng, name):
    x = rng.standard_normal((3, 4))
    x[0, 1] = x[2, 3] = np.nan
    got = getattr(ops, name)(x, axis=1)
    np.testing.assert_allclose(got, getattr(np, name)(x, axis=1), rtol=1e-6)


def test_stats(rng):
    x = rng.standard_normal((3, 5))
    check_op(lambda t: ops.ptp(t, 1), lambda a: np.ptp(a, 1), x)
    w = rng.uniform(0.1, 1, 5)
    check_op(lambda t, u: ops.average(t, 1, u), lambda a, u: np.average(a, 1, u), x, w, noncontiguous=False)
    check_op(lambda t: ops.trapezoid(t), lambda a: np.trapezoid(a), x)
    xs = np.cumsum(rng.uniform(0.1, 1, 5))
    check_op(lambda t: ops.trapezoid(t, xs), lambda a: np.trapezoid(a, xs.astype(a.dtype)), x)
    check_op(ops.corrcoef, lambda a: np.corrcoef(a).astype(a.dtype), x, rtol=1e-5, atol=1e-6)
    for mode in ("valid", "same", "full"):
        check_op(lambda a, v: ops.correlate(a, v, mode), lambda a, v: np.correlate(a, v, mode), rng.standard_normal(6),
                 rng.standard_normal(3))
    np.testing.assert_array_equal(ops.amax(x, 0), x.max(0))


def test_cdist_extract_sequences_segments_and_view(rng):
    x, y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    check_op(ops.cdist, lambda a, b: np.sqrt(((a[:, :, None] - b[:, None]) ** 2).sum(-1)), x, y, noncontiguous=False)
    sig = rng.standard_normal((2, 10))
    check_op(lambda t: ops.extract_sequences(t, 4, 3), lambda a: np.stack([a[:, i:i + 4] for i in (0, 3, 6)], 1), sig)
    data = rng.uniform(0.5, 1.5, (5, 2))
    ids = np.array([0, 2, 0, 2, 2])
    want = np.stack([data[ids == s].prod(0) if (ids == s).any() else np.ones(2) for s in range(4)])
    check_op(lambda t: ops.segment_prod(t, ids, 4), lambda a: want.astype(a.dtype), data, rtol=1e-5)
    check_op(lambda t: ops.segment_sum(t, ids, 3), lambda a: np.stack([a[ids == s].sum(0) for s in range(3)]), data)
    full = np.array([0, 1, 0, 1, 1])  # no empty segment: its dtype-minimum would swamp finite differences
    check_op(lambda t: ops.segment_max(t, full), lambda a: np.stack([a[full == s].max(0) for s in range(2)]), data)
    check_op(lambda t: ops.segment_min(t, full), lambda a: np.stack([a[full == s].min(0) for s in range(2)]), data)
    np.testing.assert_array_equal(ops.segment_max(data.astype("float32"), ids)[1], np.finfo("float32").min)
    f = np.array([1.0, -2.0], np.float32)
    np.testing.assert_array_equal(ops.view(f, "int32"), f.view(np.int32))
