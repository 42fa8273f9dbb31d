"""BaselineClassifier and BaselineRegressor: ignore the features and learn the label prior
(the class distribution, or the mean), a yardstick for the other models."""

from __future__ import annotations

from lamina.estimators import heads
from lamina.estimators._canned_base import CannedClassifier, CannedRegressor
from lamina.estimators.estimator import weight_key_of
from lamina.estimators.network import BaselineLogits
from lamina.estimators.runtime import ModelSpec

_LEARNING_RATE = 0.3


class _BaselineModel:
    """The model BaselineClassifier and BaselineRegressor build: no features, a bias per logit."""

    _poor_score = True  # by design: it is the bar other models must clear

    def _given_columns(self) -> bool:
        return False

    def _model_spec(self, fitted=None):
        head = self._head(fitted)
        units = head.logits_dimension
        return ModelSpec(head, {}, {"baseline": lambda seed: BaselineLogits(units)},
                         {"baseline": (self.optimizer, _LEARNING_RATE)}, weight_key_of(self.weight_column))


class BaselineClassifier(_BaselineModel, CannedClassifier):
    """Predicts the class distribution of the training labels, whatever the features.

    Args:
        model_dir, n_classes, weight_column, label_vocabulary, config, loss_reduction: as
            for LinearClassifier.
        optimizer: default 'Ftrl' (learning rate 0.3 when given by name).
        batch_size, epochs, random_state: used by `fit` (scikit-learn style).
    """

    def __init__(self, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None, optimizer="Ftrl",
                 config=None, loss_reduction=heads.SUM_OVER_BATCH_SIZE, *, batch_size=32, epochs=100, random_state=None):
        self.model_dir = model_dir
        self.n_classes = n_classes
        self.weight_column = weight_column
        self.label_vocabulary = label_vocabulary
        self.optimizer = optimizer
        self.config = config
        self.loss_reduction = loss_reduction
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state


class BaselineRegressor(_BaselineModel, CannedRegressor):
    """Predicts the mean of the training labels, whatever the features; see
    BaselineClassifier, with `label_dimension` (default 1)."""

    def __init__(self, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl", config=None,
                 loss_reduction=heads.SUM_OVER_BATCH_SIZE, *, batch_size=32, epochs=100, random_state=None):
        self.model_dir = model_dir
        self.label_dimension = label_dimension
        self.weight_column = weight_column
        self.optimizer = optimizer
        self.config = config
        self.loss_reduction = loss_reduction
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state
