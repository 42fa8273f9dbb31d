"""The ONNX graph being built: nodes, weights (initializers) and unique names.

Converters (onnx_layers.py, onnx_recurrent.py) add nodes through `GraphBuilder.op` and
weights through `GraphBuilder.const`; `Value` is what flows between them: an ONNX tensor name
with the Keras shape (None for a size known only at run time) and, after an
`Embedding(mask_zero=True)`, the name of its boolean mask.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


class ExportError(ValueError):
    """A model or layer that cannot be written to ONNX with the same results."""


def require_onnx():
    try:
        import onnx
    except ImportError as e:
        raise ImportError("ONNX export needs the `onnx` package: `pip install lamina[onnx]` "
                          "(or `pip install onnx`).") from e
    return onnx


@dataclass
class Value:
    """A tensor of the graph: its ONNX name, its Keras shape and dtype, and its Keras mask."""

    name: str
    shape: tuple
    dtype: str = "float32"
    mask: str | None = None  # ONNX name of a bool [batch, steps] tensor, or None

    @property
    def ndim(self) -> int:
        return len(self.shape)


class GraphBuilder:
    """Collects nodes and initializers; `op` returns the output name(s) of one node."""

    def __init__(self, opset: int):
        self.onnx = require_onnx()
        self.opset = opset
        self.nodes: list = []
        self.initializers: list = []
        self._used: set = set()
        self._consts: dict = {}

    def fresh(self, hint: str) -> str:
        base = "".join(c if c.isalnum() or c in "_./:" else "_" for c in hint) or "t"
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    def reserve(self, name: str) -> None:
        self._used.add(name)

    def const(self, array, hint: str = "const") -> str:
        """A weight or constant as an initializer (float64 arrays become float32). Equal arrays
        share one initializer, so a shared layer or nested model called twice is stored once."""
        array = np.ascontiguousarray(array)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        key = (array.dtype.str, array.shape, hashlib.blake2b(array.tobytes(), digest_size=16).digest())
        if key in self._consts:
            return self._consts[key]
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        self._consts[key] = name
        return name

    def ints(self, values, hint: str = "shape") -> str:
        return self.const(np.asarray(values, dtype=np.int64), hint)

    def op(self, op_type: str, inputs: list, hint: str, outputs: int = 1, **attrs):
        names = [self.fresh(f"{hint}/{op_type}" if outputs == 1 else f"{hint}/{op_type}_{k}") for k in range(outputs)]
        node_name = self.fresh(f"{hint}/{op_type}_node")
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, name=node_name, **attrs))
        return names[0] if outputs == 1 else names

    # Small compositions used by several converters.
    def transpose(self, x: str, perm, hint: str) -> str:
        return self.op("Transpose", [x], hint, perm=list(perm))

    def reshape(self, x: str, shape, hint: str) -> str:
        return self.op("Reshape", [x, self.ints(shape, f"{hint}/shape")], hint)

    def reduce(self, op_type: str, x: str, axes, hint: str, keepdims: int = 1) -> str:
        return self.op(op_type, [x, self.ints(list(axes), f"{hint}/axes")], hint, keepdims=keepdims)

    def flip_axis(self, x: str, axis: int, hint: str) -> str:
        """Reverses `x` along `axis` whatever its (run-time) length."""
        big = np.iinfo(np.int64).max
        return self.op("Slice", [x, self.ints([-1], f"{hint}/start"), self.ints([-big], f"{hint}/end"),
                                 self.ints([axis], f"{hint}/axis"), self.ints([-1], f"{hint}/step")], hint)
