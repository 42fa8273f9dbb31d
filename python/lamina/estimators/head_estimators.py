"""BaselineEstimator, DNNEstimator, LinearEstimator and DNNLinearCombinedEstimator: the canned networks with a
head given by the user (tf.estimator's), e.g. a MultiLabelHead or a MultiHead."""

from __future__ import annotations

from lamina import activations
from lamina.estimators.baseline import _BaselineModel
from lamina.estimators.dnn import _DNNModel
from lamina.estimators.dnn_linear_combined import _DNNLinearCombinedModel
from lamina.estimators.estimator import Estimator
from lamina.estimators.heads import Head
from lamina.estimators.linear import _LinearModel


class _HeadEstimator(Estimator):
    def _set_head(self, head) -> None:
        if not isinstance(head, Head):
            raise TypeError(f"head must be a lamina.estimator head (e.g. MultiClassHead), given: {head!r}")
        self.head = head
        self.weight_column = head.weight_column

    def _head(self, fitted):
        return self.head

    def _seed(self):
        return self._run_settings()["seed"]


class DNNEstimator(_DNNModel, _HeadEstimator):
    """A feed-forward network whose logits `head` interprets.

    Args:
        head: the head (its logits_dimension sets the output size).
        hidden_units, feature_columns, model_dir, optimizer, activation_fn, dropout, config,
            warm_start_from, batch_norm: as for DNNClassifier.
    """

    def __init__(self, head, hidden_units, feature_columns=None, model_dir=None, optimizer="Adagrad",
                 activation_fn=activations.relu, dropout=None, config=None, warm_start_from=None, batch_norm=False):
        self._set_head(head)
        self.hidden_units = hidden_units
        self.feature_columns = feature_columns
        self.model_dir = model_dir
        self.optimizer = optimizer
        self.activation_fn = activation_fn
        self.dropout = dropout
        self.config = config
        self.warm_start_from = warm_start_from
        self.batch_norm = batch_norm


class LinearEstimator(_LinearModel, _HeadEstimator):
    """A linear model whose logits `head` interprets (arguments as LinearClassifier's)."""

    def __init__(self, head, feature_columns=None, model_dir=None, optimizer="Ftrl", config=None,
                 sparse_combiner="sum", warm_start_from=None):
        self._set_head(head)
        self.feature_columns = feature_columns
        self.model_dir = model_dir
        self.optimizer = optimizer
        self.config = config
        self.sparse_combiner = sparse_combiner
        self.warm_start_from = warm_start_from


class DNNLinearCombinedEstimator(_DNNLinearCombinedModel, _HeadEstimator):
    """A wide & deep model whose logits `head` interprets (arguments as
    DNNLinearCombinedClassifier's)."""

    def __init__(self, head, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=activations.relu, dnn_dropout=None, config=None, batch_norm=False,
                 linear_sparse_combiner="sum", warm_start_from=None):
        self._set_head(head)
        self.model_dir = model_dir
        self.linear_feature_columns = linear_feature_columns
        self.linear_optimizer = linear_optimizer
        self.dnn_feature_columns = dnn_feature_columns
        self.dnn_optimizer = dnn_optimizer
        self.dnn_hidden_units = dnn_hidden_units
        self.dnn_activation_fn = dnn_activation_fn
        self.dnn_dropout = dnn_dropout
        self.config = config
        self.batch_norm = batch_norm
        self.linear_sparse_combiner = linear_sparse_combiner
        self.warm_start_from = warm_start_from


class BaselineEstimator(_BaselineModel, _HeadEstimator):
    """Learns only a bias per logit, interpreted by `head` (a yardstick for other models).

    Args:
        head: the head.
        model_dir, optimizer, config: as for BaselineClassifier.
    """

    def __init__(self, head, model_dir=None, optimizer="Ftrl", config=None):
        self._set_head(head)
        self.model_dir = model_dir
        self.optimizer = optimizer
        self.config = config
