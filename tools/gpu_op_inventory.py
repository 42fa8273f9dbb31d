"""Which engine ops run on the gpu device: calls every function of `lamina.ops.__all__` (plus
`lamina.random` and the optimizer update of every optimizer) with small gpu inputs, then, for
differentiable ops, takes the gradient of sum(op(...)) with respect to the float inputs.

    python tools/gpu_op_inventory.py            # every op, grouped by outcome
    python tools/gpu_op_inventory.py --missing  # only what does not run on the gpu

Outcomes: "ok" (forward, and gradient where the op has float inputs), "no kernel" (the engine
says the op or its gradient has no gpu kernel), "refused" (a documented gpu refusal, e.g.
float64 or int64 arithmetic), or "error" (anything else: a bug). The sample arguments below
are tiny; this is an inventory, not a correctness test (tests/ops checks values).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import lamina as lm
from lamina import ops

rng = np.random.default_rng(0)
# The tape of the case being run: every float input is watched as it is made, before the op
# runs, so the op records its backward.
TAPE = None


def _float(a):
    t = lm.tensor(a.astype(np.float32))
    if TAPE is not None:
        TAPE.watch(t)
    return t


def f32(*shape):
    return _float(rng.standard_normal(shape))


def pos(*shape):
    return _float(rng.random(shape) + 0.5)


def i32(*shape, hi=3):
    return lm.tensor(rng.integers(0, hi, shape).astype(np.int32))


def i64(*shape, hi=3):
    return lm.tensor(rng.integers(0, hi, shape).astype(np.int64))


def bools(*shape):
    return lm.tensor(rng.random(shape) > 0.5)


def probs(*shape):
    p = rng.random(shape) + 0.1
    return _float(p / p.sum(-1, keepdims=True))


UNARY_FLOAT = ["negative", "abs", "absolute", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square",
               "reciprocal", "sin", "cos", "tanh", "sigmoid", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu",
               "softplus", "softsign", "silu", "swish", "hard_sigmoid", "hard_silu", "hard_swish", "floor", "ceil",
               "round", "isnan", "isfinite", "isinf", "ravel", "flatten", "softmax", "log_softmax", "flip"]
BINARY = ["add", "subtract", "multiply", "divide", "power", "minimum", "maximum", "floor_divide", "mod", "equal",
          "not_equal", "less", "less_equal", "greater", "greater_equal"]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor"]
REDUCE = ["sum", "mean", "max", "min", "prod", "var", "std", "logsumexp", "any", "all"]


def cases():
    """(family, label, thunk) for every op; the thunk builds its inputs on the current device
    and returns (output, float inputs to differentiate)."""
    out = []

    def add(family, label, fn):
        out.append((family, label, fn))

    for name in UNARY_FLOAT:
        if name in ("positive",):
            continue
        fam = "shape" if name in ("ravel", "flatten", "flip") else ("nn" if "softmax" in name else "elementwise")
        add(fam, name, lambda name=name: (lambda x: (getattr(ops, name)(x), [x]))(pos(2, 3) if name in ("log", "sqrt", "rsqrt") else f32(2, 3)))
    for name in BINARY:
        add("elementwise", name, lambda name=name: (lambda a, b: (getattr(ops, name)(a, b), [a, b]))(pos(2, 3), pos(3)))
        add("elementwise", f"{name}[int32]", lambda name=name: (getattr(ops, name)(i32(2, 3, hi=5) + 1, i32(3, hi=3) + 1), []))
        add("elementwise", f"{name}[int64]", lambda name=name: (getattr(ops, name)(i64(2, 3, hi=5) + 1, i64(3, hi=3) + 1), []))
    for name in ["negative", "abs", "square", "sign", "relu"]:
        add("elementwise", f"{name}[int64]", lambda name=name: (getattr(ops, name)(i64(2, 3)), []))
    for name in LOGICAL:
        add("elementwise", name, lambda name=name: (getattr(ops, name)(bools(2, 3), bools(3)), []))
    add("elementwise", "logical_not", lambda: (ops.logical_not(bools(2, 3)), []))
    for name in BITWISE:
        for dt, mk in (("int32", i32), ("int64", i64)):
            add("elementwise", f"{name}[{dt}]", lambda name=name, mk=mk: (getattr(ops, name)(mk(2, 3, hi=16), mk(3, hi=16)), []))
        add("elementwise", f"{name}[bool]", lambda name=name: (getattr(ops, name)(bools(2, 3), bools(3)), []))
    add("elementwise", "bitwise_invert[int32]", lambda: (ops.bitwise_invert(i32(2, 3, hi=16)), []))
    add("elementwise", "bitwise_invert[int64]", lambda: (ops.bitwise_invert(i64(2, 3, hi=16)), []))
    add("elementwise", "bitwise_invert[bool]", lambda: (ops.bitwise_invert(bools(2, 3)), []))
    add("elementwise", "clip", lambda: (lambda x: (ops.clip(x, -0.5, 0.5), [x]))(f32(2, 3)))
    add("elementwise", "where", lambda: (lambda a, b: (ops.where(bools(2, 3), a, b), [a, b]))(f32(2, 3), f32(3)))
    add("elementwise", "cast", lambda: (lambda x: (ops.cast(x, "int32"), []))(f32(2, 3)))
    add("elementwise", "cast[int64]", lambda: (ops.cast(i64(2, 3), "float32"), []))

    for name in REDUCE:
        add("reduce", name, lambda name=name: (lambda x: (getattr(ops, name)(x, axis=1), [x]))(f32(3, 4)))
    for name in ["sum", "prod", "max", "min"]:
        add("reduce", f"{name}[int32]", lambda name=name: (getattr(ops, name)(i32(3, 4), axis=0), []))
        add("reduce", f"{name}[int64]", lambda name=name: (getattr(ops, name)(i64(3, 4), axis=0), []))
    add("reduce", "max[ties]", lambda: (lambda x: (ops.max(x, axis=0), [x]))(lm.tensor(np.ones((3, 2), np.float32))))
    add("reduce", "argmax", lambda: (ops.argmax(f32(3, 4), axis=1), []))
    add("reduce", "argmin", lambda: (ops.argmin(f32(3, 4)), []))
    add("reduce", "count_nonzero", lambda: (ops.count_nonzero(f32(3, 4), axis=0), []))
    add("nn", "moments", lambda: (lambda x: (list(ops.moments(x, axes=[0])), [x]))(f32(4, 3)))

    # shape
    add("shape", "reshape", lambda: (lambda x: (ops.reshape(x, (3, 2)), [x]))(f32(2, 3)))
    add("shape", "transpose", lambda: (lambda x: (ops.transpose(x), [x]))(f32(2, 3)))
    add("shape", "expand_dims", lambda: (lambda x: (ops.expand_dims(x, 1), [x]))(f32(2, 3)))
    add("shape", "squeeze", lambda: (lambda x: (ops.squeeze(x), [x]))(f32(2, 1, 3)))
    add("shape", "broadcast_to", lambda: (lambda x: (ops.broadcast_to(x, (4, 3)), [x]))(f32(3)))
    add("shape", "concatenate", lambda: (lambda a, b: (ops.concatenate([a, b], axis=1), [a, b]))(f32(2, 3), f32(2, 2)))
    add("shape", "stack", lambda: (lambda a, b: (ops.stack([a, b], axis=1), [a, b]))(f32(2, 3), f32(2, 3)))
    add("shape", "unstack", lambda: (lambda x: (list(ops.unstack(x, axis=1)), [x]))(f32(2, 3)))
    add("shape", "split", lambda: (lambda x: (list(ops.split(x, 2, axis=1)), [x]))(f32(2, 4)))
    add("shape", "split[indices]", lambda: (lambda x: (list(ops.split(x, [3, 1], axis=1)), [x]))(f32(2, 4)))
    add("shape", "tile", lambda: (lambda x: (ops.tile(x, (2, 1)), [x]))(f32(2, 3)))
    add("shape", "repeat", lambda: (lambda x: (ops.repeat(x, 2, axis=0), [x]))(f32(2, 3)))
    add("shape", "repeat[counts]", lambda: (lambda x: (ops.repeat(x, [1, 2, 0], axis=1), [x]))(f32(2, 3)))
    add("shape", "swapaxes", lambda: (lambda x: (ops.swapaxes(x, 0, 1), [x]))(f32(2, 3)))
    add("shape", "moveaxis", lambda: (lambda x: (ops.moveaxis(x, 0, -1), [x]))(f32(2, 3, 4)))
    for mode in ("constant", "reflect", "symmetric"):
        add("shape", f"pad[{mode}]", lambda mode=mode: (lambda x: (ops.pad(x, ((1, 1), (2, 1)), mode=mode), [x]))(f32(3, 4)))
    add("shape", "pad[int32]", lambda: (ops.pad(i32(3, 4), ((1, 0), (0, 2)), constant_values=7), []))

    # index
    add("index", "getitem[basic]", lambda: (lambda x: (x[1:, ::-2], [x]))(f32(3, 4)))
    add("index", "getitem[int array]", lambda: (lambda x: (x[np.array([2, 0, 2])], [x]))(f32(3, 4)))
    add("index", "getitem[bool mask]", lambda: (lambda x: (x[np.array([True, False, True])], [x]))(f32(3, 4)))
    add("index", "getitem[gpu index]", lambda: (lambda x: (x[i32(4)], [x]))(f32(3, 4)))
    add("index", "slice", lambda: (lambda x: (ops.slice(x, (1, 0), (2, 3)), [x]))(f32(3, 4)))
    add("index", "slice_update", lambda: (lambda x, u: (ops.slice_update(x, (1, 1), u), [x, u]))(f32(3, 4), f32(2, 2)))
    add("index", "take", lambda: (lambda x: (ops.take(x, i32(5), axis=1), [x]))(f32(3, 4)))
    add("index", "take[int64 idx]", lambda: (lambda x: (ops.take(x, i64(5), axis=0), [x]))(f32(3, 4)))
    add("index", "gather", lambda: (lambda x: (ops.gather(x, i32(2)), [x]))(f32(3, 4)))
    add("index", "take_along_axis", lambda: (lambda x: (ops.take_along_axis(x, i32(3, 2, hi=4), axis=1), [x]))(f32(3, 4)))
    add("index", "scatter", lambda: (lambda v: (ops.scatter(lm.tensor(np.array([[0], [2], [0]], np.int32)), v, (3, 4)), [v]))(f32(3, 4)))
    add("index", "scatter_update", lambda: (lambda x, u: (ops.scatter_update(x, lm.tensor(np.array([[0, 1], [2, 3]], np.int32)), u), [x, u]))(f32(3, 4), f32(2)))
    add("index", "one_hot", lambda: (ops.one_hot(i32(4), 3), []))

    # creation
    add("creation", "convert_to_tensor", lambda: (ops.convert_to_tensor(np.ones(3, np.float32)), []))
    for name, args in [("zeros", ((2, 3),)), ("ones", ((2, 3),)), ("full", ((2, 3), 1.5)), ("arange", (5,)),
                       ("eye", (3,)), ("identity", (3,))]:
        add("creation", name, lambda name=name, args=args: (getattr(ops, name)(*args), []))
    for name in ("zeros_like", "ones_like"):
        add("creation", name, lambda name=name: (getattr(ops, name)(f32(2, 3)), []))
    add("creation", "full_like", lambda: (ops.full_like(f32(2, 3), 2.0), []))

    # linalg
    add("linalg", "matmul", lambda: (lambda a, b: (ops.matmul(a, b), [a, b]))(f32(2, 3), f32(3, 4)))
    add("linalg", "dot", lambda: (lambda a, b: (ops.dot(a, b), [a, b]))(f32(2, 3), f32(3, 4)))
    add("linalg", "tensordot", lambda: (lambda a, b: (ops.tensordot(a, b, axes=1), [a, b]))(f32(2, 3), f32(3, 4)))
    add("linalg", "einsum", lambda: (lambda a, b: (ops.einsum("ij,jk->ik", a, b), [a, b]))(f32(2, 3), f32(3, 4)))
    add("linalg", "outer", lambda: (lambda a, b: (ops.outer(a, b), [a, b]))(f32(3), f32(4)))
    add("linalg", "inner", lambda: (lambda a, b: (ops.inner(a, b), [a, b]))(f32(2, 3), f32(4, 3)))
    add("linalg", "vdot", lambda: (lambda a, b: (ops.vdot(a, b), [a, b]))(f32(3), f32(3)))
    add("linalg", "trace", lambda: (lambda x: (ops.trace(x), [x]))(f32(3, 3)))
    add("linalg", "diagonal", lambda: (lambda x: (ops.diagonal(x), [x]))(f32(3, 3)))
    add("linalg", "fused_linear", lambda: (lambda x, w, b: (ops.fused_linear(x, w, b, "relu"), [x, w, b]))(f32(2, 3), f32(3, 4), f32(4)))

    # nn / losses
    add("nn", "binary_crossentropy", lambda: (lambda o: (ops.binary_crossentropy(lm.tensor(np.array([[0., 1.]], np.float32)), o), [o]))(pos(1, 2) * 0.5))
    add("nn", "categorical_crossentropy", lambda: (lambda o: (ops.categorical_crossentropy(probs(2, 3), o), [o]))(probs(2, 3)))
    add("nn", "sparse_categorical_crossentropy", lambda: (lambda o: (ops.sparse_categorical_crossentropy(i32(2), o), [o]))(probs(2, 3)))
    add("nn", "mean_squared_error", lambda: (lambda a, b: (ops.mean_squared_error(a, b), [a, b]))(f32(2, 3), f32(2, 3)))
    add("nn", "mean_absolute_error", lambda: (lambda a, b: (ops.mean_absolute_error(a, b), [a, b]))(f32(2, 3), f32(2, 3)))
    add("nn", "batch_normalization", lambda: (lambda x: (ops.batch_normalization(x, f32(3), pos(3), axis=-1, offset=f32(3), scale=f32(3)), [x]))(f32(4, 3)))
    add("nn", "layer_normalization", lambda: (lambda x: (ops.layer_normalization(x, f32(3), f32(3)), [x]))(f32(4, 3)) if hasattr(ops, "layer_normalization") else None)
    add("nn", "batch_norm_train", lambda: (lambda x: (list(ops.batch_norm_train(x, pos(3), f32(3), [0])), [x]))(f32(4, 3)))

    # conv / pool
    add("conv", "conv", lambda: (lambda x, k: (ops.conv(x, k), [x, k]))(f32(1, 5, 5, 2), f32(3, 3, 2, 3)))
    add("conv", "conv_transpose", lambda: (lambda x, k: (ops.conv_transpose(x, k), [x, k]))(f32(1, 4, 4, 3), f32(3, 3, 2, 3)))
    add("conv", "depthwise_conv", lambda: (lambda x, k: (ops.depthwise_conv(x, k), [x, k]))(f32(1, 5, 5, 2), f32(3, 3, 2, 1)))
    add("conv", "separable_conv", lambda: (lambda x, d, p: (ops.separable_conv(x, d, p), [x, d, p]))(f32(1, 5, 5, 2), f32(3, 3, 2, 1), f32(1, 1, 2, 3)))
    add("conv", "max_pool", lambda: (lambda x: (ops.max_pool(x, 2), [x]))(f32(1, 4, 4, 2)))
    add("conv", "average_pool", lambda: (lambda x: (ops.average_pool(x, 2), [x]))(f32(1, 4, 4, 2)))

    # recurrent
    add("recurrent", "simple_rnn", lambda: (lambda x, k, r: (ops.simple_rnn(x, f32(2, 3), k, r, f32(3)), [x, k, r]))(f32(2, 4, 3), f32(3, 3), f32(3, 3)))
    add("recurrent", "lstm", lambda: (lambda x, k, r: (ops.lstm(x, f32(2, 3), f32(2, 3), k, r, f32(12)), [x, k, r]))(f32(2, 4, 3), f32(3, 12), f32(3, 12)))
    add("recurrent", "gru", lambda: (lambda x, k, r: (ops.gru(x, f32(2, 3), k, r, f32(2, 9)), [x, k, r]))(f32(2, 4, 3), f32(3, 9), f32(3, 9)))

    # random
    add("random", "uniform", lambda: (lm.random.uniform((2, 3), seed=1), []))
    add("random", "normal", lambda: (lm.random.normal((2, 3), seed=1), []))
    add("random", "truncated_normal", lambda: (lm.random.truncated_normal((2, 3), seed=1), []))
    add("random", "randint", lambda: (lm.random.randint((2, 3), 0, 5, seed=1), []))
    add("random", "shuffle", lambda: (lm.random.shuffle(f32(4, 2), seed=1), []))
    add("random", "dropout", lambda: (lambda x: (lm.random.dropout(x, 0.5, seed=1), [x]))(f32(4, 3)))
    return out


def optimizer_cases():
    out = []
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion"]:
        cls = getattr(lm.optimizers, name, None)
        if cls is None:
            continue

        def step(cls=cls):
            v = lm.Variable(np.ones((2, 3), np.float32))
            opt = cls()
            opt.apply([lm.tensor(np.full((2, 3), 0.5, np.float32))], [v])
            return v.value, []
        kw = {"SGD": "SGD(momentum)"}
        out.append(("optimizer", kw.get(name, name), step))
    return out


def run_case(thunk, grad=True):
    global TAPE
    with lm.device("gpu"):
        with lm.GradientTape() as tape:
            TAPE = tape
            try:
                res = thunk()
            finally:
                TAPE = None
            if res is None:
                return "skip", "not exposed"
            outs, srcs = res
            outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
            total = None
            for o in outs:
                if not o.dtype.startswith("float"):
                    continue
                term = ops.sum(o)
                total = term if total is None else total + term
        for o in outs:
            np.asarray(o)  # forces the launches (errors surface at readback)
            if o.device != "gpu":
                return "error", f"output on {o.device}"
        if grad and srcs and total is not None:
            gs = tape.gradient(total, srcs)
            for g in gs:
                if g is not None:
                    np.asarray(g)
    return "ok", ""


def all_ops():
    """Every name in the `__all__` of lamina.ops' submodules (lamina.ops itself re-exports them)."""
    import importlib
    import pkgutil

    names = []
    for m in pkgutil.iter_modules(ops.__path__):
        names += getattr(importlib.import_module(f"lamina.ops.{m.name}"), "__all__", [])
    return names


def classify(e: Exception):
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "no gpu kernel" in msg:
        return "no kernel", msg
    if "not supported on the gpu" in msg:
        return "refused", msg
    return "error", f"{type(e).__name__}: {msg}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--missing", action="store_true", help="list only what does not run on the gpu")
    args = ap.parse_args()
    if "gpu" not in lm.list_devices():
        print("no gpu device (install a Vulkan driver, e.g. Mesa's lavapipe)")
        return 2
    rows = []
    for family, label, thunk in cases() + optimizer_cases():
        try:
            status, why = run_case(thunk)
        except Exception as e:  # noqa: BLE001 - the inventory records every failure
            status, why = classify(e)
        rows.append((family, label, status, why))
    covered = {label.split("[")[0] for _, label, _, _ in rows}
    unlisted = sorted(set(all_ops()) - covered)
    counts = {}
    for _, _, s, _ in rows:
        counts[s] = counts.get(s, 0) + 1
    print("gpu op inventory:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), f"(of {len(rows)} cases)")
    for family in dict.fromkeys(r[0] for r in rows):
        fam = [r for r in rows if r[0] == family]
        shown = [r for r in fam if not args.missing or r[2] != "ok"]
        ok = sum(r[2] == "ok" for r in fam)
        print(f"\n[{family}] {ok}/{len(fam)} ok")
        for _, label, status, why in shown:
            if status == "ok":
                continue
            print(f"  {status:9s} {label}: {why[:160]}")
        if not args.missing:
            print("  ok: " + " ".join(r[1] for r in fam if r[2] == "ok"))
    if unlisted:
        print("\nops in lamina.ops.__all__ without a sample here:", ", ".join(unlisted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
