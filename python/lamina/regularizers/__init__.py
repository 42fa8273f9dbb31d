"""`lamina.regularizers`: weight penalties added to the model's loss."""

from __future__ import annotations

from lamina import ops


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = None
        if self.l1:
            total = ops.multiply(ops.sum(ops.abs(x)), self.l1)
        if self.l2:
            term = ops.multiply(ops.sum(ops.square(x)), self.l2)
            total = term if total is None else ops.add(total, term)
        return total if total is not None else ops.multiply(ops.sum(x), 0.0)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
        return cls()
    if isinstance(identifier, dict):
        from lamina.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(regularizer)


class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a 2-D weight: factor times the mean
    absolute cosine similarity over distinct pairs.

    Args:
        factor: the penalty weight (a non-negative float, default 0.01).
        mode: "rows" or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        if not isinstance(factor, (int, float)) or factor < 0 or factor != factor or factor == float("inf"):
            raise ValueError(f"Invalid value for argument factor: expected a non-negative float. Received: factor={factor}")
        if mode not in ("rows", "columns"):
            raise ValueError(f'OrthogonalRegularizer: mode must be "rows" or "columns", got {mode!r}')
        self.factor, self.mode = float(factor), mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2-D weight, got shape {tuple(x.shape)}")
        if self.mode == "rows":
            u = ops.normalize(x, axis=1)
            product, size = ops.matmul(u, ops.transpose(u)), x.shape[0]
        else:
            u = ops.normalize(x, axis=0)
            product, size = ops.matmul(ops.transpose(u), u), x.shape[1]
        off_diagonal = ops.multiply(product, ops.subtract(1.0, ops.eye(size, dtype=product.dtype)))
        pairs = size * (size - 1.0) / 2.0
        return ops.multiply(ops.sum(ops.abs(off_diagonal)), self.factor * 0.5 / pairs)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


orthogonal_regularizer = OrthogonalRegularizer
_BY_NAME["orthogonal_regularizer"] = OrthogonalRegularizer


def deserialize(config, custom_objects=None):
    """A regularizer from its Keras config dict (or name)."""
    from lamina.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects, category="regularizers")
