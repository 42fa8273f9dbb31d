"""Python operators and indexing on symbolic tensors inside a functional model (`x + 1`,
`x[:, 0]`) become nodes of a small layer that replays the op on real tensors. (`lamina.ops`
functions themselves take real tensors only; use layers, or a Lambda, on symbolic ones.)"""

from __future__ import annotations

from lamina.layers.layer import Layer


def _op(name):
    import operator

    from lamina import ops

    if name == "__getitem__":
        return operator.getitem
    if name == "abs":
        return ops.abs
    return getattr(ops, name)


class OpLayer(Layer):
    """A layer that applies one `lamina.ops` function (by name) to its arguments."""

    def __init__(self, op_name, **kwargs):
        super().__init__(**kwargs)
        self.op_name = op_name
        self._fn = _op(op_name)

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def get_config(self):
        return {**super().get_config(), "op_name": self.op_name}


def symbolic_op(name, *args, **kwargs):
    """Applies op `name` to arguments containing KerasTensors by calling an OpLayer on them."""
    layer = OpLayer(name)
    # Constants stay in the node's arguments; only KerasTensors are graph inputs.
    return layer(*args, **kwargs)

