"""Functional models: a graph of layer calls from symbolic inputs to symbolic outputs."""

from __future__ import annotations

import inspect

import numpy as np

from lamina import _core
from lamina.layers.input_layer import InputLayer
from lamina.layers.symbolic import KerasTensor, flatten, map_structure
from lamina.models.model import Model


def _history(t: KerasTensor):
    if not isinstance(t, KerasTensor) or t._keras_history is None:
        raise ValueError(f"Functional model inputs and outputs must be symbolic tensors from keras.Input or layer calls, got {t!r}")
    return t._keras_history


def _collect_nodes(outputs: list, inputs: list) -> list:
    """Nodes between the inputs and outputs, in an order where each node's parents come first."""
    input_ids = {id(t) for t in inputs}
    order, visiting, done = [], set(), set()

    def visit(node):
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ValueError("the layer graph has a cycle")
        visiting.add(id(node))
        for t in node.input_tensors:
            if id(t) in input_ids:
                continue
            layer, node_index, _ = _history(t)
            parent = layer._inbound_nodes[node_index]
            if isinstance(layer, InputLayer) and id(t) not in input_ids:
                raise ValueError(
                    f"Graph disconnected: the output depends on input '{layer.name}' {t.shape}, "
                    f"which is not among the model's inputs {[i.name for i in inputs]}"
                )
            visit(parent)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)

    for t in outputs:
        layer, node_index, _ = _history(t)
        if id(t) in input_ids:
            continue
        visit(layer._inbound_nodes[node_index])
    return order


class Functional(Model):
    """A model defined by `Model(inputs, outputs)`.

    Args:
        inputs: a KerasTensor from `Input`, or a list/dict of them.
        outputs: the symbolic outputs (a tensor, list or dict).
        name: the model's name.
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors = flatten(inputs)
        self._output_tensors = flatten(outputs)
        for t in self._input_tensors:
            layer, _, _ = _history(t)
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Model inputs must come from keras.Input, got a tensor produced by layer '{layer.name}'")
        self._nodes = _collect_nodes(self._output_tensors, self._input_tensors)
        layers = [_history(t)[0] for t in self._input_tensors]
        for node in self._nodes:
            if node.layer not in layers:
                layers.append(node.layer)
        self._functional_layers = layers
        self._layers.extend(l for l in layers if l not in self._layers)
        # Execution plan: for each node, the layer, its argument template, and where outputs go.
        self._plan = [(node.layer, node.call_args, node.call_kwargs, [id(o) for o in node.outputs]) for node in self._nodes]
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._functional_layers)

    @property
    def inputs(self) -> list:
        return list(self._input_tensors)

    @property
    def input(self):
        """The symbolic inputs in the structure given to the constructor."""
        return self._inputs_struct

    @property
    def output(self):
        """The symbolic outputs in the structure given to the constructor."""
        return self._outputs_struct

    @property
    def outputs(self) -> list:
        return list(self._output_tensors)

    @property
    def input_names(self) -> list:
        return [_history(t)[0].name for t in self._input_tensors]

    @property
    def output_names(self) -> list:
        return [_history(t)[0].name for t in self._output_tensors]

    def _node_index_in_model(self, layer, node) -> int:
        own = [n for n in layer._inbound_nodes if n in self._nodes or isinstance(layer, InputLayer)]
        return own.index(node) if node in own else 0

    def _flatten_inputs(self, inputs) -> list:
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}' expects inputs named {names}; missing {missing}, got {sorted(inputs)}")
            return [inputs[n] for n in names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self._input_tensors):
            raise ValueError(
                f"Model '{self.name}' expects {len(self._input_tensors)} input(s) with shapes "
                f"{[t.shape for t in self._input_tensors]}, but it received {len(flat)}"
            )
        return flat

    def call(self, inputs, training=None, mask=None):
        values = {}
        for kt, value in zip(self._input_tensors, self._flatten_inputs(inputs)):
            value = _adjust_input_rank(kt, value)
            _check_input(kt, value, self.name)
            values[id(kt)] = value
        lookup = values.__getitem__

        def resolve(v):
            return lookup(id(v)) if isinstance(v, KerasTensor) else v

        for layer, args, kwargs, out_ids in self._plan:
            call_args = map_structure(resolve, args)
            call_kwargs = map_structure(resolve, kwargs) if kwargs else {}
            if training is not None and call_kwargs.get("training") is None:
                call_kwargs["training"] = training
            out = layer(*call_args, **call_kwargs)
            for oid, o in zip(out_ids, flatten(out)):
                values[oid] = o
        return map_structure(lambda t: values[id(t)], self._outputs_struct)

    def compute_output_spec(self, *args, **kwargs):
        return map_structure(lambda t: t, self._outputs_struct)

    def get_config(self) -> dict:
        """The graph's config (layers with their inbound nodes, input and output layers). A
        subclass with its own constructor arguments gets Model's config instead, as in Keras:
        the graph alone cannot call that constructor."""
        from lamina.saving.serialization import serialize_layer_with_nodes

        if inspect.getfullargspec(type(self).__init__).args[1:] != inspect.getfullargspec(Functional.__init__).args[1:]:
            return Model.get_config(self)

        layer_configs = [serialize_layer_with_nodes(layer, self) for layer in self._functional_layers]

        def ref(t):
            layer, node_index, tensor_index = _history(t)
            node = layer._inbound_nodes[node_index]
            index = self._node_index_in_model(layer, node)
            # Keras 3 counts a nested functional model's calls from 1 here (and only here).
            return [layer.name, index + 1 if isinstance(layer, Functional) else index, tensor_index]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": map_structure(ref, self._inputs_struct) if not isinstance(self._inputs_struct, KerasTensor) else [ref(self._inputs_struct)],
            "output_layers": map_structure(ref, self._outputs_struct) if not isinstance(self._outputs_struct, KerasTensor) else [ref(self._outputs_struct)],
        }



def _adjust_input_rank(kt: KerasTensor, value):
    """Keras' one-axis leniency: an input missing a trailing axis of size 1 gets it, and an
    input with one extra trailing axis of size 1 loses it (e.g. (64, 28, 28) for an
    `Input((28, 28, 1))`)."""
    shape = getattr(value, "shape", None)
    if shape is None or len(shape) == len(kt.shape):
        return value
    if len(shape) == len(kt.shape) - 1 and kt.shape[-1] == 1:
        adjusted = _core.expand_dims(value, -1) if isinstance(value, _core.Tensor) else np.expand_dims(value, -1)
    elif len(shape) == len(kt.shape) + 1 and shape[-1] == 1:
        adjusted = _core.squeeze(value, -1) if isinstance(value, _core.Tensor) else np.squeeze(value, -1)
    else:
        return value  # _check_input names the mismatch
    mask = getattr(value, "_keras_mask", None)
    if mask is not None:
        adjusted._keras_mask = mask
    return adjusted


def _check_input(kt: KerasTensor, value, model_name: str) -> None:
    shape = getattr(value, "shape", None)
    if shape is None:
        return
    shape = tuple(shape)
    expected = kt.shape
    if len(shape) != len(expected) or any(e is not None and e != s for e, s in zip(expected, shape)):
        raise ValueError(
            f"Input '{kt.name}' of model '{model_name}' is incompatible: expected shape {expected}, "
            f"found shape {shape}"
        )
