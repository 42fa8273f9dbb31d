"""`lamina.metrics`: stateful metrics with Keras' names (update_state / result / reset_state)."""

from lamina.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, MeanAbsoluteError,
                                     MeanSquaredError, RootMeanSquaredError, SparseCategoricalAccuracy,
                                     SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy,
                                     binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                                     sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from lamina.metrics.confusion import (AUC, BinaryCrossentropy, CategoricalCrossentropy, FalseNegatives,
                                      FalsePositives, Precision, Recall, SparseCategoricalCrossentropy,
                                      TrueNegatives, TruePositives)
from lamina.metrics.metric import Mean, MeanMetricWrapper, Metric, Sum

_BY_NAME = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError, "root_mean_squared_error": RootMeanSquaredError,
    "auc": AUC, "precision": Precision, "recall": Recall, "true_positives": TruePositives,
    "false_positives": FalsePositives, "true_negatives": TrueNegatives, "false_negatives": FalseNegatives,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(identifier):
    """A Metric from a name, class, function or instance ("accuracy" needs `resolve`)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            if identifier.lower() in ("accuracy", "acc"):
                return Accuracy()
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}; known: {sorted(_BY_NAME) + ['accuracy']}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):
        from lamina.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def resolve(identifier, y_true, y_pred) -> Metric:
    """The metric `compile` makes of `identifier`, named as Keras names it: a string keeps the
    name it was given ("mae" logs as "mae"), an instance its own name, a function its name.

    "accuracy"/"acc" picks the variant the shapes call for, as Keras does: binary when the
    predictions have one value per sample, sparse categorical when the labels are class ids,
    categorical otherwise."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        y_true_rank, y_pred_rank = len(y_true.shape), len(y_pred.shape)
        last_true = y_true.shape[-1] if y_true_rank else 1
        last_pred = y_pred.shape[-1] if y_pred_rank else 1
        if last_pred == 1:
            return BinaryAccuracy(name=identifier)
        if y_true_rank < y_pred_rank or (last_true == 1 and last_pred > 1):
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    metric = get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanSquaredError",
           "MeanAbsoluteError", "RootMeanSquaredError", "AUC", "Precision", "Recall", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "get", "resolve"]


# More of Keras' metrics and its metric functions.
from lamina.metrics.extra import *  # noqa: F401,F403,E402
from lamina.metrics import extra as _extra  # noqa: E402

_BY_NAME.update({
    "categorical_hinge": _extra.CategoricalHinge, "cosine_similarity": _extra.CosineSimilarity, "hinge": _extra.Hinge,
    "squared_hinge": _extra.SquaredHinge, "kl_divergence": _extra.KLDivergence, "logcosh": _extra.LogCoshError,
    "log_cosh": _extra.LogCoshError, "mean_absolute_percentage_error": _extra.MeanAbsolutePercentageError,
    "mape": _extra.MeanAbsolutePercentageError, "mean_squared_logarithmic_error": _extra.MeanSquaredLogarithmicError,
    "msle": _extra.MeanSquaredLogarithmicError, "poisson": _extra.Poisson, "r2_score": _extra.R2Score,
    "pearson_correlation": _extra.PearsonCorrelation, "concordance_correlation": _extra.ConcordanceCorrelation,
})


def serialize(metric):
    """A metric's Keras config dict."""
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """A metric from its Keras config dict."""
    from lamina.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


__all__ += list(_extra.__all__) + ["serialize", "deserialize"]
