"""HashedCrossing: feature crosses hashed to `num_bins` buckets as TensorFlow's
`sparse.cross_hashed` does (the buckets Keras' layer gives)."""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.layers.layer import Layer, _Spec
from lamina.layers.preprocessing.category_encoding import encode_categorical
from lamina.layers.preprocessing.farmhash import fingerprint64

_M = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_CROSS_SEED = 0xDECAFCAFFE  # TensorFlow's kFeatureCrossingSeed


def _mix(v: int) -> int:
    return v ^ (v >> 47)


def fingerprint_cat64(a: int, b: int) -> int:
    """TensorFlow's FingerprintCat64: combines two 64-bit fingerprints."""
    r = a ^ _MUL
    r ^= (_mix((b * _MUL) & _M) * _MUL) & _M
    r = (r * _MUL) & _M
    return _mix((_mix(r) * _MUL) & _M)


def _feature_hashes(column: np.ndarray) -> list:
    """Strings by their FarmHash fingerprint, integers as their 64-bit two's complement."""
    if column.dtype.kind in "iu":
        return [int(v) & _M for v in column.tolist()]
    return [fingerprint64(v if isinstance(v, bytes) else str(v).encode("utf-8")) for v in column.tolist()]


class HashedCrossing(Layer):
    """Crosses two or more categorical features (strings or integers) into `num_bins` buckets.

    Args:
        num_bins: the number of buckets.
        output_mode: "int" (default) or "one_hot".
        sparse: True raises (no sparse tensors in lamina).

    Called on a list/tuple of features of the same shape, `(batch,)` or `(batch, 1)`.
    """

    def __init__(self, num_bins: int, output_mode: str = "int", sparse: bool = False, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype or "int64", **kwargs)
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"HashedCrossing: invalid output_mode {output_mode!r}; expected 'int' or 'one_hot'")
        if sparse:
            raise ValueError("HashedCrossing: sparse=True is not supported by lamina (no sparse tensors)")
        self.num_bins, self.output_mode, self.sparse = num_bins, output_mode, sparse
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if any(hasattr(x, "_keras_history") for x in (inputs if isinstance(inputs, (list, tuple)) else [inputs])):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)  # strings never become engine tensors

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of at least two inputs. "
                             f"Received: inputs={inputs}")
        columns = [np.asarray(x) if isinstance(x, (_core.Tensor, _core.Variable)) else np.asarray(x) for x in inputs]
        shape = columns[0].shape
        if any(c.shape != shape for c in columns) or len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have the same shape, (batch,) or (batch, 1). "
                             f"Received shapes {[c.shape for c in columns]}")
        hashed = [_CROSS_SEED] * columns[0].size
        for column in columns:
            hashed = [fingerprint_cat64(h, f) for h, f in zip(hashed, _feature_hashes(column.reshape(-1)))]
        ids = _core.convert_to_tensor(np.array([h % self.num_bins for h in hashed], dtype="int64").reshape(shape))
        return encode_categorical(ids, self.output_mode, self.num_bins, "int64" if self.output_mode == "int" else "float32")

    def compute_output_spec(self, inputs, **kwargs):
        shape = tuple(inputs[0].shape)
        if self.output_mode == "int":
            return _Spec(shape, "int64")
        return _Spec((shape[:-1] if len(shape) == 2 else shape) + (self.num_bins,), "float32")

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": self.dtype}
