"""Helpers shared by the normalization layers: axis and rank checks, and the arguments and
creation of the learned `gamma` (scale) and `beta` (offset) weights."""

from __future__ import annotations

from lamina import constraints, initializers, regularizers


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


def set_gamma_beta_arguments(layer, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint) -> None:
    """Sets the six gamma/beta arguments on the layer; `gamma` and `beta` are None until built."""
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)
    layer.gamma = None
    layer.beta = None


def add_gamma_beta(layer, shape: tuple, scale: bool, center: bool) -> None:
    """Creates `gamma` (if `scale`), then `beta` (if `center`): Keras' weight names and order."""
    if scale:
        layer.gamma = layer.add_weight(shape=shape, name="gamma", initializer=layer.gamma_initializer,
                                       regularizer=layer.gamma_regularizer, constraint=layer.gamma_constraint)
    if center:
        layer.beta = layer.add_weight(shape=shape, name="beta", initializer=layer.beta_initializer,
                                      regularizer=layer.beta_regularizer, constraint=layer.beta_constraint)


def gamma_beta_config(layer) -> dict:
    """The six gamma/beta entries of get_config, in Keras' order."""
    return {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": constraints.serialize(layer.beta_constraint),
        "gamma_constraint": constraints.serialize(layer.gamma_constraint),
    }
