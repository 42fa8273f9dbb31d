"""Shape and indexing ops: reshape, transpose, concatenate, stack, split, pad, tile, take, ...

Views (reshape, transpose, expand_dims, squeeze, broadcast_to, swapaxes, moveaxis, flip,
slice, unstack, split) share the input's storage; the others copy in blocks.
"""

from lamina import _core


def shape(x) -> tuple:
    """The shape of a tensor (or array, or symbolic tensor) as a tuple; unknown sizes are None.

    Args:
        x: a tensor, numpy array or KerasTensor.

    Returns:
        A tuple of ints (and None for sizes a symbolic tensor does not know).
    """
    return tuple(x.shape)


reshape = _core.reshape
transpose = _core.transpose
expand_dims = _core.expand_dims
squeeze = _core.squeeze
broadcast_to = _core.broadcast_to
concatenate = _core.concatenate
stack = _core.stack
unstack = _core.unstack
split = _core.split
tile = _core.tile
repeat = _core.repeat
flip = _core.flip
swapaxes = _core.swapaxes
moveaxis = _core.moveaxis
ravel = _core.ravel
flatten = _core.ravel
pad = _core.pad
slice = _core.slice  # noqa: A001 (keras.ops name)
slice_update = _core.slice_update
take = _core.take
gather = _core.take
take_along_axis = _core.take_along_axis
scatter = _core.scatter
scatter_update = _core.scatter_update
one_hot = _core.one_hot

__all__ = [
    "shape", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "concatenate", "stack", "unstack",
    "split", "tile", "repeat", "flip", "swapaxes", "moveaxis", "ravel", "flatten", "pad", "slice",
    "slice_update", "take", "gather", "take_along_axis", "scatter", "scatter_update", "one_hot",
]
