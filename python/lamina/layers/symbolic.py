"""Symbolic tensors and the nodes that connect layers in a functional graph.

`Input(shape=...)` returns a `KerasTensor`; calling a layer on KerasTensors records a `Node`
and returns new KerasTensors whose shapes were inferred. A functional Model walks these
nodes; nothing here computes values.
"""

from __future__ import annotations

from typing import Any


class KerasTensor:
    """A placeholder with a shape (None for unknown sizes) and a dtype."""

    def __init__(self, shape, dtype: str = "float32", name: str | None = None, history=None, sparse: bool = False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self._keras_history = history  # (layer, node_index, tensor_index)
        self._keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError("len() of a symbolic tensor with an unknown first dimension")
        return self.shape[0]

    # Ops on symbolic tensors become graph nodes (see layers/core/op_layer.py).
    def _op(self, name, *args, **kwargs):
        from lamina.layers.core.op_layer import symbolic_op

        return symbolic_op(name, *args, **kwargs)

    def __add__(self, o):
        return self._op("add", self, o)

    def __radd__(self, o):
        return self._op("add", o, self)

    def __sub__(self, o):
        return self._op("subtract", self, o)

    def __rsub__(self, o):
        return self._op("subtract", o, self)

    def __mul__(self, o):
        return self._op("multiply", self, o)

    def __rmul__(self, o):
        return self._op("multiply", o, self)

    def __truediv__(self, o):
        return self._op("divide", self, o)

    def __rtruediv__(self, o):
        return self._op("divide", o, self)

    def __matmul__(self, o):
        return self._op("matmul", self, o)

    def __rmatmul__(self, o):
        return self._op("matmul", o, self)

    def __pow__(self, o):
        return self._op("power", self, o)

    def __neg__(self):
        return self._op("negative", self)

    def __abs__(self):
        return self._op("abs", self)

    def __getitem__(self, key):
        return self._op("__getitem__", self, key)


class Node:
    """One call of a layer on symbolic inputs: the call's arguments (KerasTensors inside
    nested structures) and its outputs."""

    def __init__(self, layer, call_args: tuple, call_kwargs: dict, outputs: list):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((call_args, call_kwargs)) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self) -> list:
        parents = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            node = layer._inbound_nodes[node_index]
            if node not in parents:
                parents.append(node)
        return parents


def flatten(structure: Any) -> list:
    """Leaves of nested lists/tuples/dicts (dicts in key order)."""
    if isinstance(structure, (list, tuple)):
        out = []
        for s in structure:
            out.extend(flatten(s))
        return out
    if isinstance(structure, dict):
        out = []
        for k in sorted(structure, key=str):
            out.extend(flatten(structure[k]))
        return out
    return [structure]


def map_structure(fn, structure: Any) -> Any:
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def any_symbolic(structure: Any) -> bool:
    if isinstance(structure, KerasTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(any_symbolic(s) for s in structure)
    if isinstance(structure, dict):
        return any(any_symbolic(s) for s in structure.values())
    return False
