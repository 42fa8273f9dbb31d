"""The loss classes and functions with Keras' names, arguments and defaults. The
cross-entropies and errors run as fused engine ops."""

from __future__ import annotations

from lamina import ops
from lamina.losses.loss import Loss, match_ranks


def _check_same_rank(name, y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape) and y_true.ndim == y_pred.ndim:
        for a, b in zip(y_true.shape, y_pred.shape):
            if a != b and a != 1 and b != 1:
                raise ValueError(f"{name}: targets of shape {tuple(y_true.shape)} do not match predictions of shape {tuple(y_pred.shape)}")


# ---- functions (per-sample values) ---------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of (y_true - y_pred)**2."""
    return ops.mean(ops.square(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return ops.mean(ops.abs(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true = ops.cast(y_true, y_pred.dtype)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), 1e-7)))
    return ops.multiply(ops.mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true = ops.cast(y_true, y_pred.dtype)
    a = ops.log(ops.add(ops.maximum(y_pred, 1e-7), 1.0))
    b = ops.log(ops.add(ops.maximum(y_true, 1e-7), 1.0))
    return ops.mean(ops.square(ops.subtract(a, b)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    err = ops.abs(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype)))
    quad = ops.minimum(err, delta)
    lin = ops.subtract(err, quad)
    return ops.mean(ops.add(ops.multiply(ops.square(quad), 0.5), ops.multiply(lin, delta)), axis=-1)


def log_cosh(y_true, y_pred):
    x = ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))
    # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), 0.6931471805599453), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true = ops.cast(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true = ops.cast(y_true, y_pred.dtype)
    if label_smoothing:
        k = y_pred.shape[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / k)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == y_pred.shape[-1] and y_pred.shape[-1] > 1:
        raise ValueError(
            f"sparse_categorical_crossentropy expects integer class labels of shape {tuple(y_pred.shape[:-1])} "
            f"(or with a trailing 1), but the labels have shape {tuple(y_true.shape)}, the same as the predictions "
            f"{tuple(y_pred.shape)}: they look one-hot encoded. Use categorical_crossentropy for one-hot labels."
        )
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def kl_divergence(y_true, y_pred):
    y_true = ops.clip(ops.cast(y_true, y_pred.dtype), 1e-7, 1.0)
    y_pred = ops.clip(y_pred, 1e-7, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    y_true = ops.cast(y_true, y_pred.dtype)
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, 1e-7)))), axis=-1)


def hinge(y_true, y_pred):
    y_true = _to_pm1(ops.cast(y_true, y_pred.dtype))
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true = _to_pm1(ops.cast(y_true, y_pred.dtype))
    return ops.mean(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)), axis=-1)


def _to_pm1(y):
    # Keras converts {0, 1} labels to {-1, 1}; labels already in {-1, 1} stay.
    is_binary = ops.all(ops.logical_or(ops.equal(y, 0.0), ops.equal(y, 1.0)))
    return ops.subtract(ops.multiply(y, 2.0), 1.0) if bool(is_binary) else y


def cosine_similarity(y_true, y_pred, axis=-1):
    def l2n(x):
        return ops.divide(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12)))

    return ops.negative(ops.sum(ops.multiply(l2n(ops.cast(y_true, y_pred.dtype)), l2n(y_pred)), axis=axis))


# ---- classes ---------------------------------------------------------------------------------------

class LossFunctionWrapper(Loss):
    fn = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **fn_kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        if type(self).fn is not sparse_categorical_crossentropy:
            y_true, y_pred = match_ranks(y_true, y_pred)
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self.fn_kwargs}


def _wrapper(cls_name, fn, default_name, **defaults):
    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None, **kwargs):
        params = dict(defaults)
        for key, value in zip(defaults, args):
            params[key] = value
        params.update({k: v for k, v in kwargs.items() if k in defaults})
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{cls_name}: unexpected keyword arguments {sorted(unknown)}")
        LossFunctionWrapper.__init__(self, reduction=reduction, name=name, dtype=dtype, **params)

    return type(cls_name, (LossFunctionWrapper,), {"fn": staticmethod(fn), "__init__": __init__,
                                                   "__doc__": f"Keras' {cls_name} (per-sample `{fn.__name__}`, then the reduction)."})


MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", mean_absolute_percentage_error, "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "mean_squared_logarithmic_error")
Huber = _wrapper("Huber", huber, "huber_loss", delta=1.0)
LogCosh = _wrapper("LogCosh", log_cosh, "log_cosh")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy", from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy", from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "sparse_categorical_crossentropy", from_logits=False, ignore_class=None, axis=-1)
KLDivergence = _wrapper("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", poisson, "poisson")
Hinge = _wrapper("Hinge", hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, "squared_hinge")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity", axis=-1)

# Keras' short aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
