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


# Keras 3 records these graph ops as `keras.src.ops.numpy` operations (an `Embedding` with
# `mask_zero=True` writes a `NotEqual`); lamina's op name <-> Keras' class name, where the
# class is not simply the op name in CamelCase.
_KERAS_CLASS = {"__getitem__": "GetItem", "abs": "Absolute"}
_FROM_KERAS_CLASS = {v: k for k, v in _KERAS_CLASS.items()}


def keras_op_class(op_name: str) -> str:
    """Keras' class for lamina op `op_name` ("not_equal" -> "NotEqual")."""
    return _KERAS_CLASS.get(op_name) or "".join(part.title() for part in op_name.split("_"))


def op_name_from_keras(class_name: str) -> str:
    """lamina's op for a Keras op class ("NotEqual" -> "not_equal")."""
    from lamina import config

    return _FROM_KERAS_CLASS.get(class_name) or config.to_snake_case(class_name)


def has_op(op_name: str) -> bool:
    """Whether lamina can replay op `op_name`."""
    try:
        _op(op_name)
    except AttributeError:
        return False
    return True


class OpLayer(Layer):
    """A layer that applies one `lamina.ops` function (by name) to its arguments.

    Not among a model's `layers` (Keras lists only layers there, not ops), but in its config.
    """

    def __init__(self, op_name, **kwargs):
        try:
            fn = _op(op_name)
        except AttributeError:
            raise ValueError(f"op layer {kwargs.get('name', '')!r}: lamina has no op '{op_name}' to replay "
                             f"(Keras op class '{keras_op_class(op_name)}')") from None
        kwargs["name"] = kwargs.get("name") or _unique(op_name)
        super().__init__(**kwargs)
        self.op_name = op_name
        self._fn = fn

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def get_config(self):
        return {**super().get_config(), "op_name": self.op_name}


def _unique(op_name: str) -> str:
    from lamina import config

    return config.unique_name(config.to_snake_case(keras_op_class(op_name)))


def symbolic_op(name, *args, **kwargs):
    """Applies op `name` to arguments containing KerasTensors by calling an OpLayer on them."""
    layer = OpLayer(name)
    # Constants stay in the node's arguments; only KerasTensors are graph inputs.
    return layer(*args, **kwargs)

