"""InputLayer and Input: the entry points of functional models."""

from __future__ import annotations

import warnings

from lamina.layers.layer import Layer, _dtype_name
from lamina.layers.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """A layer that only holds the symbolic input of a model.

    Args:
        shape: the shape without the batch axis, e.g. (28, 28, 1).
        batch_size: optional fixed batch size.
        dtype: the input dtype (default float32).
        batch_shape: the full shape including the batch axis (instead of shape/batch_size).
        name: the layer's name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, input_tensor=None,
                 name=None, **kwargs):
        # Keras 2 configs say batch_input_shape; accept it as batch_shape.
        batch_shape = batch_shape or kwargs.pop("batch_input_shape", None)
        if "input_shape" in kwargs:  # Keras 3 still takes it, with this warning
            warnings.warn("Argument `input_shape` is deprecated. Use `shape` instead.", stacklevel=2)
            shape = kwargs.pop("input_shape")
        kwargs.pop("ragged", None)
        kwargs.pop("optional", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs `shape` (without the batch axis) or `batch_shape`")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._dtype = _dtype_name(dtype)
        self.built = True
        tensor = KerasTensor(self._batch_shape, self._dtype, name=self.name, history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, [tensor]))
        self._output_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs):
        return inputs

    def get_config(self) -> dict:
        return {"batch_shape": list(self._batch_shape), "dtype": self._dtype, "sparse": False, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None, **kwargs):
    """A symbolic input for a functional model (`keras.Input`).

    Args:
        shape: the shape without the batch axis, e.g. (784,); None for unknown sizes.
        batch_size: optional fixed batch size.
        dtype: "float32" by default; "int32" for token ids, etc.
        batch_shape: the full shape including the batch axis.
        name: the input's name (also the key of dict inputs).
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name, **kwargs)
    return layer._output_tensor
