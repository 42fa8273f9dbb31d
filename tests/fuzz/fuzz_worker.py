"""The child side of the op fuzz suite (run through child_process.ChildRunner): builds the
arrays a case describes, runs the op and its numpy reference, and classifies the outcome.

A case is JSON: {"op": name, "args": [...], "kwargs": {...}}. An argument {"array": {...}}
becomes a numpy array (or a lamina tensor) of the described shape, dtype, values and memory
layout; {"list": [...]} a Python list of arguments; anything else is passed as is.

Outcomes: "match" (numpy agrees), "ok" (no numpy reference, or numpy refused the case),
"clean_error" (ValueError/TypeError/IndexError/MemoryError/OverflowError naming the op or,
for PyO3's argument conversion, the argument), "mismatch", "bad_error".
"""

import traceback
import warnings

import numpy as np

import lamina as lm
from lamina import ops
from op_table import ALIASES, OPS

CLEAN_ERRORS = (ValueError, TypeError, IndexError, MemoryError, OverflowError)


def _values(shape, dtype, seed, special):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        v = rng.random(n) < 0.5
    elif np.dtype(dtype).kind in "iu":
        lo = 0 if np.dtype(dtype).kind == "u" else -5
        v = rng.integers(lo, 6, n)
    else:
        v = rng.normal(0, 3, n)
        if special and n:
            picks = {"nan": [np.nan], "inf": [np.inf, -np.inf], "mixed": [np.nan, np.inf, -np.inf, -0.0, 0.0]}[special]
            where = rng.random(n) < 0.3
            v[where] = rng.choice(picks, int(where.sum()))
    return v.astype(dtype).reshape(shape)


def _layout(x, layout):
    """`x`'s values in the given memory layout (a view or copy with the same logical values)."""
    if x.ndim == 0:
        return x
    if layout == "F":
        return np.asfortranarray(x)
    if layout == "strided":
        big = np.zeros([2 * d for d in x.shape] or [], x.dtype)
        view = big[tuple(slice(None, None, 2) for _ in x.shape)]
        view[...] = x
        return view
    if layout == "negative":
        rev = tuple(slice(None, None, -1) for _ in x.shape)
        return x[rev].copy()[rev]
    if layout == "broadcast":
        # Stretch the first axis' first slice: zero strides (values change; the reference
        # sees the same array).
        if x.ndim == 0 or x.shape[0] == 0:
            return x
        return np.broadcast_to(x[:1], x.shape)
    if layout in ("unaligned", "F_unaligned_bigendian"):
        # One byte into a buffer: misaligned for every dtype wider than a byte.
        plain = layout == "unaligned"
        dt = x.dtype if plain else x.dtype.newbyteorder(">")
        out = np.ndarray(x.shape, dt, buffer=bytearray(x.nbytes + 1), offset=1, order="C" if plain else "F")
        out[...] = x
        return out
    if layout == "bigendian":
        return x.astype(x.dtype.newbyteorder(">"))
    if layout == "readonly":
        x = x.copy()
        x.flags.writeable = False
        return x
    return x


# numpy dtypes lamina lacks and the ones it reads them as (convert_to_tensor's documented
# mapping): the numpy reference computes on the values lamina sees.
AS_LAMINA = {"float16": "float32", "uint8": "int32", "int8": "int32", "int16": "int32", "uint16": "int32",
             "uint32": "int64", "uint64": "int64"}


def _array(spec):
    x = _values(tuple(spec["shape"]), spec["dtype"], spec["seed"], spec.get("special"))
    x = _layout(x, spec.get("layout", "C"))
    as_ = spec.get("as", "numpy")
    if as_ == "numpy":
        return x, x.astype(AS_LAMINA.get(spec["dtype"], x.dtype.newbyteorder("=")))
    c = np.ascontiguousarray(x)
    if as_ == "tensor":
        return lm.tensor(c), c
    if as_ == "tensor_T":  # a transposed (non-contiguous) engine view
        return ops.transpose(lm.tensor(np.ascontiguousarray(c.T))), c
    if as_ == "tensor_flip":  # a negative-stride engine view
        return ops.flip(lm.tensor(np.flip(c).copy())), c
    raise ValueError(f"unknown array kind {as_}")


def _build(spec):
    """(value for lamina, value for numpy)."""
    if isinstance(spec, dict) and "array" in spec:
        return _array(spec["array"])
    if isinstance(spec, dict) and "list" in spec:
        pairs = [_build(s) for s in spec["list"]]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if isinstance(spec, dict) and "tuple" in spec:
        return tuple(spec["tuple"]), tuple(spec["tuple"])
    return spec, spec


def _to_numpy(result):
    if isinstance(result, (list, tuple)):
        return [_to_numpy(r) for r in result]
    return np.asarray(result)


def _compare(got, want, path="result"):
    """None when `got` (lamina, as numpy) equals `want` (numpy), else what differs."""
    if isinstance(want, (list, tuple)):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path}: {len(want)} parts expected, got {type(got).__name__} of {len(got) if isinstance(got, list) else 1}"
        for i, (g, w) in enumerate(zip(got, want)):
            d = _compare(g, w, f"{path}[{i}]")
            if d:
                return d
        return None
    want = np.asarray(want)
    if got.shape != want.shape:
        return f"{path}: shape {got.shape} != numpy's {want.shape}"
    if want.dtype.kind == "b" and got.dtype.kind == "b":
        return None if np.array_equal(got, want) else f"{path}: values differ\n got {got!r}\nwant {want!r}"
    g, w = got.astype(np.float64), want.astype(np.float64)
    low = got.dtype == np.float32 or want.dtype == np.float32 or got.dtype.kind != want.dtype.kind
    rtol, atol = (2e-4, 1e-5) if low else (1e-9, 1e-12)
    # float32 results of huge values overflow where float64 ones do not.
    if got.dtype == np.float32:
        w = w.astype(np.float32).astype(np.float64)
    if np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
        return None
    bad = ~np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    return f"{path}: {int(bad.sum())} of {bad.size} values differ (first at {np.argwhere(bad)[0].tolist()}: {g[bad][0]!r} vs numpy {w[bad][0]!r}), dtypes {got.dtype} / {want.dtype}"


def _names_op(op, error):
    """Whether the error names the op, or is one that names what it is about otherwise: PyO3's
    argument conversion ("argument 'axis': ...") and a failed allocation of a legitimately huge
    result (a MemoryError stating the size, as numpy's)."""
    message = str(error)
    names = (op,) + ALIASES.get(op, ())
    if isinstance(error, MemoryError) and "could not allocate" in message:
        return True
    return any(n in message for n in names) or message.startswith("argument '")


def run(case):
    op = case["op"]
    try:
        built_args = [_build(a) for a in case.get("args", [])]
        built_kwargs = {k: _build(v) for k, v in case.get("kwargs", {}).items()}
    except Exception as e:  # noqa: BLE001 (an unbuildable case is a suite bug, reported)
        return {"status": "bad_case", "detail": f"{type(e).__name__}: {e}"}
    args, np_args = [a[0] for a in built_args], [a[1] for a in built_args]
    kwargs, np_kwargs = {k: v[0] for k, v in built_kwargs.items()}, {k: v[1] for k, v in built_kwargs.items()}
    try:
        got = _to_numpy(getattr(ops, op)(*args, **kwargs))
    except CLEAN_ERRORS as e:
        if _names_op(op, e):
            return {"status": "clean_error", "type": type(e).__name__, "message": str(e)[:300]}
        return {"status": "bad_error", "detail": f"{type(e).__name__} not naming {op}: {e}"[:1000]}
    except BaseException as e:  # noqa: BLE001 (Rust panics, RuntimeError, ... are all failures)
        return {"status": "bad_error", "detail": f"{type(e).__name__}: {e}\n{traceback.format_exc()[-1500:]}"}
    ref = OPS[op][1]
    if ref is None:
        return {"status": "ok"}
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = ref(*np_args, **np_kwargs)
            want = [np.asarray(w) for w in want] if isinstance(want, (list, tuple)) else np.asarray(want)
    except Exception:  # noqa: BLE001 (numpy does not define this case)
        return {"status": "ok"}
    try:
        diff = _compare(got, want)
    except MemoryError:  # a huge broadcast view, too large to compare as float64
        return {"status": "ok"}
    if diff:
        return {"status": "mismatch", "detail": diff[:1500]}
    return {"status": "match"}
