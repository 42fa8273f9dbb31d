"""Packing and unpacking a batch as Keras hands it to `train_step`/`test_step`/`predict_step`:
`x` alone, `(x, y)`, or `(x, y, sample_weight)`."""

from __future__ import annotations


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs a batch into the form `Model.fit()` gives `train_step`.

    Args:
        x: the inputs.
        y: the targets, or None.
        sample_weight: per-sample weights, or None.

    Returns:
        `x` itself when there are no targets (`(x,)` when `x` is a list or tuple, so that it
        cannot be mistaken for `(x, y)`), else `(x, y)` or `(x, y, sample_weight)`.
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data) -> tuple:
    """Unpacks a batch given as `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Args:
        data: the batch, as `train_step` receives it.

    Returns:
        `(x, y, sample_weight)`, with None for the parts not given.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found a tuple of {len(data)} elements")
