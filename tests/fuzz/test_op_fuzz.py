"""Op fuzzing with hypothesis: every op of `lamina.ops` with random shapes (including empty and
huge dimensions), memory layouts (C, F, strided, negative and zero strides, unaligned,
byte-swapped, non-contiguous engine views), dtypes, NaN/Inf and bad axes.

Each example runs in a child process (child_process.ChildRunner), so a segfault, abort or hang
fails the example instead of killing pytest. Results are compared with numpy where numpy
defines them (op_table.OPS); otherwise the op must succeed or raise a clean error naming it.

CI runs a fixed seed and LAMINA_FUZZ_EXAMPLES examples per op (default 8); set it higher for
a long run. The session summary prints the counts of cases, numpy matches, clean errors and
failures.
"""

import collections
import os

import pytest

try:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("the op fuzz suite needs hypothesis: pip install '.[test]'", allow_module_level=True)

from child_process import ChildRunner
from lamina import ops
from not_yet_fuzzed import NOT_YET_FUZZED
from op_table import OPS

EXAMPLES = int(os.environ.get("LAMINA_FUZZ_EXAMPLES", "8"))
COUNTS = collections.Counter()
FAILURES = []

HUGE = [2**31, 2**40, 2**62, 2**63 - 1]
DTYPES = ["float32", "float64", "int32", "int64", "bool"]
ODD_DTYPES = ["float16", "uint8", "int16", "uint64"]
LAYOUTS = ["C", "F", "strided", "negative", "broadcast", "unaligned", "bigendian", "readonly", "F_unaligned_bigendian"]
VIEWS = ["tensor", "tensor_T", "tensor_flip"]


# ---- strategies --------------------------------------------------------------------------

@st.composite
def shapes(draw, min_rank=0, max_rank=4, max_dim=4):
    rank = draw(st.integers(min_rank, max_rank))
    shape = draw(st.lists(st.integers(0, max_dim), min_size=rank, max_size=rank))
    # Now and then an empty array with a huge (still addressable by numpy) axis.
    if rank >= 2 and 0 in shape and draw(st.integers(0, 7)) == 0:
        others = [i for i in range(rank) if i != shape.index(0)]
        shape[draw(st.sampled_from(others))] = draw(st.sampled_from([2**31, 2**40]))
    return shape


@st.composite
def arrays(draw, shape=None, dtypes=None, min_rank=0, max_rank=4):
    shape = draw(shapes(min_rank, max_rank)) if shape is None else shape
    dtype = draw(st.sampled_from(dtypes or DTYPES + ODD_DTYPES[: draw(st.integers(0, 1)) * 4]))
    small = max(shape, default=0) <= 64
    spec = {
        "shape": shape,
        "dtype": dtype,
        "seed": draw(st.integers(0, 2**16)),
        "special": draw(st.sampled_from([None, None, "nan", "inf", "mixed"])) if dtype.startswith("float") else None,
        "layout": draw(st.sampled_from(LAYOUTS)) if small else "C",
        "as": draw(st.sampled_from(["numpy", "numpy"] + VIEWS)) if small and dtype in DTYPES else "numpy",
    }
    return {"array": spec}


def axis_value(draw, rank):
    return draw(st.one_of(st.integers(-rank - 1, rank), st.sampled_from([None] + HUGE[:1] + [-(2**62)])))


def axes_value(draw, rank):
    return draw(st.one_of(st.just(None), st.integers(-rank - 1, rank),
                          st.lists(st.integers(-rank - 1, rank), max_size=rank + 1).map(lambda v: {"tuple": v})))


def size_value(draw):
    return draw(st.one_of(st.integers(0, 5), st.integers(-3, -1), st.sampled_from(HUGE)))


def broadcastable(draw, shape):
    """A shape that usually broadcasts with `shape` (sometimes not, sometimes of another rank)."""
    out = [draw(st.sampled_from([d, d, 1, draw(st.integers(0, 4))])) for d in shape]
    if draw(st.booleans()):
        out = out[draw(st.integers(0, len(out))):]
    elif draw(st.integers(0, 3)) == 0:
        out = [draw(st.integers(1, 3))] + out
    # A huge axis only in an empty array (it could not be allocated otherwise).
    return out if 0 in out else [min(d, 4) for d in out]


def _shape_of(a):
    return a["array"]["shape"]


ARGUMENTS = {}


def kind(name):
    def register(f):
        ARGUMENTS[name] = f
        return f
    return register


@kind("unary")
def _(draw, op):
    return [draw(arrays())], {}


@kind("binary")
def _(draw, op):
    a = draw(arrays())
    return [a, draw(arrays(shape=broadcastable(draw, _shape_of(a))))], {}


@kind("binary_any")
def _(draw, op):
    return [draw(arrays(max_rank=2)), draw(arrays(max_rank=2))], {}


@kind("clip")
def _(draw, op):
    return [draw(arrays()), draw(st.floats(-3, 1)), draw(st.floats(-1, 3))], {}


@kind("where")
def _(draw, op):
    a = draw(arrays(dtypes=["bool"]))
    s = _shape_of(a)
    return [a, draw(arrays(shape=broadcastable(draw, s))), draw(arrays(shape=broadcastable(draw, s)))], {}


@kind("cast")
def _(draw, op):
    return [draw(arrays()), draw(st.sampled_from(DTYPES + ["float16", "nonsense"]))], {}


@kind("reduce")
def _(draw, op):
    a = draw(arrays())
    return [a], {"axis": axes_value(draw, len(_shape_of(a))), "keepdims": draw(st.booleans())}


@kind("arg_reduce")
def _(draw, op):
    a = draw(arrays())
    return [a], {"axis": draw(st.one_of(st.just(None), st.integers(-len(_shape_of(a)) - 1, len(_shape_of(a))))),
                 "keepdims": draw(st.booleans())}


@kind("count_nonzero")
def _(draw, op):
    a = draw(arrays())
    return [a], {"axis": axes_value(draw, len(_shape_of(a)))}


@kind("reshape")
def _(draw, op):
    a = draw(arrays())
    n = 1
    for d in _shape_of(a):
        n *= d
    target = draw(st.one_of(shapes(0, 4, 6), st.just([n]), st.just([-1]),
                            st.lists(st.sampled_from([-1, 0, 1, 2, n] + HUGE[:3]), max_size=4)))
    return [a, target], {}


@kind("transpose")
def _(draw, op):
    a = draw(arrays())
    r = len(_shape_of(a))
    axes = draw(st.one_of(st.just(None), st.permutations(list(range(r))), st.lists(st.integers(-r - 1, r), max_size=r + 1)))
    return [a], {"axes": axes}


@kind("axis")
def _(draw, op):
    a = draw(arrays())
    return [a, axis_value(draw, len(_shape_of(a)))], {}


@kind("axes")
def _(draw, op):
    a = draw(arrays())
    return [a, axes_value(draw, len(_shape_of(a)))], {}


@kind("squeeze")
def _(draw, op):
    a = draw(arrays(shape=draw(st.lists(st.sampled_from([1, 1, 2, 0]), max_size=4))))
    return [a], {"axis": axes_value(draw, len(_shape_of(a)))}


@kind("broadcast_to")
def _(draw, op):
    a = draw(arrays(max_rank=3))
    target = draw(st.one_of(st.lists(st.integers(0, 4), max_size=5),
                            st.builds(lambda lead, s: lead + s, st.lists(st.sampled_from([0, 2] + HUGE), max_size=2),
                                      st.just([max(d, 1) for d in _shape_of(a)]))))
    return [a, target], {}


@kind("join")
def _(draw, op):
    a = draw(arrays(min_rank=1))
    s = _shape_of(a)
    others = [draw(arrays(shape=draw(st.sampled_from([s, broadcastable(draw, s)])))) for _ in range(draw(st.integers(0, 3)))]
    return [{"list": [a] + others}], {"axis": axis_value(draw, len(s))}


@kind("unstack")
def _(draw, op):
    a = draw(arrays(min_rank=1))
    return [a], {"num": draw(st.one_of(st.none(), st.integers(0, 4))), "axis": axis_value(draw, len(_shape_of(a)))}


@kind("split")
def _(draw, op):
    a = draw(arrays(min_rank=1))
    ios = draw(st.one_of(st.integers(-1, 4), st.lists(st.integers(-5, 6), max_size=4)))
    return [a, ios], {"axis": axis_value(draw, len(_shape_of(a)))}


@kind("repeats")
def _(draw, op):
    return [draw(arrays(max_rank=3)), draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4),
                                                   st.lists(st.sampled_from([0, 1, 2, -1] + HUGE), max_size=3)))], {}


@kind("repeat")
def _(draw, op):
    a = draw(arrays(max_rank=3))
    reps = draw(st.one_of(st.integers(-1, 3), st.sampled_from(HUGE), st.lists(st.integers(0, 3), max_size=4)))
    return [a, reps], {"axis": draw(st.one_of(st.none(), st.integers(-4, 3)))}


@kind("two_axes")
def _(draw, op):
    a = draw(arrays(min_rank=1))
    r = len(_shape_of(a))
    return [a, axis_value(draw, r), axis_value(draw, r)], {}


@kind("pad")
def _(draw, op):
    a = draw(arrays(max_rank=3))
    width = draw(st.one_of(st.integers(0, 3), st.tuples(st.integers(0, 3), st.integers(0, 3)).map(list),
                           st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)).map(list), max_size=4),
                           st.sampled_from([-1, 2**62, [[2**63 - 1, 0]]])))
    mode = draw(st.sampled_from(["constant", "reflect", "symmetric", "wrap"]))
    return [a, width], {"mode": mode}


@kind("slice")
def _(draw, op):
    a = draw(arrays(min_rank=1))
    r = len(_shape_of(a))
    return [a, draw(st.lists(st.integers(-2, 4), min_size=r, max_size=r)), draw(st.lists(st.integers(-1, 4), min_size=r, max_size=r))], {}


@kind("take")
def _(draw, op):
    a = draw(arrays())
    idx = draw(arrays(dtypes=["int32", "int64"], max_rank=2))
    return [a, idx], {"axis": draw(st.one_of(st.none(), st.integers(-len(_shape_of(a)) - 1, len(_shape_of(a)))))}


@kind("one_hot")
def _(draw, op):
    a = draw(arrays(dtypes=["int32", "int64"], max_rank=3))
    return [a, draw(st.one_of(st.integers(0, 6), st.sampled_from(HUGE)))], {"axis": axis_value(draw, len(_shape_of(a)) + 1)}


@kind("shape")
def _(draw, op):
    return [draw(st.one_of(shapes(), st.lists(st.one_of(st.integers(0, 4), st.sampled_from(HUGE + [-1])), max_size=4)))], {}


@kind("full")
def _(draw, op):
    args, _ = ARGUMENTS["shape"](draw, op)
    return args + [draw(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-9, 9)))], {}


@kind("full_like")
def _(draw, op):
    return [draw(arrays()), draw(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-9, 9)))], {}


@kind("arange")
def _(draw, op):
    num = st.one_of(st.integers(-10, 10), st.floats(-10, 10), st.sampled_from(HUGE + [-(2**62), 0.0]))
    return [draw(num), draw(st.one_of(st.none(), num)), draw(st.one_of(st.none(), num))], {}


@kind("eye")
def _(draw, op):
    return [size_value(draw)], {"M": draw(st.one_of(st.none(), st.integers(0, 5), st.sampled_from([0] + HUGE))),
                                "k": draw(st.one_of(st.integers(-6, 6), st.sampled_from([2**62, -(2**62), 2**63 - 1])))}


@kind("identity")
def _(draw, op):
    return [draw(st.one_of(st.integers(0, 5), st.sampled_from([-1]))), ], {}


@kind("matmul")
def _(draw, op):
    a = draw(arrays(min_rank=0, max_rank=3))
    s = list(_shape_of(a))
    b_shape = draw(st.sampled_from([s[-1:] + [draw(st.integers(0, 3))], s[-1:], s[::-1], broadcastable(draw, s)]))
    return [a, draw(arrays(shape=b_shape))], {}


@kind("einsum")
def _(draw, op):
    sub, shapes_of = draw(st.sampled_from([("ij,jk->ik", "ab,bc"), ("ii->i", "aa"), ("ij->ji", "ab"), ("i,i->", "a,a"),
                                           ("bij,bjk->bik", "xab,xbc"), ("ij", "ab"), ("i,j->ij", "a,b")]))
    dims = {c: draw(st.integers(0, 3)) for c in "abcx"}
    operands = [draw(arrays(shape=[dims[c] for c in part])) for part in shapes_of.split(",")]
    if draw(st.integers(0, 4)) == 0:  # a wrong shape
        operands[0] = draw(arrays())
    return [sub] + operands, {}


@kind("diag")
def _(draw, op):
    a = draw(arrays(min_rank=1))
    r = len(_shape_of(a))
    return [a], {"offset": draw(st.one_of(st.integers(-4, 4), st.sampled_from([2**62, -(2**62)]))),
                 "axis1": axis_value(draw, r), "axis2": axis_value(draw, r)}


@kind("conv")
def _(draw, op):
    rank = draw(st.sampled_from([3, 4]))
    x = draw(arrays(shape=draw(shapes(rank, rank, 5)), dtypes=["float32", "float64", "int32"]))
    k = draw(arrays(shape=draw(shapes(rank, rank, 3)), dtypes=["float32", "float64"]))
    kw = {"strides": draw(st.one_of(st.integers(1, 3), st.sampled_from([0, 2**62]))),
          "padding": draw(st.sampled_from(["valid", "same", "full"])),
          "dilation_rate": draw(st.one_of(st.integers(1, 2), st.sampled_from([0, 2**62])))}
    if op == "conv_transpose" and draw(st.booleans()):
        kw["output_padding"] = draw(st.one_of(st.integers(0, 2), st.sampled_from([2**62])))
    return [x, k], kw


@kind("pool")
def _(draw, op):
    rank = draw(st.sampled_from([3, 4]))
    x = draw(arrays(shape=draw(shapes(rank, rank, 5)), dtypes=["float32", "float64", "int32"]))
    return [x, draw(st.one_of(st.integers(1, 3), st.sampled_from([0, 2**62])))], {
        "strides": draw(st.one_of(st.none(), st.integers(1, 3), st.sampled_from([2**62]))),
        "padding": draw(st.sampled_from(["valid", "same"]))}


# Generic arguments by parameter name, for ops without a dedicated strategy.
ARRAY_PARAMS = {"x", "x1", "x2", "y", "inputs", "target", "output", "y_true", "y_pred", "kernel", "condition", "mean",
                "variance", "offset", "scale", "gamma", "beta", "bias", "mask", "updates", "values", "indices",
                "initial_state", "initial_state_h", "initial_state_c", "recurrent_kernel", "depthwise_kernel",
                "pointwise_kernel", "dropout_mask", "recurrent_dropout_mask", "inputs", "xs"}


def _generic_value(draw, name, default_is_none):
    if name in ARRAY_PARAMS:
        if default_is_none and draw(st.booleans()):
            return None
        return draw(arrays(max_rank=4))
    if name in ("axis", "axes", "axis1", "axis2", "source", "destination"):
        return axes_value(draw, 4)
    if name in ("shape", "start_indices", "strides", "pool_size", "dilation_rate", "output_padding", "noise_shape"):
        return draw(st.one_of(st.none(), shapes(0, 4), st.integers(0, 3)))
    if name in ("padding",):
        return draw(st.sampled_from(["valid", "same"]))
    if name in ("activation", "recurrent_activation"):
        return draw(st.sampled_from([None, "tanh", "relu", "sigmoid", "nonsense"]))
    if name in ("keepdims", "from_logits", "return_sequences", "go_backwards", "zero_output_for_mask", "reset_after",
                "synchronized", "approximate", "sparse"):
        return draw(st.booleans())
    if name in ("epsilon", "negative_slope", "alpha", "rate", "fill_value"):
        return draw(st.floats(-1, 2))
    if name == "subscripts":
        return draw(st.sampled_from(["ij,jk->ik", "i->", "ii", "bad"]))
    return draw(st.one_of(st.none(), st.integers(-3, 5)))


@kind("generic")
def _(draw, op):
    import inspect

    params = list(inspect.signature(getattr(ops, op)).parameters.values())
    args, kwargs = [], {}
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            args += [draw(arrays(max_rank=3)) for _ in range(draw(st.integers(0, 2)))]
            continue
        required = p.default is p.empty
        if not required and draw(st.integers(0, 2)) != 0:
            continue  # keep the default
        value = _generic_value(draw, p.name, not required and p.default is None)
        if required and p.kind is not p.KEYWORD_ONLY:
            args.append(value)
        else:
            kwargs[p.name] = value
    return args, kwargs


# ---- the tests ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def child():
    runner = ChildRunner("fuzz_worker:run", timeout=60, paths=[os.path.dirname(__file__)])
    yield runner
    runner.close()


def test_every_op_is_fuzzed():
    exported = {n for n in dir(ops) if not n.startswith("_") and callable(getattr(ops, n))}
    missing = sorted(exported - set(OPS) - NOT_YET_FUZZED)
    assert not missing, f"ops without a fuzz entry in tests/fuzz/op_table.py: {missing}"
    stale = sorted(NOT_YET_FUZZED & set(OPS))
    assert not stale, f"ops fuzzed now: remove them from tests/fuzz/not_yet_fuzzed.py: {stale}"


@pytest.mark.parametrize("op", sorted(OPS))
def test_op_fuzz(child, op):
    @seed(20261206)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(st.data())
    def check(data):
        args, kwargs = data.draw(st.composite(lambda draw: ARGUMENTS[OPS[op][0]](draw, op))(), label="arguments")
        out = child.run({"op": op, "args": args, "kwargs": kwargs})
        COUNTS["cases"] += 1
        COUNTS[out["status"]] += 1
        if out["status"] not in ("match", "ok", "clean_error"):
            FAILURES.append((op, args, kwargs, out))
        assert out["status"] in ("match", "ok", "clean_error"), f"{op}(*{args}, **{kwargs}): {out}"

    check()
