"""DNNLinearCombinedClassifier and DNNLinearCombinedRegressor: wide (linear) & deep (DNN)
models whose logits add up, each part with its own optimizer."""

from __future__ import annotations

from lamina import activations
from lamina.estimators import heads
from lamina.estimators._canned_base import (CannedClassifier, CannedRegressor, check_dropout, check_hidden_units,
                                            has_columns)
from lamina.estimators.estimator import weight_key_of
from lamina.estimators.network import DNNLogits, InputPlan, LinearLogits, check_columns
from lamina.estimators.runtime import ModelSpec, linear_learning_rate

_DNN_LEARNING_RATE = 0.001
_LINEAR_LEARNING_RATE = 0.005


class _DNNLinearCombinedModel:
    """The model DNNLinearCombinedClassifier and DNNLinearCombinedRegressor build from their
    arguments: a linear part, a DNN part, or both."""

    def _given_columns(self) -> bool:
        return has_columns(self.linear_feature_columns) or has_columns(self.dnn_feature_columns)

    def _model_spec(self, fitted=None):
        head = self._head(fitted)
        linear_columns = check_columns(self.linear_feature_columns, "linear_feature_columns")
        dnn_columns = check_columns(self.dnn_feature_columns, "dnn_feature_columns")
        if fitted is not None and fitted.columns is not None:
            # fit on an array: every feature feeds the linear part, and the DNN when it has layers.
            linear_columns = list(fitted.columns)
            dnn_columns = list(fitted.columns) if self.dnn_hidden_units else []
        if not linear_columns and not dnn_columns:
            raise ValueError("Either linear_feature_columns or dnn_feature_columns must be defined.")
        units = head.logits_dimension
        plans, factories, optimizers = {}, {}, {}
        if linear_columns:
            plan = InputPlan(linear_columns, "linear", linear=True, sparse_combiner=self.linear_sparse_combiner)
            plans["linear"] = plan
            factories["linear"] = lambda seed: LinearLogits(plan, units, seed=seed)
            optimizers["linear"] = (self.linear_optimizer,
                                    linear_learning_rate(len(linear_columns), _LINEAR_LEARNING_RATE))
        if dnn_columns:
            if not self.dnn_hidden_units:
                raise ValueError(f"dnn_hidden_units cannot be empty when dnn_feature_columns is given. "
                                 f"dnn_feature_columns: {dnn_columns!r}")
            dnn_plan = InputPlan(dnn_columns, "dnn", linear=False)
            hidden = check_hidden_units(self.dnn_hidden_units, "dnn_hidden_units")
            dropout = check_dropout(self.dnn_dropout)
            plans["dnn"] = dnn_plan
            factories["dnn"] = lambda seed: DNNLogits(dnn_plan, units, hidden, self.dnn_activation_fn, dropout,
                                                      bool(self.batch_norm), seed=seed)
            optimizers["dnn"] = (self.dnn_optimizer, _DNN_LEARNING_RATE)
        return ModelSpec(head, plans, factories, optimizers, weight_key_of(self.weight_column))


class DNNLinearCombinedClassifier(_DNNLinearCombinedModel, CannedClassifier):
    """A wide & deep classifier: a linear model and a DNN trained jointly, logits summed.

    Args:
        model_dir, n_classes, weight_column, label_vocabulary, config, warm_start_from,
            loss_reduction: as for LinearClassifier.
        linear_feature_columns: columns of the linear (wide) part.
        linear_optimizer: default 'Ftrl' (learning rate min(0.005, 1/sqrt(number of linear
            columns)) when given by name).
        dnn_feature_columns: dense columns of the DNN (deep) part.
        dnn_optimizer: default 'Adagrad' (learning rate 0.001 when given by name).
        dnn_hidden_units: the DNN's hidden layer sizes (needed with dnn_feature_columns).
        dnn_activation_fn, dnn_dropout, batch_norm: as for DNNClassifier.
        linear_sparse_combiner: 'sum' (default), 'mean' or 'sqrtn'.
        batch_size, epochs, random_state: used by `fit` (scikit-learn style; with a 2-D
            array every feature feeds the linear part, and the DNN when dnn_hidden_units is
            set).
    """

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl", dnn_feature_columns=None,
                 dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=activations.relu, dnn_dropout=None,
                 n_classes=2, weight_column=None, label_vocabulary=None, config=None, warm_start_from=None,
                 loss_reduction=heads.SUM_OVER_BATCH_SIZE, batch_norm=False, linear_sparse_combiner="sum", *,
                 batch_size=32, epochs=100, random_state=None):
        self.model_dir = model_dir
        self.linear_feature_columns = linear_feature_columns
        self.linear_optimizer = linear_optimizer
        self.dnn_feature_columns = dnn_feature_columns
        self.dnn_optimizer = dnn_optimizer
        self.dnn_hidden_units = dnn_hidden_units
        self.dnn_activation_fn = dnn_activation_fn
        self.dnn_dropout = dnn_dropout
        self.n_classes = n_classes
        self.weight_column = weight_column
        self.label_vocabulary = label_vocabulary
        self.config = config
        self.warm_start_from = warm_start_from
        self.loss_reduction = loss_reduction
        self.batch_norm = batch_norm
        self.linear_sparse_combiner = linear_sparse_combiner
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state


class DNNLinearCombinedRegressor(_DNNLinearCombinedModel, CannedRegressor):
    """A wide & deep regressor; see DNNLinearCombinedClassifier, with `label_dimension`
    (default 1) instead of n_classes / label_vocabulary."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl", dnn_feature_columns=None,
                 dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=activations.relu, dnn_dropout=None,
                 label_dimension=1, weight_column=None, config=None, warm_start_from=None,
                 loss_reduction=heads.SUM_OVER_BATCH_SIZE, batch_norm=False, linear_sparse_combiner="sum", *,
                 batch_size=32, epochs=100, random_state=None):
        self.model_dir = model_dir
        self.linear_feature_columns = linear_feature_columns
        self.linear_optimizer = linear_optimizer
        self.dnn_feature_columns = dnn_feature_columns
        self.dnn_optimizer = dnn_optimizer
        self.dnn_hidden_units = dnn_hidden_units
        self.dnn_activation_fn = dnn_activation_fn
        self.dnn_dropout = dnn_dropout
        self.label_dimension = label_dimension
        self.weight_column = weight_column
        self.config = config
        self.warm_start_from = warm_start_from
        self.loss_reduction = loss_reduction
        self.batch_norm = batch_norm
        self.linear_sparse_combiner = linear_sparse_combiner
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state
