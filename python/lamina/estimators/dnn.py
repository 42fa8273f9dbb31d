"""DNNClassifier and DNNRegressor."""

from __future__ import annotations

from lamina import activations
from lamina.estimators import heads
from lamina.estimators._canned_base import (CannedClassifier, CannedRegressor, check_dropout, check_hidden_units,
                                            columns_for, has_columns)
from lamina.estimators.estimator import weight_key_of
from lamina.estimators.network import DNNLogits, InputPlan
from lamina.estimators.runtime import ModelSpec

_LEARNING_RATE = 0.05  # for an optimizer given by name


class _DNNModel:
    """The model DNNClassifier and DNNRegressor build from their arguments."""

    def _given_columns(self) -> bool:
        return has_columns(self.feature_columns)

    def _model_spec(self, fitted=None):
        columns = columns_for(self.feature_columns, fitted, "feature_columns")
        head = self._head(fitted)
        plan = InputPlan(columns, "dnn", linear=False)
        units = head.logits_dimension
        hidden = check_hidden_units(self.hidden_units)
        dropout = check_dropout(self.dropout)
        activation_fn, batch_norm = self.activation_fn, bool(self.batch_norm)

        def make(seed):
            return DNNLogits(plan, units, hidden, activation_fn, dropout, batch_norm, seed=seed)

        return ModelSpec(head, {"dnn": plan}, {"dnn": make}, {"dnn": (self.optimizer, _LEARNING_RATE)},
                         weight_key_of(self.weight_column))


class DNNClassifier(_DNNModel, CannedClassifier):
    """A feed-forward neural network classifier.

    Args:
        hidden_units: sizes of the hidden layers, e.g. [64, 32].
        feature_columns: dense columns (numeric, bucketized, indicator, embedding); None:
            after `fit(X, y)` with a 2-D array, one numeric column per feature of X.
        model_dir, n_classes, weight_column, label_vocabulary, config, warm_start_from,
            loss_reduction: as for LinearClassifier.
        optimizer: 'Adagrad' (default), 'Adam', 'Ftrl', 'RMSProp', 'SGD' (learning rate 0.05
            when given by name), an optimizer instance, or a callable.
        activation_fn: activation of the hidden layers (default relu; a function or name).
        dropout: probability of dropping a hidden unit during training (None: no dropout).
        batch_norm: batch normalization after each hidden layer.
        batch_size, epochs, random_state: used by `fit` (scikit-learn style).
    """

    def __init__(self, hidden_units, feature_columns=None, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Adagrad", activation_fn=activations.relu, dropout=None, config=None,
                 warm_start_from=None, loss_reduction=heads.SUM_OVER_BATCH_SIZE, batch_norm=False, *, batch_size=32,
                 epochs=100, random_state=None):
        self.hidden_units = hidden_units
        self.feature_columns = feature_columns
        self.model_dir = model_dir
        self.n_classes = n_classes
        self.weight_column = weight_column
        self.label_vocabulary = label_vocabulary
        self.optimizer = optimizer
        self.activation_fn = activation_fn
        self.dropout = dropout
        self.config = config
        self.warm_start_from = warm_start_from
        self.loss_reduction = loss_reduction
        self.batch_norm = batch_norm
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state


class DNNRegressor(_DNNModel, CannedRegressor):
    """A feed-forward neural network regressor (squared loss); see DNNClassifier, with
    `label_dimension` (default 1) instead of n_classes / label_vocabulary."""

    def __init__(self, hidden_units, feature_columns=None, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Adagrad", activation_fn=activations.relu, dropout=None, config=None, warm_start_from=None,
                 loss_reduction=heads.SUM_OVER_BATCH_SIZE, batch_norm=False, *, batch_size=32, epochs=100,
                 random_state=None):
        self.hidden_units = hidden_units
        self.feature_columns = feature_columns
        self.model_dir = model_dir
        self.label_dimension = label_dimension
        self.weight_column = weight_column
        self.optimizer = optimizer
        self.activation_fn = activation_fn
        self.dropout = dropout
        self.config = config
        self.warm_start_from = warm_start_from
        self.loss_reduction = loss_reduction
        self.batch_norm = batch_norm
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state
