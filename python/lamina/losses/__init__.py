"""`lamina.losses`: Keras' losses, as classes and as per-sample functions."""

from lamina.losses.loss import Loss, reduce_values
from lamina.losses.losses import *  # noqa: F401,F403
from lamina.losses import losses as _losses

_FUNCTIONS = {
    name: getattr(_losses, name)
    for name in ("mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                 "mean_squared_logarithmic_error", "huber", "log_cosh", "binary_crossentropy",
                 "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "poisson",
                 "hinge", "squared_hinge", "cosine_similarity", "mse", "mae", "mape", "msle", "kld", "logcosh",
                 "kullback_leibler_divergence")
}
_CLASSES = {
    "mean_squared_error": _losses.MeanSquaredError, "mse": _losses.MeanSquaredError,
    "mean_absolute_error": _losses.MeanAbsoluteError, "mae": _losses.MeanAbsoluteError,
    "mean_absolute_percentage_error": _losses.MeanAbsolutePercentageError, "mape": _losses.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": _losses.MeanSquaredLogarithmicError, "msle": _losses.MeanSquaredLogarithmicError,
    "huber": _losses.Huber, "huber_loss": _losses.Huber, "log_cosh": _losses.LogCosh, "logcosh": _losses.LogCosh,
    "binary_crossentropy": _losses.BinaryCrossentropy, "categorical_crossentropy": _losses.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": _losses.SparseCategoricalCrossentropy,
    "kl_divergence": _losses.KLDivergence, "kld": _losses.KLDivergence, "kullback_leibler_divergence": _losses.KLDivergence,
    "poisson": _losses.Poisson, "hinge": _losses.Hinge, "squared_hinge": _losses.SquaredHinge,
    "cosine_similarity": _losses.CosineSimilarity,
}


class _FunctionLoss(Loss):
    """A plain function used as a loss: per-sample values, then sum_over_batch_size."""

    def __init__(self, fn):
        super().__init__(name=getattr(fn, "__name__", "loss"))
        self.fn = fn

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred)


def get(identifier):
    """A Loss from a name ("mse", "sparse_categorical_crossentropy", ...), a class, a function
    or an instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier) or _CLASSES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret loss identifier: {identifier!r}; known: {sorted(_CLASSES)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, dict):
        from lamina.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(identifier)
    if callable(identifier):
        return _FunctionLoss(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def serialize(loss):
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(loss)


def deserialize(config, custom_objects=None):
    from lamina.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


# More of Keras' losses (focal, Dice, Tversky, ...), composed from engine ops.
from lamina.losses.extra import *  # noqa: F401,F403,E402
from lamina.losses import extra as _extra  # noqa: E402

_FUNCTIONS.update({name: getattr(_extra, name) for name in (
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
    "categorical_hinge", "circle", "dice", "tversky")})
_CLASSES.update({
    "binary_focal_crossentropy": _extra.BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": _extra.CategoricalFocalCrossentropy,
    "categorical_generalized_cross_entropy": _extra.CategoricalGeneralizedCrossEntropy,
    "categorical_hinge": _extra.CategoricalHinge, "circle": _extra.Circle, "dice": _extra.Dice,
    "tversky": _extra.Tversky,
})
