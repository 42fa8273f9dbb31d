"""Sequential: a plain stack of layers, each with one input and one output."""

from __future__ import annotations

import numpy as np

from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import _TENSOR_TYPES, Layer, _array_to_tensor, _invalidate_weight_caches, _is_lean
from lamina.layers.symbolic import KerasTensor
from lamina.models.model import Model


_FAST_INPUTS = _TENSOR_TYPES | {np.ndarray}


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (an `Input(...)` or `InputLayer` first fixes the input
            shape; otherwise the model builds on its first call).
        name: the model's name.
    """

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None):
        super().__init__(trainable=trainable, name=name)
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_from_input()

    def add(self, layer, rebuild: bool = True) -> None:
        """Appends a layer (or an `Input(...)` tensor, which sets the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Only layers can be added to a Sequential model, got {layer!r} of type {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model")
            self._input_layer = layer
        else:
            if any(l.name == layer.name for l in self._layers):
                raise ValueError(f"All layers added to a Sequential model should have unique names. Name '{layer.name}' is already the name of a layer in this model.")
            self._layers.append(layer)
            _invalidate_weight_caches()
        self.built = False
        if rebuild:
            self._maybe_build_from_input()

    def pop(self) -> Layer:
        """Removes and returns the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        _invalidate_weight_caches()
        self.built = False
        self._maybe_build_from_input()
        return layer

    @property
    def layers(self) -> list:
        return list(self._layers)

    def _input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._layers and self._layers[0]._batch_input_shape is not None:
            return self._layers[0]._batch_input_shape
        return None

    def _maybe_build_from_input(self) -> None:
        shape = self._input_shape()
        if shape is not None and self._layers:
            self.build(shape)

    def build(self, input_shape=None) -> None:
        """Builds every layer by passing a symbolic input through the stack."""
        if input_shape is None:
            input_shape = self._input_shape()
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build a Sequential model.")
        if self._input_layer is None:
            dtype = self._layers[0]._dtype if self._layers else "float32"
            self._input_layer = InputLayer(batch_shape=tuple(input_shape), dtype=dtype)
        x = self._input_layer._output_tensor
        self._symbolic_outputs = []
        for layer in self._layers:
            x = layer(x)
            self._symbolic_outputs.append(x)
        self._build_input_shape = tuple(input_shape)
        self.built = True

    @property
    def inputs(self) -> list:
        return [self._input_layer._output_tensor] if self._input_layer is not None else []

    @property
    def outputs(self) -> list:
        return [self._symbolic_outputs[-1]] if getattr(self, "_symbolic_outputs", None) else []

    @property
    def input(self):
        """The symbolic input (once the input shape is known)."""
        return self._single("inputs")

    @property
    def output(self):
        """The symbolic output (once the model is built)."""
        return self._single("outputs")

    def _single(self, which: str):
        tensors = getattr(self, which)
        if not tensors:
            raise AttributeError(f"Sequential model '{self.name}' has no {which[:-1]} yet: give it an Input or "
                                 "build it (call it on data) first.")
        return tensors[0]

    @property
    def input_shape(self):
        return self._input_layer.batch_shape if self._input_layer is not None else None

    @property
    def output_shape(self):
        return self.outputs[0].shape if self.outputs else None

    def __call__(self, *args, **kwargs):
        # A stack of lean layers (see `Layer._lean_call`) called on one unmasked tensor or
        # array is the chain of their `call`s: skip the bookkeeping of `Layer.__call__` for the
        # model too (one-sample `model(x)` latency). Anything else takes the full path.
        x = args[0] if len(args) == 1 else None
        if (type(x) in _FAST_INPUTS and (not kwargs or kwargs.keys() == {"training"}) and not self._call_losses
                and all(_is_lean(layer) for layer in self._layers)):
            if type(x) is np.ndarray:
                x = _array_to_tensor(x, self._dtype)
            elif x._keras_mask is not None:
                return super().__call__(*args, **kwargs)
            for layer in self._layers:
                x = layer.call(x)
            return x
        return super().__call__(*args, **kwargs)

    def call(self, inputs, training=None, mask=None):
        # With no flag given, the layers read it from the call context.
        flag = {} if training is None else {"training": training}
        x = inputs
        for layer in self._layers:
            if type(x) in _TENSOR_TYPES and x._keras_mask is None and _is_lean(layer):
                x = layer.call(x)
            else:
                x = layer(x, **flag)
        return x

    def _maybe_build(self, args) -> None:
        if not self.built:
            shape = (None,) + tuple(args[0].shape[1:])
            self.build(shape)

    def compute_output_spec(self, *args, **kwargs):
        x = args[0]
        for layer in self._layers:
            x = layer.compute_output_spec(x)
            x = KerasTensor(x.shape, x.dtype) if not isinstance(x, KerasTensor) else x
        return x

    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers.extend(serialize_keras_object(l) for l in self._layers)
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype, "layers": layers}
        if getattr(self, "_build_input_shape", None) is not None:
            cfg["build_input_shape"] = list(self._build_input_shape)
        return cfg

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from lamina.saving.serialization import deserialize_keras_object

        layer_cfgs = config["layers"] if isinstance(config, dict) else config
        model = cls(name=config.get("name") if isinstance(config, dict) else None)
        for lc in layer_cfgs:
            model.add(deserialize_keras_object(lc, custom_objects=custom_objects), rebuild=False)
        model._maybe_build_from_input()
        if not model.built and isinstance(config, dict) and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
