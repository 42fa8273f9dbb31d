"""plot_model / model_to_dot: a picture of a model's layer graph with pydot and graphviz (optional)."""

from __future__ import annotations

import html
import os

from lamina.utils.model_graph import layer_graph

_PYDOT_HINT = "plot_model needs pydot, which is not installed: pip install 'lamina[plot]' (or pip install pydot)"
_GRAPHVIZ_HINT = ("plot_model needs graphviz's `dot` program, which pydot could not run: install graphviz "
                  "(apt-get install graphviz, brew install graphviz, or https://graphviz.org/download/)")


def _pydot():
    try:
        import pydot
    except ImportError as e:
        raise ImportError(_PYDOT_HINT) from e
    return pydot


def _shape_text(shapes: list) -> str:
    if not shapes:
        return "?"
    return ", ".join(str(s) for s in shapes) if len(shapes) > 1 else str(shapes[0])


def _label(node, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable) -> str:
    """A graphviz HTML-like label: a dark title row, then the rows asked for."""
    layer = node.layer
    title = f"<b>{html.escape(node.name)}</b> ({node.class_name})" if show_layer_names else f"<b>{node.class_name}</b>"
    rows = [f'<td bgcolor="black"><font color="white" point-size="16">{title}</font></td>']
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        name = getattr(activation, "__name__", type(activation).__name__)
        rows.append(f'<td bgcolor="white">Activation: <b>{html.escape(name)}</b></td>')
    if show_shapes:
        if node.class_name != "InputLayer":
            rows.append(f'<td bgcolor="white">Input shape: <b>{html.escape(_shape_text(node.input_shapes))}</b></td>')
        rows.append(f'<td bgcolor="white">Output shape: <b>{html.escape(_shape_text(node.output_shapes))}</b></td>')
    if show_dtype:
        rows.append(f'<td bgcolor="white">Dtype: <b>{html.escape(str(getattr(layer, "dtype", "?")))}</b></td>')
    if show_trainable and getattr(layer, "weights", None):
        color, text = ("forestgreen", "Trainable") if layer.trainable else ("firebrick", "Non-trainable")
        rows.append(f'<td bgcolor="{color}"><font color="white"><b>{text}</b></font></td>')
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return f'<<table border="0" cellborder="1" cellpadding="8" bgcolor="black">{body}</table>>'


def model_to_dot(model, show_shapes: bool = False, show_dtype: bool = False, show_layer_names: bool = True,
                 rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200, show_layer_activations: bool = False,
                 show_trainable: bool = False, splines: str = "ortho"):
    """The model's layer graph as a `pydot.Dot`, one node per layer (as Keras' model_to_dot).

    Args:
        model: a built lamina model.
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable: what
            each node shows besides the layer's class.
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw a nested model's layers inside a dashed cluster instead of one node.
        dpi: the image resolution.
        splines: how edges are drawn ("ortho", "curved", "polyline", "spline", "line").

    Returns:
        a pydot.Dot.
    """
    pydot = _pydot()
    if not model.built:
        raise ValueError(f"plot_model: model '{model.name}' has not been built yet: build it or call it on data first")
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=str(dpi), splines=splines, concentrate="true")
    dot.set_node_defaults(shape="plaintext", fontname="Helvetica")
    flags = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)

    def add(parent, graph, scope, feeding):
        """Adds `graph`'s nodes under `parent`; returns {node name: dot ids of its outputs}."""
        outputs = {}
        for node in graph:
            sources = [i for name in node.inputs for i in outputs[name]] if node.inputs else feeding
            if node.nested:
                cluster = pydot.Cluster(f"{scope}{node.name}".replace("/", "_"), label=node.name, style="dashed")
                parent.add_subgraph(cluster)
                inner = add(cluster, node.nested, f"{scope}{node.name}/", sources)
                outputs[node.name] = inner[node.nested[-1].name]
                continue
            dot_id = f'"{scope}{node.layer.name}"'  # a layer called twice is one box with more edges
            if not parent.get_node(dot_id):
                parent.add_node(pydot.Node(dot_id, label=_label(node, *flags)))
            for source in sources:
                dot.add_edge(pydot.Edge(source, dot_id))
            outputs[node.name] = [dot_id]
        return outputs

    add(dot, layer_graph(model, expand_nested=expand_nested), "", [])
    return dot


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = False, rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False, splines: str = "ortho"):
    """Draws the model's layer graph into an image file (as `keras.utils.plot_model`).

    Needs pydot (`pip install 'lamina[plot]'`) and graphviz's `dot` program; a missing one
    raises an ImportError saying what to install.

    Args:
        model: a built lamina model.
        to_file: the image file; its extension picks the format (png, svg, pdf, ...; png if none).
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
        show_layer_activations, show_trainable, splines: as in `model_to_dot`.

    Returns:
        an IPython Image of the file when IPython is installed (for notebooks), else None.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable, splines=splines)
    to_file = str(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    try:
        dot.write(to_file, format=extension)
    except (OSError, FileNotFoundError) as e:
        raise ImportError(_GRAPHVIZ_HINT) from e
    except Exception as e:  # pydot reports a missing `dot` program with its own exception types
        if "dot" in str(e) and ("not found" in str(e) or "No such file" in str(e)):
            raise ImportError(_GRAPHVIZ_HINT) from e
        raise
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
