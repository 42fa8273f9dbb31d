"""Shape ops: reshape, transpose, expand_dims, squeeze, broadcast_to and friends."""

from lamina import _core

reshape = _core.reshape
transpose = _core.transpose
expand_dims = _core.expand_dims
squeeze = _core.squeeze
broadcast_to = _core.broadcast_to

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "broadcast_to"]
