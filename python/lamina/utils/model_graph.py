"""The layer graph of a model (who feeds whom, with shapes), shared by plot_model and the
TensorBoard callback's graph."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LayerNode:
    """One call of a layer in a model: `inputs` are the names of the nodes feeding it."""

    name: str
    layer: object
    inputs: list
    input_shapes: list
    output_shapes: list
    nested: list = field(default_factory=list)  # the inner graph of a model used as a layer

    @property
    def class_name(self) -> str:
        return type(self.layer).__name__


def _is_model(layer) -> bool:
    from lamina.models.model import Model

    return isinstance(layer, Model)


def layer_graph(model, expand_nested: bool = False) -> list:
    """The nodes of `model`'s layer graph, each after the nodes feeding it.

    A functional or Sequential model gives its DAG from the inputs to the outputs; a subclassed
    model (no symbolic outputs) gives its layers in order, unconnected.

    Args:
        model: a built lamina model.
        expand_nested: also describe the graph inside each nested model (LayerNode.nested).

    Returns:
        a list of LayerNode.
    """
    try:
        outputs = list(model.outputs or [])
    except (AttributeError, ValueError):
        outputs = []
    if not outputs:
        return [LayerNode(layer.name, layer, [], [], [], _nested(layer, expand_nested)) for layer in model.layers]
    names: dict = {}
    order: list = []

    def visit(node) -> str:
        if id(node) in names:
            return names[id(node)]
        parents = [visit(t._keras_history[0]._inbound_nodes[t._keras_history[1]]) for t in node.input_tensors
                   if t._keras_history is not None]
        calls = sum(1 for n in order if n.layer is node.layer)
        name = node.layer.name if calls == 0 else f"{node.layer.name}_call{calls}"
        names[id(node)] = name
        order.append(LayerNode(name, node.layer, parents, [tuple(t.shape) for t in node.input_tensors],
                               [tuple(o.shape) for o in node.outputs if hasattr(o, "shape")],
                               _nested(node.layer, expand_nested)))
        return name

    for t in outputs:
        layer, index, _ = t._keras_history
        visit(layer._inbound_nodes[index])
    return order


def _nested(layer, expand_nested: bool) -> list:
    return layer_graph(layer, True) if expand_nested and _is_model(layer) else []
