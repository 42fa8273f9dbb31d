"""Writes python/lamina/_core.pyi, the type stub of the compiled engine, from introspection of
lamina._core: every name in its __all__, with the signatures PyO3 records and the first line
of each docstring. Types the engine cannot report are filled in by the tables below (checked by
hand against bindings/src); the rest are `Any`. tests/packaging/test_core_stub.py fails when the
committed stub differs from what this script writes, so rerun it after changing the bindings:

    PYTHONPATH=python python tools/make_core_stub.py
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

STUB = Path(__file__).resolve().parents[1] / "python" / "lamina" / "_core.pyi"

# Properties whose type is known from bindings/src (tensor.rs, variable.rs, random.rs).
PROPERTY_TYPES = {
    ("Tensor", "shape"): "tuple[int, ...]", ("Tensor", "ndim"): "int", ("Tensor", "size"): "int",
    ("Tensor", "dtype"): "str", ("Tensor", "device"): "str", ("Tensor", "T"): "Tensor",
    ("Tensor", "_tracked"): "bool", ("Tensor", "_keras_mask"): "Tensor | None",
    ("Variable", "value"): "Tensor", ("Variable", "trainable"): "bool", ("Variable", "name"): "str",
    ("SeedGenerator", "seed"): "int", ("SeedGenerator", "state"): "tuple[int, int]",
}
# Return types that the docstrings do not say as "tensor".
RETURN_TYPES = {
    "list_devices": "list[str]", "gpu_adapter": "str", "get_default_device": "str", "set_default_device": "None",
    "synchronize": "None", "_simd_level": "str", "_gemm_kernel": "str", "is_recording": "bool",
    "tape_enter": "None", "tape_exit": "None", "pause_recording": "None", "resume_recording": "None",
    "set_global_random_seed": "None", "unstack": "list[Tensor]", "split": "list[Tensor]",
    "Tensor.numpy": "numpy.ndarray", "Tensor.__array__": "numpy.ndarray", "Tensor.item": "float | int | bool",
    "Tensor.to": "Tensor", "Tensor.reshape": "Tensor", "Tensor.astype": "Tensor", "Tensor._watch": "None",
    "Variable.assign": "Variable", "Variable.assign_add": "Variable", "Variable.assign_sub": "Variable",
    "SeedGenerator.next": "tuple[int, int]", "SeedGenerator.get_config": "dict[str, Any]",
}
# Ops whose docstrings do not name their result a tensor, but that return exactly one.
for _op in ("stop_gradient convert_to_tensor take_rows minimum maximum floor_divide mod bitwise_and bitwise_or "
            "bitwise_xor negative abs absolute exp expm1 log log1p sqrt rsqrt square reciprocal sin cos tanh floor "
            "ceil bitwise_invert where matmul dot trace diagonal categorical_crossentropy "
            "sparse_categorical_crossentropy mean_squared_error mean_absolute_error random_dropout reshape transpose "
            "expand_dims squeeze broadcast_to swapaxes").split():
    RETURN_TYPES[_op] = "Tensor"
RETURN_TYPES.update({"gradient": "list[Tensor | None]", "moments": "tuple[Tensor, Tensor]",
                     "batch_norm_train": "tuple[Tensor, Tensor, Tensor]", "optimizer_apply": "None"})
BINARY_DUNDERS = {"__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__mod__", "__rmod__",
                  "__floordiv__", "__rfloordiv__", "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__",
                  "__and__", "__rand__", "__xor__", "__rxor__", "__or__", "__ror__", "__lt__", "__le__", "__gt__",
                  "__ge__", "__getitem__"}
UNARY_DUNDERS = {"__neg__": "Tensor", "__pos__": "Tensor", "__abs__": "Tensor", "__invert__": "Tensor",
                 "__bool__": "bool", "__int__": "int", "__float__": "float", "__index__": "int", "__len__": "int",
                 "__repr__": "str", "__str__": "str", "__hash__": "int"}


def _summary(obj) -> str:
    doc = (inspect.getdoc(obj) or "").strip()
    return doc.split("\n\n")[0].replace("\n", " ").replace('"""', "'''")


def _returns(qualname: str, obj) -> str:
    if qualname in RETURN_TYPES:
        return RETURN_TYPES[qualname]
    doc = inspect.getdoc(obj) or ""
    section = re.search(r"Returns:\s*\n(.*?)(\n\n|\Z)", doc, re.S)
    if section and re.search(r"\btensors?\b", section.group(1), re.I):
        if re.search(r"\b(list|tuple|pair|two|three)\b", section.group(1), re.I):
            return "Any"
        return "Tensor"
    return "Any"


def _params(obj, drop_first: bool) -> str:
    text = getattr(obj, "__text_signature__", None)
    if text is None:
        return "*args: Any, **kwargs: Any"
    params = [p.strip() for p in text.strip("()").split(",") if p.strip()]
    if drop_first and params and params[0].startswith("$"):
        params = params[1:]
    out = []
    for p in params:
        if p in ("/", "*"):
            out.append(p)
        elif p.startswith("**"):
            out.append(f"{p}: Any")
        elif p.startswith("*"):
            out.append(f"{p}: Any")
        elif "=" in p:
            name, default = p.split("=", 1)
            out.append(f"{name}: Any = ...")
        else:
            out.append(f"{p}: Any")
    return ", ".join(out)


def _function(name: str, obj, indent: str = "", qualname: str | None = None, method: bool = False) -> list[str]:
    params = _params(obj, drop_first=method)
    first = "self" if method else ""
    sig = ", ".join(x for x in (first, params) if x)
    lines = [f"{indent}def {name}({sig}) -> {_returns(qualname or name, obj)}:"]
    summary = _summary(obj)
    lines.append(f'{indent}    """{summary}"""' if summary else f"{indent}    ...")
    return lines


def _class(name: str, cls) -> list[str]:
    bases = [b.__name__ for b in cls.__mro__[1:] if b is not object][:1]
    lines = [f"class {name}({', '.join(bases)}):" if bases else f"class {name}:"]
    summary = _summary(cls)
    if summary:
        lines.append(f'    """{summary}"""')
    init = getattr(cls, "__text_signature__", None)
    if init:
        lines.append(f"    def __init__(self, {_params(cls, drop_first=False)}) -> None: ...")
    for attr, raw in sorted(vars(cls).items()):  # PyO3 lists properties in a per-process order
        if attr in ("__new__", "__doc__", "__module__", "__dict__", "__array_ufunc__", "__eq__", "__ne__", "__pow__",
                    "__rpow__"):
            continue
        kind = type(raw).__name__
        if kind == "getset_descriptor":
            lines += ["    @property", f"    def {attr}(self) -> {PROPERTY_TYPES.get((name, attr), 'Any')}: ..."]
        elif attr in BINARY_DUNDERS:
            lines.append(f"    def {attr}(self, other: Any, /) -> Tensor: ...")
        elif attr in UNARY_DUNDERS:
            lines.append(f"    def {attr}(self) -> {UNARY_DUNDERS[attr]}: ...")
        elif kind == "classmethod_descriptor":
            params = _params(raw, drop_first=True)
            lines += ["    @classmethod", f"    def {attr}(cls, {params}) -> {name}: ..."]
        elif kind == "method_descriptor":
            lines += _function(attr, raw, indent="    ", qualname=f"{name}.{attr}", method=True)
    if "__pow__" in vars(cls):
        lines += ["    def __pow__(self, other: Any, mod: None = None, /) -> Tensor: ...",
                  "    def __rpow__(self, other: Any, mod: None = None, /) -> Tensor: ..."]
    return lines


def render() -> str:
    from lamina import _core

    out = ['"""Type stub of lamina._core, the compiled Rust engine. Written by tools/make_core_stub.py; do not edit."""',
           "", "from typing import Any", "", "import numpy", "", "__all__: list[str]", ""]
    for name in _core.__all__:
        obj = getattr(_core, name)
        out += (_class(name, obj) if inspect.isclass(obj) else _function(name, obj))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    STUB.write_text(render())
    print(f"wrote {STUB}", file=sys.stderr)
