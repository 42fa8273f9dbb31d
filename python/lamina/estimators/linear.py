"""LinearClassifier and LinearRegressor."""

from __future__ import annotations

from lamina.estimators import heads
from lamina.estimators._canned_base import CannedClassifier, CannedRegressor, columns_for, has_columns
from lamina.estimators.estimator import weight_key_of
from lamina.estimators.network import InputPlan, LinearLogits
from lamina.estimators.runtime import ModelSpec, linear_learning_rate

_LEARNING_RATE = 0.2  # the cap of TensorFlow's default rule for linear models


class _LinearModel:
    """The model LinearClassifier and LinearRegressor build from their arguments."""

    def _given_columns(self) -> bool:
        return has_columns(self.feature_columns)

    def _model_spec(self, fitted=None):
        columns = columns_for(self.feature_columns, fitted, "feature_columns")
        head = self._head(fitted)
        plan = InputPlan(columns, "linear", linear=True, sparse_combiner=self.sparse_combiner)
        units = head.logits_dimension
        return ModelSpec(head, {"linear": plan}, {"linear": lambda seed: LinearLogits(plan, units, seed=seed)},
                         {"linear": (self.optimizer, linear_learning_rate(len(columns), _LEARNING_RATE))},
                         weight_key_of(self.weight_column))


class LinearClassifier(_LinearModel, CannedClassifier):
    """A linear classifier: logits = sum of per-column weights (one weight per id for
    categorical columns) + bias; sigmoid for 2 classes, softmax for more.

    Args:
        feature_columns: the model's columns (dense or categorical). None: after
            `fit(X, y)` with a 2-D array, one numeric column per feature of X.
        model_dir: where checkpoints go (None: a temporary folder for train(); no
            checkpoints for fit()).
        n_classes: number of classes (default 2). label_vocabulary: string labels, in class
            id order.
        weight_column: a feature key or numeric_column holding per-example weights.
        optimizer: 'Ftrl' (default), 'Adagrad', 'Adam', 'RMSProp', 'SGD' (with learning rate
            min(0.2, 1/sqrt(number of columns))), an optimizer instance, or a callable.
        config: a RunConfig. warm_start_from: a model_dir / checkpoint / WarmStartSettings.
        loss_reduction: 'sum_over_batch_size' (default) or 'sum'.
        sparse_combiner: how several ids of one example combine: 'sum' (default), 'mean' or
            'sqrtn'.
        batch_size, epochs, random_state: used by `fit` (scikit-learn style): batch size,
            passes over the data, seed (default config.tf_random_seed).
    """

    def __init__(self, feature_columns=None, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Ftrl", config=None, warm_start_from=None, loss_reduction=heads.SUM_OVER_BATCH_SIZE,
                 sparse_combiner="sum", *, batch_size=32, epochs=100, random_state=None):
        self.feature_columns = feature_columns
        self.model_dir = model_dir
        self.n_classes = n_classes
        self.weight_column = weight_column
        self.label_vocabulary = label_vocabulary
        self.optimizer = optimizer
        self.config = config
        self.warm_start_from = warm_start_from
        self.loss_reduction = loss_reduction
        self.sparse_combiner = sparse_combiner
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state


class LinearRegressor(_LinearModel, CannedRegressor):
    """A linear regressor (squared loss); see LinearClassifier for the arguments, with
    `label_dimension` (default 1) instead of n_classes / label_vocabulary."""

    def __init__(self, feature_columns=None, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl",
                 config=None, warm_start_from=None, loss_reduction=heads.SUM_OVER_BATCH_SIZE, sparse_combiner="sum",
                 *, batch_size=32, epochs=100, random_state=None):
        self.feature_columns = feature_columns
        self.model_dir = model_dir
        self.label_dimension = label_dimension
        self.weight_column = weight_column
        self.optimizer = optimizer
        self.config = config
        self.warm_start_from = warm_start_from
        self.loss_reduction = loss_reduction
        self.sparse_combiner = sparse_combiner
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state
