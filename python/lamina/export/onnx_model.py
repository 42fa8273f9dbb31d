"""Walks a Sequential or functional model (nested models included) and builds its ONNX graph.

Masks: `Embedding(mask_zero=True)` starts one; layers that support masking pass it on; the
recurrent layers and GlobalAveragePooling1D use it as Keras does. Any other layer that would
use a mask is refused, since its ONNX graph would ignore the mask and answer differently.
"""

from __future__ import annotations

import os

import numpy as np

from lamina import layers
from lamina.export import onnx_conv, onnx_recurrent  # noqa: F401  (registers their converters)
from lamina.export.onnx_graph import ExportError, GraphBuilder, Value
from lamina.export.onnx_layers import CONVERTERS, converts, embedding_mask
from lamina.layers.symbolic import KerasTensor, flatten

_RECURRENT = (layers.RNN, layers.Bidirectional)
# Layers whose call accepts a mask but ignores it at inference.
_MASK_IGNORED_AT_INFERENCE = (layers.BatchNormalization,)


def _converter(layer):
    for cls in type(layer).__mro__:
        if cls in CONVERTERS:
            return CONVERTERS[cls]
    if isinstance(layer, layers.Lambda):
        why = "it runs arbitrary Python code"
    else:
        why = "lamina has no ONNX converter for this layer type"
    raise ExportError(f"Layer '{layer.name}' ({type(layer).__name__}) cannot be exported to ONNX: {why}")


def _is_model(layer) -> bool:
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    return isinstance(layer, (Functional, Sequential))


def _convert_layer(g: GraphBuilder, layer, args: tuple, kwargs: dict, out_shapes: list) -> list:
    """Output Values of one layer call on Values (args/kwargs hold Values where tensors were)."""
    if isinstance(layer, layers.OpLayer):
        return _op_layer(g, layer, args, kwargs, out_shapes)
    first = args[0]
    ins = list(first) if isinstance(first, (list, tuple)) else [first]
    # Keras' files record unset arguments too (mask=None): only those with a value matter.
    extra = {k: v for k, v in kwargs.items() if k != "training" and v is not None}
    if len(args) > 1:
        extra["initial_state"] = args[1]
    if "mask" in extra:
        raise ExportError(f"Layer '{layer.name}': an explicit mask argument cannot be exported to ONNX")
    if extra and not isinstance(layer, _RECURRENT) or set(extra) - {"initial_state"}:
        raise ExportError(f"Layer '{layer.name}': call arguments {sorted(extra)} cannot be exported to ONNX")
    if _is_model(layer):
        return _run_model(g, layer, ins)
    in_mask = next((v.mask for v in ins if v.mask is not None), None)
    if in_mask is not None and len(ins) > 1:
        raise ExportError(f"Layer '{layer.name}' ({type(layer).__name__}): merging masked inputs cannot be exported")
    fn = _converter(layer)
    masked_mean = in_mask is not None and isinstance(layer, layers.GlobalAveragePooling1D)
    if in_mask is not None and not isinstance(layer, _RECURRENT) and not masked_mean:
        uses_mask = layer._call_has_mask and not isinstance(layer, _MASK_IGNORED_AT_INFERENCE)
        if uses_mask or layer._overrides_compute_mask:
            raise ExportError(f"Layer '{layer.name}' ({type(layer).__name__}) uses the mask of its input in a way "
                              "lamina's ONNX export does not express")
    try:
        names = ([onnx_conv.masked_global_average(g, layer, ins[0])] if masked_mean
                 else fn(g, layer, ins, out_shapes, **extra))
    except ExportError:
        raise
    except Exception as e:  # a case the converter did not foresee: still name the layer
        raise ExportError(f"Layer '{layer.name}' ({type(layer).__name__}) could not be converted to ONNX: "
                          f"{type(e).__name__}: {e}") from e
    dtypes = [getattr(s, "dtype", "float32") for s in out_shapes]
    out = [Value(n, tuple(s.shape), d) for n, s, d in zip(names, out_shapes, dtypes)]
    if isinstance(layer, layers.Embedding):
        out[0].mask = embedding_mask(g, layer, ins)
    elif isinstance(layer, _RECURRENT):
        if layer.return_sequences and in_mask is not None:  # the sequence outputs keep the mask, not the states
            unmerged = isinstance(layer, layers.Bidirectional) and layer.merge_mode is None
            for v in out[:2 if unmerged else 1]:
                v.mask = in_mask
    elif in_mask is not None and layer.supports_masking and not masked_mean:
        out[0].mask = in_mask
    return out


@converts(layers.TimeDistributed)
def _time_distributed(g: GraphBuilder, layer, ins: list, out_shapes: list) -> list:
    """The wrapped layer on (batch * steps, ...), reshaped back to (batch, steps, ...)."""
    x = ins[0]
    if x.mask is not None:
        raise ExportError(f"Layer '{layer.name}' (TimeDistributed): a masked input cannot be exported")
    if any(d is None for d in x.shape[2:]):
        raise ExportError(f"Layer '{layer.name}' (TimeDistributed): input {x.shape} needs known sizes past the steps")
    inner_in = Value(g.reshape(x.name, [-1, *x.shape[2:]], layer.name), (None, *x.shape[2:]), x.dtype)
    inner_shape = tuple(layer.layer.compute_output_shape((None, *x.shape[2:])))
    inner_out = _convert_layer(g, layer.layer, (inner_in,), {}, [_Spec(inner_shape, out_shapes[0].dtype)])[0]
    lead = g.op("Shape", [x.name], layer.name, start=0, end=2)
    shape = g.op("Concat", [lead, g.ints(list(inner_shape[1:]), f"{layer.name}/tail")], layer.name, axis=0)
    return [g.op("Reshape", [inner_out.name, shape], layer.name)]


_BINARY_OPS = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "power": "Pow",
               "matmul": "MatMul"}
_UNARY_OPS = {"negative": "Neg", "abs": "Abs"}


def _op_layer(g: GraphBuilder, layer, args: tuple, kwargs: dict, out_shapes: list) -> list:
    """Python operators on symbolic tensors (`x + 1`, `a * b`, `x[:, 1:]`)."""
    out = out_shapes[0]
    values = [a for a in args if isinstance(a, Value)]
    if kwargs or any(v.mask is not None for v in values):
        raise ExportError(f"Layer '{layer.name}' (OpLayer '{layer.op_name}'): keyword arguments or masked inputs "
                          "cannot be exported")

    def operand(a):
        if isinstance(a, Value):
            return a.name
        if isinstance(a, (int, float, np.ndarray, np.number)):
            return g.const(np.asarray(a, dtype=out.dtype), f"{layer.name}/const")
        raise ExportError(f"Layer '{layer.name}' (OpLayer '{layer.op_name}'): argument {a!r} cannot be exported")

    if layer.op_name in _BINARY_OPS and len(args) == 2:
        name = g.op(_BINARY_OPS[layer.op_name], [operand(a) for a in args], layer.name)
    elif layer.op_name in _UNARY_OPS and len(args) == 1:
        name = g.op(_UNARY_OPS[layer.op_name], [operand(args[0])], layer.name)
    elif layer.op_name == "__getitem__" and len(args) == 2 and isinstance(args[0], Value):
        name = _getitem(g, layer, args[0], args[1])
    else:
        raise ExportError(f"Layer '{layer.name}': the symbolic op '{layer.op_name}' has no ONNX export")
    return [Value(name, tuple(out.shape), out.dtype)]


def _getitem(g: GraphBuilder, layer, x: Value, key) -> str:
    """Basic indexing: integers and slices (with steps), one per leading axis."""
    key = key if isinstance(key, tuple) else (key,)
    if len(key) > x.ndim or not all(isinstance(k, (int, slice)) for k in key):
        raise ExportError(f"Layer '{layer.name}': indexing with {key!r} cannot be exported (integers and slices only)")
    big = np.iinfo(np.int64).max
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, k in enumerate(key):
        if isinstance(k, int):
            starts.append(k)
            ends.append(k + 1 if k != -1 else big)
            steps.append(1)
            squeeze.append(axis)
        else:
            step = 1 if k.step is None else k.step
            starts.append(k.start if k.start is not None else (0 if step > 0 else -1))
            ends.append(k.stop if k.stop is not None else (big if step > 0 else -big))
            steps.append(step)
        axes.append(axis)
    y = g.op("Slice", [x.name, g.ints(starts, f"{layer.name}/starts"), g.ints(ends, f"{layer.name}/ends"),
                       g.ints(axes, f"{layer.name}/axes"), g.ints(steps, f"{layer.name}/steps")], layer.name)
    if squeeze:
        y = g.op("Squeeze", [y, g.ints(squeeze, f"{layer.name}/squeeze")], layer.name)
    return y


class _Spec:
    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def _run_model(g: GraphBuilder, model, ins: list) -> list:
    """Output Values of a (nested) Sequential or functional model applied to `ins`."""
    from lamina.models.sequential import Sequential

    if isinstance(model, Sequential):
        if not model.built:
            raise ExportError(f"Model '{model.name}' is not built; call it on data or give it an Input first")
        x = ins
        for layer, symbolic in zip(model.layers, model._symbolic_outputs):
            x = _convert_layer(g, layer, (x[0] if len(x) == 1 else x,), {}, flatten(symbolic))
        return x
    values = {id(kt): v for kt, v in zip(model._input_tensors, ins)}

    def resolve(obj):
        if isinstance(obj, KerasTensor):
            return values[id(obj)]
        if isinstance(obj, (list, tuple)):
            return type(obj)(resolve(o) for o in obj)
        if isinstance(obj, dict):
            return {k: resolve(v) for k, v in obj.items()}
        return obj

    for node in model._nodes:
        outs = _convert_layer(g, node.layer, resolve(tuple(node.call_args)), resolve(dict(node.call_kwargs)),
                              node.outputs)
        for kt, v in zip(node.outputs, outs):
            values[id(kt)] = v
    return [values[id(kt)] for kt in model._output_tensors]


def _io_names(model) -> tuple[list, list]:
    from lamina.models.sequential import Sequential

    if isinstance(model, Sequential):
        return [model._input_layer.name], [model.layers[-1].name]
    names, seen = [], set()
    for name in model.output_names:
        unique, k = name, 1
        while unique in seen:
            unique, k = f"{name}_{k}", k + 1
        seen.add(unique)
        names.append(unique)
    return model.input_names, names


def build_onnx(model, opset: int = 18, dynamic_batch: bool = True):
    """The `onnx.ModelProto` of a built lamina model (see `lamina.export.to_onnx`)."""
    if not _is_model(model):
        raise ExportError(f"Model '{model.name}' ({type(model).__name__}): only Sequential and functional models "
                          "export to ONNX; a subclassed model's call() is Python code")
    if opset < 18:
        raise ExportError(f"opset {opset} is not supported; use opset 18 or newer")
    g = GraphBuilder(opset)
    onnx = g.onnx
    input_names, output_names = _io_names(model)
    for n in input_names + output_names:
        g.reserve(n)
    graph_inputs, values = [], []
    for kt, name in zip(model.inputs, input_names):
        shape = list(kt.shape)
        shape[0] = "batch" if dynamic_batch else (shape[0] or 1)
        dims = [d if d is not None else f"{name}_dim{i}" for i, d in enumerate(shape)]
        graph_inputs.append(onnx.helper.make_tensor_value_info(
            name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(kt.dtype)), dims))
        values.append(Value(name, tuple(kt.shape), kt.dtype))
    outs = _run_model(g, model, values)
    graph_outputs = []
    for v, name in zip(outs, output_names):
        g.nodes.append(onnx.helper.make_node("Identity", [v.name], [name], name=g.fresh(f"{name}/output")))
        shape = list(v.shape)
        shape[0] = "batch" if dynamic_batch else (shape[0] or 1)
        graph_outputs.append(onnx.helper.make_tensor_value_info(
            name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(v.dtype)), shape))
    graph = onnx.helper.make_graph(g.nodes, model.name, graph_inputs, graph_outputs, g.initializers)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="lamina", ir_version=9)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def save_onnx(proto, path) -> None:
    """Writes the model file whole or not at all (a temporary file renamed into place)."""
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(proto.SerializeToString())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
