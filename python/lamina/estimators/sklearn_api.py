"""The scikit-learn face of the canned estimators: fit / predict / predict_proba / score,
get_params / set_params, classes_ and n_features_in_.

scikit-learn is optional: when it is installed the estimators derive from its BaseEstimator
and mixins (so clone, Pipeline, GridSearchCV and check_estimator see real scikit-learn
estimators); without it they keep get_params / set_params and the TensorFlow-style API, and
fit / predict on arrays explain that they need scikit-learn.
"""

from __future__ import annotations

import inspect

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    HAVE_SKLEARN = False

    class BaseEstimator:
        """get_params / set_params as scikit-learn defines them (its constructor arguments)."""

        @classmethod
        def _get_param_names(cls):
            params = inspect.signature(cls.__init__).parameters.values()
            return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}. Valid parameters "
                                     f"are: {valid!r}.")
                setattr(self, key, value)
            return self

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

from lamina.estimators.estimator import PREDICT, TRAIN
from lamina.estimators.runtime import LABELS, WEIGHTS
from lamina.estimators import checkpoints
from lamina.feature_column.numeric import numeric_column

_PREDICT_CHUNK = 8192


def _require_sklearn(what: str) -> None:
    if not HAVE_SKLEARN:
        raise ImportError(f"{what} on arrays is the scikit-learn API and needs scikit-learn (pip install scikit-learn); "
                          f"train/evaluate/predict with an input_fn work without it")


class FitInfo:
    """What `fit` learned from the data that shapes the model."""

    def __init__(self, columns, keys, n_classes=None, label_dimension=None, class_names=None):
        self.columns = columns  # feature columns used when none were given (one numeric column per feature)
        self.keys = keys  # feature keys for 2-D array input, in column order; None for dict/DataFrame input
        self.n_classes = n_classes
        self.label_dimension = label_dimension
        self.class_names = class_names


class SklearnAPI:
    """fit / predict / predict_proba for arrays and DataFrames (mixed into each estimator)."""

    _classifier = False

    def _given_columns(self) -> bool:
        raise NotImplementedError

    def _fit_params(self) -> tuple:
        batch_size = self.__dict__.get("batch_size", 32)
        epochs = self.__dict__.get("epochs", 100)
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        return int(batch_size), int(epochs)

    # ------------------------------------------------------------------------------------------
    def _features(self, X, reset: bool, y="no_validation"):
        """(features dict, checked y). Without feature columns, X is a 2-D numeric array whose
        columns become numeric features; with them, X is a dict of arrays or a DataFrame."""
        y_params = {"y_numeric": not self._classifier, "multi_output": not self._classifier}
        if self._given_columns():
            if not (isinstance(X, dict) or hasattr(X, "columns")):
                raise ValueError(f"{type(self).__name__} has feature_columns, so X must be a dict of arrays or a pandas "
                                 f"DataFrame keyed by feature name, got {type(X).__name__}")
            keys = [str(k) for k in (X.columns if hasattr(X, "columns") else X)]
            features = {str(k): (X[k].to_numpy() if hasattr(X[k], "to_numpy") else np.asarray(X[k]))
                        for k in (X.columns if hasattr(X, "columns") else X)}
            if not (isinstance(y, str) and y == "no_validation"):
                y = validate_data(self, X="no_validation", y=y, **y_params)
            if reset:
                self.n_features_in_ = len(keys)
                if hasattr(X, "columns"):
                    self.feature_names_in_ = np.asarray(keys, dtype=object)
            return features, y
        if not (isinstance(y, str) and y == "no_validation"):
            X, y = validate_data(self, X, y, dtype=[np.float32, np.float64], reset=reset, **y_params)
        else:
            X = validate_data(self, X, dtype=[np.float32, np.float64], reset=reset)
        if reset:
            keys = self._default_keys()
        else:
            keys = self._runtime.fitted.keys
        return {k: X[:, i] for i, k in enumerate(keys)}, y

    def _default_keys(self) -> list:
        names = getattr(self, "feature_names_in_", None)
        if names is not None and all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names):
            return [str(n) for n in names]
        return [f"x{i}" for i in range(self.n_features_in_)]

    # ------------------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Trains a new model on X, y (starting afresh; with a model_dir, its checkpoints are
        replaced), for `epochs` passes in shuffled batches of `batch_size`.

        Args:
            X: 2-D numeric array (each column a numeric feature) when the estimator has no
                feature columns; else a dict of arrays or a DataFrame keyed by feature name.
            y: class labels (any values: they become `classes_`) or regression targets.
            sample_weight: optional per-example weights.
        """
        _require_sklearn("fit")
        for attr in ("classes_", "n_features_in_", "feature_names_in_"):
            self.__dict__.pop(attr, None)
        batch_size, epochs = self._fit_params()
        features, y = self._features(X, reset=True, y=y)
        n = len(y)
        if self._classifier:
            check_classification_targets(y)
            self.classes_, labels = np.unique(y, return_inverse=True)
            if len(self.classes_) < 2:
                raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes in the data, but the data "
                                 f"contains only one class: {self.classes_[0]!r}")
            fitted_kw = {"n_classes": len(self.classes_),
                         "class_names": np.array([str(c).encode("utf-8") for c in self.classes_], dtype=object)}
        else:
            labels = np.asarray(y, dtype=np.float32)
            fitted_kw = {"label_dimension": 1 if labels.ndim == 1 else labels.shape[1]}
        columns = None if self._given_columns() else [numeric_column(k) for k in self._default_keys()]
        keys = None if self._given_columns() else self._default_keys()
        fitted = FitInfo(columns, keys, **fitted_kw)
        model_dir = self._model_dir(create=False)
        if model_dir is not None:
            checkpoints.remove_all(model_dir)  # fit starts afresh: this model replaces the one saved there
        self._runtime = None
        runtime = self._new_runtime(model_dir, fitted)
        runtime.load_embedding_checkpoints()
        self._runtime = runtime
        if self.__dict__.get("warm_start_from") is not None:
            from lamina.estimators.runtime import WarmStartSettings

            settings = self.warm_start_from
            runtime.warm_start(settings if isinstance(settings, WarmStartSettings) else WarmStartSettings(settings))
        prepared = self._prepare(runtime, features, labels, TRAIN)
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float32)
            prepared[WEIGHTS] = weights if WEIGHTS not in prepared else prepared[WEIGHTS] * weights
        rng = np.random.default_rng(self._seed())

        def batches():
            for _ in range(epochs):
                order = rng.permutation(n)
                for start in range(0, n, batch_size):
                    idx = order[start:start + batch_size]
                    yield {k: v[idx] for k, v in prepared.items()}

        self._train_loop(runtime, batches(), None, save=True)
        return self

    # ------------------------------------------------------------------------------------------
    def _array_predictions(self, X) -> dict:
        _require_sklearn("predict")
        check_is_fitted(self)
        features, _ = self._features(X, reset=False)
        runtime = self._ready_runtime(PREDICT)
        prepared = self._prepare(runtime, features, None, PREDICT)
        n = len(next(iter(prepared.values())))
        parts = []
        for start in range(0, n, _PREDICT_CHUNK):
            chunk = {k: v[start:start + _PREDICT_CHUNK] for k, v in prepared.items()}
            parts.append(runtime.spec.head.predictions(runtime.logits(chunk)))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def predict(self, X=None, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True,
                input_fn=None):
        """TensorFlow's `predict(input_fn, ...)` or scikit-learn's `predict(X)`.

        Args:
            X: an array or DataFrame (scikit-learn), or an input_fn given positionally (TF).
            predict_keys, hooks, checkpoint_path, yield_single_examples: TensorFlow's
                arguments, for an input_fn.
            input_fn: TensorFlow's keyword for the function returning the features.

        Returns:
            With an input_fn, a generator of TensorFlow's prediction dicts; with an array,
            scikit-learn's predictions (class labels from `classes_`, or values).
        """
        if input_fn is not None and X is not None:
            raise TypeError("predict takes either an input_fn (TensorFlow) or X (scikit-learn), not both")
        if input_fn is None and X is None:
            raise TypeError("predict needs X or input_fn")
        if input_fn is not None or callable(X):
            return super().predict(input_fn if input_fn is not None else X, predict_keys=predict_keys, hooks=hooks,
                                   checkpoint_path=checkpoint_path, yield_single_examples=yield_single_examples)
        out = self._array_predictions(X)
        if self._classifier:
            return self.classes_[out["class_ids"][:, 0]]
        values = out["predictions"].astype(np.float64)
        return values[:, 0] if values.shape[1] == 1 else values

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else dict(self.__dict__)
        state = dict(state)
        runtime = state.pop("_runtime", None)
        if runtime is not None:
            # Engine tensors do not pickle: the model travels as its variables' values.
            state["_pickled_runtime"] = (runtime.snapshot(), runtime.fitted, runtime.checkpoint_step)
        return state

    def __setstate__(self, state):
        state = dict(state)
        pickled = state.pop("_pickled_runtime", None)
        if hasattr(super(), "__setstate__"):
            super().__setstate__(state)
        else:
            self.__dict__.update(state)
        if pickled is not None:
            values, fitted, checkpoint_step = pickled
            runtime = self._new_runtime(self._model_dir(create=False), fitted)
            runtime.restore(values, "the pickled estimator")
            runtime.checkpoint_step = checkpoint_step
            self._runtime = runtime


class ClassifierAPI(SklearnAPI):
    _classifier = True

    def predict_proba(self, X):
        """Class probabilities, columns in `classes_` order."""
        return self._array_predictions(X)["probabilities"]

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))


class RegressorAPI(SklearnAPI):
    _classifier = False


def sklearn_tags(estimator, tags, poor_score=False):
    """Adjusts scikit-learn's tags of a lamina estimator."""
    tags.input_tags.allow_nan = False
    tags.non_deterministic = estimator._seed() is None
    if estimator._given_columns():
        tags.input_tags.two_d_array = False
        tags.input_tags.dict = True
    if getattr(tags, "classifier_tags", None) is not None:
        tags.classifier_tags.poor_score = poor_score
    if getattr(tags, "regressor_tags", None) is not None:
        tags.regressor_tags.poor_score = poor_score
        tags.target_tags.multi_output = True
    return tags
