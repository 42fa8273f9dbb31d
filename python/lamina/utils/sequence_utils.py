"""pad_sequences: lists of sequences to one padded 2-D (or higher) numpy array, as Keras does."""

from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen: int | None = None, dtype: str = "int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pads (or truncates) sequences to a common length.

    Args:
        sequences: a list of sequences (lists or arrays; their elements may be vectors).
        maxlen: the length of the result; None means the longest sequence.
        dtype: the result's dtype (object or string dtypes allow string values).
        padding: "pre" or "post": where padding goes.
        truncating: "pre" or "post": which end is cut from longer sequences.
        value: the padding value.

    Returns:
        A numpy array of shape `(len(sequences), maxlen) + element_shape`.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be iterable with a length")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding must be "pre" or "post", got {padding!r}')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating must be "pre" or "post", got {truncating!r}')
    lengths, sample_shape = [], ()
    for i, s in enumerate(sequences):
        if not hasattr(s, "__len__"):
            raise ValueError(f"pad_sequences: sequence {i} is not iterable with a length: {s!r}")
        lengths.append(len(s))
        if len(s) and not sample_shape:
            sample_shape = np.asarray(s).shape[1:]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the string padding value {value!r}; "
                         "use dtype=object")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: sequence {i} has element shape {trunc.shape[1:]}, "
                             f"expected {tuple(sample_shape)} like the first non-empty one")
        if padding == "post":
            out[i, : len(trunc)] = trunc
        else:
            out[i, -len(trunc):] = trunc
    return out
