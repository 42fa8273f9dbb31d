"""The op conformance helper: every op is checked the same way.

- forward values against a numpy reference, in float32 and float64;
- gradients against central finite differences in float64, through a random cotangent
  (loss = sum(f(x) * w)), so every element of the Jacobian-vector product is checked;
- the same on non-contiguous inputs (a transposed view of a tracked tensor), which also
  exercises the backward of views.

The checks run on one device at a time (`DEVICE`, set per test by tests/ops/conftest.py): on
"cpu" as above; on "gpu" the op runs on gpu tensors in float32 and its forward values and
gradients are compared with the cpu backend's (float32 tolerances `GPU_RTOL`/`GPU_ATOL` for
values, `GPU_GRAD_RTOL`/`GPU_GRAD_ATOL` for gradients); an op that has no gpu kernel yet skips
with the engine's message as the reason.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import pytest

import lamina as lm
from lamina import ops

# The device the checks run on ("cpu" or "gpu"); tests/ops/conftest.py sets it per test.
DEVICE = "cpu"
# float32 tolerances of gpu results against the cpu backend's.
GPU_RTOL, GPU_ATOL = 1e-4, 1e-5
GPU_GRAD_RTOL, GPU_GRAD_ATOL = 1e-3, 1e-4


def _as_numpy(x):
    if isinstance(x, (list, tuple)):
        return [_as_numpy(v) for v in x]
    return np.asarray(x)


def check_forward(fn: Callable, ref: Callable, *arrays: np.ndarray, dtypes: Sequence[str] = ("float32", "float64"),
                  rtol: float = 1e-5, atol: float = 1e-6, check_dtype: bool = True) -> None:
    """fn(*tensors) matches ref(*arrays) for each float dtype (int/bool arrays keep theirs)."""
    for dt in dtypes:
        cast = [a.astype(dt) if a.dtype.kind == "f" else a for a in arrays]
        got = fn(*[lm.tensor(a) for a in cast])
        want = ref(*cast)
        _compare(got, want, rtol if dt == "float64" else max(rtol, 1e-5), atol if dt == "float64" else max(atol, 1e-6), check_dtype)


def _compare(got, want, rtol, atol, check_dtype):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"expected {len(want)} outputs, got {len(got)}"
        for g, w in zip(got, want):
            _compare(g, w, rtol, atol, check_dtype)
        return
    g = np.asarray(got)
    w = np.asarray(want)
    assert g.shape == w.shape, f"shape {g.shape} != expected {w.shape}"
    if check_dtype:
        assert g.dtype == w.dtype, f"dtype {g.dtype} != expected {w.dtype}"
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


def numeric_gradient(f: Callable[[list], float], arrays: list, eps: float = 1e-6) -> list:
    """Central finite differences of scalar f at `arrays` (float64)."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        it = np.nditer(a, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            orig = a[idx]
            a[idx] = orig + eps
            fp = f(arrays)
            a[idx] = orig - eps
            fm = f(arrays)
            a[idx] = orig
            g[idx] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def check_gradient(fn: Callable, *arrays: np.ndarray, wrt: Sequence[int] | None = None, rtol: float = 1e-4,
                   atol: float = 1e-6, eps: float = 1e-6, noncontiguous: bool = True, seed: int = 0) -> None:
    """Analytic gradients of sum(fn(*x) * w) against finite differences, in float64.

    `wrt` lists the argument positions to differentiate (default: every float argument).
    With `noncontiguous`, the check is repeated with each differentiated argument passed
    as a transposed view.
    """
    arrays = [np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    out = _as_numpy(fn(*[lm.tensor(a) for a in arrays]))
    rng = np.random.default_rng(seed)
    outs = out if isinstance(out, list) else [out]
    cotangents = [rng.standard_normal(o.shape) for o in outs]

    def loss_np(arrs):
        res = _as_numpy(fn(*[lm.tensor(a) for a in arrs]))
        res = res if isinstance(res, list) else [res]
        return float(sum(np.sum(r.astype(np.float64) * w) for r, w in zip(res, cotangents)))

    def analytic(views: bool):
        with lm.GradientTape() as tape:
            sources, inputs = _watched_inputs(tape, arrays, wrt, views)
            res = fn(*inputs)
            res = list(res) if isinstance(res, (list, tuple)) else [res]
            loss = None
            for r, w in zip(res, cotangents):
                term = ops.sum(ops.multiply(ops.cast(r, "float64"), lm.tensor(w)))
                loss = term if loss is None else ops.add(loss, term)
        grads = tape.gradient(loss, sources)
        out = []
        for k, i in enumerate(wrt):
            g = grads[k]
            assert g is not None, f"gradient for argument {i} is None"
            g = np.asarray(g)
            if views and arrays[i].ndim >= 2:
                g = np.swapaxes(g, 0, 1)
            out.append(g)
        return out

    numeric = numeric_gradient(loss_np, [a.copy() for a in arrays], eps)
    for views in ([False, True] if noncontiguous else [False]):
        got = analytic(views)
        for k, i in enumerate(wrt):
            assert got[k].shape == arrays[i].shape, f"grad shape {got[k].shape} != input shape {arrays[i].shape}"
            np.testing.assert_allclose(got[k], numeric[i], rtol=rtol, atol=atol,
                                       err_msg=f"gradient of argument {i} ({'view' if views else 'contiguous'})")


def _watched_inputs(tape, arrays, wrt, views: bool):
    """Tensors of `arrays` for fn, the ones in `wrt` watched by `tape` (returned as the sources).
    With `views`, each watched array of rank >= 2 enters as a transposed view of a contiguous
    base, the base being the source (its gradient comes back with axes 0 and 1 swapped)."""
    sources, inputs = [], []
    for i, a in enumerate(arrays):
        if i in wrt and views and a.ndim >= 2:
            base = lm.tensor(np.ascontiguousarray(np.swapaxes(a, 0, 1)))
            tape.watch(base)
            sources.append(base)
            inputs.append(ops.transpose(base, _swap01(a.ndim)))
        else:
            t = lm.tensor(a)
            if i in wrt:
                tape.watch(t)
                sources.append(t)
            inputs.append(t)
    return sources, inputs


def _swap01(ndim: int) -> list:
    axes = list(range(ndim))
    axes[0], axes[1] = 1, 0
    return axes


def check_op(fn: Callable, ref: Callable, *arrays: np.ndarray, grad: bool = True, wrt=None, rtol: float = 1e-5,
             atol: float = 1e-6, grad_rtol: float = 1e-4, grad_atol: float = 1e-6, noncontiguous: bool = True) -> None:
    """Forward against numpy and (optionally) gradient against finite differences; on the gpu,
    forward and gradient against the cpu backend."""
    if DEVICE == "gpu":
        check_on_gpu(fn, *arrays, grad=grad, wrt=wrt, noncontiguous=noncontiguous)
        return
    check_forward(fn, ref, *arrays, rtol=rtol, atol=atol)
    if grad:
        check_gradient(fn, *arrays, wrt=wrt, rtol=grad_rtol, atol=grad_atol, noncontiguous=noncontiguous)


def _run_on(device: str, fn: Callable, arrays: list, wrt, cotangents, views: bool):
    """fn's outputs and (with `wrt`) the gradients of sum(fn * cotangent) on `device`."""
    with lm.device(device):
        with lm.GradientTape() as tape:
            sources, inputs = _watched_inputs(tape, arrays, wrt or [], views)
            res = fn(*inputs)
            res = list(res) if isinstance(res, (list, tuple)) else [res]
            loss = None
            if wrt:
                for r, w in zip(res, cotangents):
                    term = ops.sum(ops.multiply(ops.cast(r, "float32"), lm.tensor(w)))
                    loss = term if loss is None else ops.add(loss, term)
        for r in res:
            if isinstance(r, lm.Tensor):
                assert r.device == device, f"an output is on {r.device}, expected {device}"
        grads = tape.gradient(loss, sources) if wrt else []
    outs = [np.asarray(r) for r in res]
    gs = []
    for k, i in enumerate(wrt or []):
        g = np.asarray(grads[k]) if grads[k] is not None else None
        if g is not None and views and arrays[i].ndim >= 2:
            g = np.swapaxes(g, 0, 1)
        gs.append(g)
    return outs, gs


def check_on_gpu(fn: Callable, *arrays: np.ndarray, grad: bool = True, wrt=None, noncontiguous: bool = True,
                 seed: int = 0) -> None:
    """fn on gpu tensors against fn on cpu tensors, in float32: outputs, and gradients of
    sum(fn(*x) * w) for a random cotangent w, with contiguous and transposed-view inputs."""
    arrays = [np.asarray(a).astype(np.float32) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if not grad:
        wrt = []
    try:
        cpu_out, _ = _run_on("cpu", fn, arrays, [], None, False)
        rng = np.random.default_rng(seed)
        cot = [rng.standard_normal(o.shape).astype(np.float32) for o in cpu_out]
        for views in ([False, True] if (noncontiguous and wrt) else [False]):
            want, want_g = _run_on("cpu", fn, arrays, wrt, cot, views)
            got, got_g = _run_on("gpu", fn, arrays, wrt, cot, views)
            for g, w in zip(got, want):
                assert g.shape == w.shape and g.dtype == w.dtype, f"gpu output {g.shape} {g.dtype} != cpu {w.shape} {w.dtype}"
                np.testing.assert_allclose(g, w, rtol=GPU_RTOL, atol=GPU_ATOL, equal_nan=True)
            for k, (g, w) in enumerate(zip(got_g, want_g)):
                if w is None:
                    continue
                assert g is not None, f"gpu gradient for argument {wrt[k]} is None"
                np.testing.assert_allclose(g, w, rtol=GPU_GRAD_RTOL, atol=GPU_GRAD_ATOL,
                                           err_msg=f"gpu gradient of argument {wrt[k]} ({'view' if views else 'contiguous'})")
    except RuntimeError as e:
        if "no gpu kernel" in str(e):
            pytest.skip(f"gpu: {e}")
        raise
