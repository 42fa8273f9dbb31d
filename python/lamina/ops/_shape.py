"""Shape and indexing ops: reshape, transpose, concatenate, stack, split, pad, tile, take, ...

Views (reshape, transpose, expand_dims, squeeze, broadcast_to, swapaxes, moveaxis, flip,
slice, unstack, split) share the input's storage; the others copy in blocks.
"""

import numpy as np

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


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """Converts class ids to one-hot vectors.

    Float ids that hold whole numbers are taken, as Keras takes them on every backend (labels
    are often stored as float32); a fractional id is refused, since backends disagree on it.

    Args:
        x: tensor of class ids (integers, or floats holding whole numbers).
        num_classes: the number of classes (size of the new axis).
        axis: where the new axis goes (default: last).
        dtype: the result dtype (default float32).
        sparse: must be False (sparse tensors are not supported).

    Returns:
        A tensor with a new axis of size `num_classes`: 1 at each class id, 0 elsewhere (ids
        outside [0, num_classes) give all zeros).
    """
    if isinstance(x, (np.ndarray, _core.Tensor)) and np.dtype(str(x.dtype)).kind == "f":
        values = np.asarray(x)
        fractional = values[values != np.floor(values)]
        if fractional.size:
            raise TypeError(f"one_hot: float class ids must hold integer values (whole numbers), got {fractional[:3].tolist()}")
        x = values.astype(np.int64)
    return _core.one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)


__all__ = [
    "shape", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "concatenate", "stack", "unstack",
    "split", "tile", "repeat", "flip", "swapaxes", "moveaxis", "ravel", "flatten", "pad", "slice",
    "slice_update", "take", "gather", "take_along_axis", "scatter", "scatter_update", "one_hot",
]
