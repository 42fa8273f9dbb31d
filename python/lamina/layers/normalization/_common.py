"""Helpers shared by the normalization layers: axis and rank checks."""

from __future__ import annotations


def canonical_axes(axis, ndim: int, layer_name: str) -> list:
    """`axis` (an int or a list of ints, negative allowed) as sorted non-negative axes of a
    rank-`ndim` input; out-of-range and repeated axes raise ValueError."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"Layer '{layer_name}': axes must be ints, got axis={axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"Layer '{layer_name}': axis {a} is out of bounds for an input of rank {ndim}. "
                             f"Received: axis={axis}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"Layer '{layer_name}': duplicate axes are not allowed. Received: axis={axis}")
    return sorted(out)


def check_rank(layer, inputs_shape, expected_ndim: int) -> None:
    if len(inputs_shape) != expected_ndim:
        raise ValueError(
            f"Input 0 of layer \"{layer.name}\" is incompatible with the layer: expected ndim={expected_ndim}, "
            f"found ndim={len(inputs_shape)}. Full shape received: {tuple(inputs_shape)}"
        )
