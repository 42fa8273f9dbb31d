"""Discretization: bucketing by boundaries, given or learnt by `adapt` (Keras' quantile sketch)."""

from __future__ import annotations

import numpy as np

from lamina import _core, ops
from lamina.layers.layer import Layer, _Spec
from lamina.layers.preprocessing.category_encoding import encode_categorical, encoded_shape
from lamina.layers.preprocessing.normalization import iterate_batches


def _sketch(values: np.ndarray, epsilon: float) -> np.ndarray:
    """A weighted quantile sketch (2, n): every `step`-th sorted value with weight `step`."""
    values = np.sort(values.reshape(-1).astype("float32"))
    step = max(values.size / (1.0 / epsilon), 1)  # Keras' arithmetic, so the sketch matches its
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.full_like(points, step)])


def _compress(sketch: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-samples a sketch at the quantiles epsilon, 2 epsilon, ..., 1 (when it is larger)."""
    if sketch.shape[1] * epsilon < 1:
        return sketch
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = sketch[1].cumsum()
    fractions = cumulative / cumulative[-1]
    points = np.interp(targets, fractions, sketch[0])
    cum_at = np.interp(targets, fractions, cumulative)
    return np.stack([points, np.diff(cum_at, prepend=0.0)]).astype("float32")


class Discretization(Layer):
    """Buckets float inputs: bucket `i` holds `boundaries[i-1] <= x < boundaries[i]`.

    Args:
        bin_boundaries: sorted boundaries (n boundaries make n + 1 buckets).
        num_bins: the number of buckets for `adapt` to find (set this or bin_boundaries).
        epsilon: the quantile sketch's error tolerance in adapt (default 0.01).
        output_mode: "int" (bucket ids, int32), "one_hot", "multi_hot" or "count".
        sparse: True raises (no sparse tensors in lamina).
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon: float = 0.01, output_mode: str = "int",
                 sparse: bool = False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Discretization: invalid output_mode {output_mode!r}; expected one of "
                             "'int', 'one_hot', 'multi_hot', 'count'")
        if sparse:
            raise ValueError("Discretization: sparse=True is not supported by lamina (no sparse tensors)")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.built = True

    def adapt(self, data, steps=None) -> None:
        """Learns `num_bins - 1` boundaries at the quantiles of `data` (array or batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, "
                             "use `num_bins` instead.")
        sketch = np.zeros((2, 0), "float32")
        for i, batch in enumerate(iterate_batches(data)):
            if steps is not None and i >= steps:
                break
            merged = np.concatenate([_sketch(batch, self.epsilon), sketch], axis=1)
            sketch = _compress(merged[:, np.argsort(merged[0])], self.epsilon)
        self.bin_boundaries = _compress(sketch, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or call "
                             "`adapt(dataset)` before you can start using the `Discretization` layer.")
        bounds = _core.convert_to_tensor(np.asarray(self.bin_boundaries, dtype="float32"))
        x = ops.cast(inputs, "float32")
        ids = ops.sum(ops.cast(ops.greater_equal(ops.expand_dims(x, -1), bounds), "int32"), axis=-1)
        dtype = "int32" if self.output_mode == "int" else self.dtype
        return encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1, dtype)

    def compute_output_spec(self, inputs, **kwargs):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return _Spec(encoded_shape(inputs.shape, self.output_mode, depth),
                     "int32" if self.output_mode == "int" else self.dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        bounds = config.pop("bin_boundaries", None) if config.get("num_bins") is not None else None
        layer = cls(**config)
        if bounds is not None:
            layer.bin_boundaries = bounds
        return layer
