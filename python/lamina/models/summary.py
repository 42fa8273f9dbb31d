"""Keras' summary table: layer (type), output shape, parameter count (and, for functional
models, what each layer is connected to), then the totals."""

from __future__ import annotations

import numpy as np


def _count(weights) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _shape_str(layer) -> str:
    try:
        shape = layer.output_shape
    except (AttributeError, ValueError):
        return "?"
    return str(shape).replace("None", "None")


def _size_str(n_params: int) -> str:
    b = n_params * 4
    for unit, div in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if b >= div:
            return f"{b / div:.2f} {unit}"
    return f"{b} B"


def _cells(model, layer, functional: bool) -> list[str]:
    from lamina.layers.input_layer import InputLayer

    params = _count(layer.weights) if layer.built else 0
    cells = [f"{layer.name} ({type(layer).__name__})", _shape_str(layer), f"{params:,}"]
    if functional:
        sources = []
        for node in layer._inbound_nodes:
            if node in model._nodes:
                for t in node.input_tensors:
                    src, ni, ti = t._keras_history
                    sources.append(f"{src.name}[{ni}][{ti}]")
        cells.append(", ".join(sources) if sources else "-")
    if isinstance(layer, InputLayer):
        cells[1] = str(layer.batch_shape)
    return cells


def print_summary(model, line_length=None, print_fn=None, show_trainable=False) -> None:
    from lamina.models.functional import Functional

    print_fn = print_fn or print
    functional = isinstance(model, Functional)
    columns = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    rows = [_cells(model, layer, functional) for layer in model.layers]
    widths = [34, 26, 12] + ([26] if functional else [])
    if line_length:
        scale = line_length / sum(widths)
        widths = [max(8, int(w * scale)) for w in widths]
    else:
        # As Keras: a column is as wide as its longest cell, so no name or type is cut.
        widths = [max(w, *(len(r[i]) + 1 for r in rows)) if rows else w for i, w in enumerate(widths)]
    total_width = sum(widths)

    def row(cells):
        # A cell longer than its column (an explicit line_length) folds onto further lines.
        chunks = [[c[k:k + w - 1] for k in range(0, max(len(c), 1), w - 1)] for c, w in zip(cells, widths)]
        height = max(len(ch) for ch in chunks)
        return "\n".join("".join((ch[j] if j < len(ch) else "").ljust(w) for ch, w in zip(chunks, widths))
                         for j in range(height))

    lines = [f'Model: "{model.name}"', "━" * total_width, row(columns), "━" * total_width]
    for i, cells in enumerate(rows):
        lines.extend(row(cells).split("\n"))
        if i < len(rows) - 1:
            lines.append("─" * total_width)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    total = trainable + non_trainable
    lines.append("━" * total_width)
    lines.append(f" Total params: {total:,} ({_size_str(total)})")
    lines.append(f" Trainable params: {trainable:,} ({_size_str(trainable)})")
    lines.append(f" Non-trainable params: {non_trainable:,} ({_size_str(non_trainable)})")
    for line in lines:
        print_fn(line)
