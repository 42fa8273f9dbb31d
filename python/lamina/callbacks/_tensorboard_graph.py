"""The model as TensorBoard shows it: a GraphDef of its layers (Graphs tab), the Keras JSON
summary Keras writes under the tag `keras`, and the embedding projector's config."""

from __future__ import annotations

import warnings

from lamina.callbacks._event_writer import import_tensorboardx
from lamina.utils.model_graph import layer_graph


def layer_graph_def(model):
    """A GraphDef with one node per layer call (name scoped by model, op = the layer's class,
    inputs = the layers feeding it, `_output_shapes` = its output shapes), nested models
    expanded inside their own name scope."""
    import_tensorboardx()
    from tensorboardX.proto import attr_value_pb2, graph_pb2, node_def_pb2, tensor_shape_pb2, versions_pb2

    def shape_proto(shape):
        return tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else int(d)) for d in shape])

    nodes = []

    def add(graph, scope, inputs_of_scope):
        for node in graph:
            name = f"{scope}/{node.name}"
            inputs = [f"{scope}/{i}" for i in node.inputs] or inputs_of_scope(node)
            if node.nested:
                add(node.nested, name, lambda _n, inputs=inputs: inputs)
                continue
            attr = {"_output_shapes": attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(
                shape=[shape_proto(s) for s in node.output_shapes]))}
            dtype = getattr(node.layer, "dtype", None)
            if dtype is not None:
                attr["dtype"] = attr_value_pb2.AttrValue(s=str(dtype).encode())
            nodes.append(node_def_pb2.NodeDef(name=name, op=node.class_name, input=inputs, attr=attr))

    # The input layer of a nested model is fed by what feeds the nested model.
    add(layer_graph(model, expand_nested=True), model.name, lambda _n: [])
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


def keras_model_summary(model):
    """The Summary Keras writes at step 0 under the tag `keras` (plugin graph_keras_model): the
    model's JSON config; None, with a warning, when the model has no JSON form."""
    from tensorboardX.proto import summary_pb2, tensor_pb2, tensor_shape_pb2

    try:
        text = model.to_json()
    except Exception as e:  # as Keras: a model that cannot be serialized is not a training error
        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {e}")
        return None
    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
        plugin_name="graph_keras_model", content=b"1"))
    tensor = tensor_pb2.TensorProto(dtype="DT_STRING", string_val=[text.encode()],
                                    tensor_shape=tensor_shape_pb2.TensorShapeProto())
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="keras", tensor=tensor, metadata=metadata)])


def projector_config(model, embeddings_metadata) -> str:
    """projector_config.pbtxt naming each Embedding layer's weights (as Keras writes it)."""
    from lamina.layers import Embedding

    metadata = dict(embeddings_metadata) if isinstance(embeddings_metadata, dict) else embeddings_metadata
    lines = []
    for layer in model.layers:
        if isinstance(layer, Embedding):
            lines.append("embeddings {")
            lines.append('  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"')
            path = metadata if isinstance(metadata, str) else (metadata or {}).pop(layer.name, None)
            if path is not None:
                lines.append(f'  metadata_path: "{path}"')
            lines.append("}")
    if isinstance(metadata, dict) and metadata:
        raise ValueError("Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                         f"`embeddings_metadata` argument: {list(metadata)}")
    return "\n".join(lines) + ("\n" if lines else "")
