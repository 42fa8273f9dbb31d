"""Hashing: strings or integers to `num_bins` buckets with TensorFlow's FarmHash fingerprint,
so the buckets are the ones Keras' Hashing layer gives."""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.layers.layer import Layer, _Spec
from lamina.layers.preprocessing.category_encoding import encode_categorical
from lamina.layers.preprocessing.farmhash import fingerprint64


def _as_text(value) -> bytes:
    """A token as the bytes TensorFlow hashes: strings as UTF-8, numbers as `tf.as_string`
    writes integers (floats are truncated to integers first, as Keras does)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")


class Hashing(Layer):
    """Buckets strings or integers by hashing: `fingerprint64(str(x)) % num_bins`.

    Args:
        num_bins: the number of buckets (including the mask bucket, if any).
        mask_value: a value mapped to bucket 0; the others then take buckets 1..num_bins-1.
        salt: Keras then uses a keyed SipHash; not supported yet (raises).
        output_mode: "int" (default), "one_hot", "multi_hot" or "count".
        sparse: True raises (no sparse tensors in lamina).
    """

    def __init__(self, num_bins: int, mask_value=None, salt=None, output_mode: str = "int", sparse: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Hashing: invalid output_mode {output_mode!r}")
        if salt is not None:
            raise NotImplementedError("Hashing: a salt (keyed SipHash) is not supported by lamina yet")
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported by lamina (no sparse tensors)")
        self.num_bins, self.mask_value, self.salt = num_bins, mask_value, salt
        self.output_mode, self.sparse = output_mode, sparse
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if hasattr(inputs, "_keras_history"):
            return super().__call__(inputs, *args, **kwargs)
        return self.call(inputs)  # strings never become engine tensors

    def call(self, inputs):
        arr = np.asarray(inputs) if isinstance(inputs, (_core.Tensor, _core.Variable)) else np.asarray(inputs, dtype=object)
        flat = arr.reshape(-1)
        bins = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 else self.num_bins
        # Hash each distinct token once (FarmHash runs in Python, one call per distinct token).
        texts, inverse = np.unique(np.array([_as_text(v) for v in flat.tolist()], dtype=object), return_inverse=True)
        ids = np.array([fingerprint64(t) % bins for t in texts.tolist()], dtype="int64")[inverse]
        if bins != self.num_bins:
            ids = np.where(flat == self.mask_value, 0, ids + 1)
        ids = _core.convert_to_tensor(ids.reshape(arr.shape).astype("int64"))
        return encode_categorical(ids, self.output_mode, self.num_bins, "int64" if self.output_mode == "int" else "float32")

    def compute_output_spec(self, inputs, **kwargs):
        if self.output_mode == "int":
            return _Spec(tuple(inputs.shape), "int64")
        return _Spec(tuple(inputs.shape)[:-1] + (self.num_bins,), "float32")

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                "output_mode": self.output_mode, "sparse": self.sparse}
