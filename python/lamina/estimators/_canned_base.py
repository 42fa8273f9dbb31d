"""What the canned estimators share: their heads, their columns (given, or one numeric column
per feature after scikit-learn's fit), and their scikit-learn tags."""

from __future__ import annotations

from lamina.estimators import heads
from lamina.estimators.estimator import Estimator, weight_key_of
from lamina.estimators.network import check_columns
from lamina.estimators.sklearn_api import (BaseEstimator, ClassifierAPI, ClassifierMixin, RegressorAPI, RegressorMixin,
                                           sklearn_tags)


class CannedClassifier(ClassifierMixin, ClassifierAPI, Estimator, BaseEstimator):
    _poor_score = False

    def _head(self, fitted):
        weight_key = weight_key_of(self.weight_column)
        if fitted is None:
            return heads.classification_head(self.n_classes, weight_key, self.label_vocabulary, self.loss_reduction)
        head = heads.classification_head(fitted.n_classes, weight_key, None, self.loss_reduction)
        head.class_names = fitted.class_names
        return head

    def __sklearn_tags__(self):
        return sklearn_tags(self, super().__sklearn_tags__(), poor_score=self._poor_score)


class CannedRegressor(RegressorMixin, RegressorAPI, Estimator, BaseEstimator):
    _poor_score = False

    def _head(self, fitted):
        label_dimension = self.label_dimension if fitted is None else fitted.label_dimension
        return heads.RegressionHead(label_dimension, weight_key_of(self.weight_column), self.loss_reduction)

    def __sklearn_tags__(self):
        return sklearn_tags(self, super().__sklearn_tags__(), poor_score=self._poor_score)


def columns_for(given, fitted, what: str) -> list:
    """The feature columns of one part: those given, or after fit on an array, one numeric
    column per feature."""
    if fitted is not None and fitted.columns is not None:
        return list(fitted.columns)
    columns = check_columns(given, what)
    if not columns:
        raise ValueError(f"{what} must not be empty (or call fit(X, y) with a 2-D array to use one numeric column per "
                         f"feature)")
    return columns


def check_hidden_units(hidden_units, what: str = "hidden_units") -> list:
    if hidden_units is None or isinstance(hidden_units, (str, bytes)) or not hasattr(hidden_units, "__iter__"):
        raise ValueError(f"{what} must be a list of layer sizes, e.g. [64, 32]; got {hidden_units!r}")
    units = list(hidden_units)
    if any(not isinstance(u, int) and not hasattr(u, "__index__") or int(u) < 1 for u in units):
        raise ValueError(f"{what} must hold positive integers, got {units!r}")
    return [int(u) for u in units]


def check_dropout(dropout):
    if dropout is None:
        return None
    if not isinstance(dropout, (int, float)) or not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be None or a probability in [0, 1), got {dropout!r}")
    return float(dropout) or None


def has_columns(value) -> bool:
    from lamina.feature_column.base import FeatureColumn

    if value is None:
        return False
    if isinstance(value, FeatureColumn):
        return True
    try:
        return len(value) > 0
    except TypeError:
        return True  # something else: fit reports it when it checks the columns
