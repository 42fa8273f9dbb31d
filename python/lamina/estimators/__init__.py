"""`lamina.estimators`: TensorFlow's canned Estimators, built on lamina's layers and
optimizers, usable TF-style (input_fn + feature columns: train / evaluate / predict, with
checkpoints in model_dir) and as scikit-learn estimators (fit / predict / score).

    import lamina
    from lamina import feature_column as fc

    est = lamina.estimators.DNNClassifier(hidden_units=[16, 16], n_classes=3,
                                          feature_columns=[fc.numeric_column("x", shape=(4,))])
    est.train(lamina.estimators.inputs.numpy_input_fn({"x": x}, y, shuffle=True, num_epochs=None), steps=1000)
    est.evaluate(lamina.estimators.inputs.numpy_input_fn({"x": x_test}, y_test, shuffle=False))

    clf = lamina.estimators.DNNClassifier(hidden_units=[16]).fit(X, y)   # scikit-learn style
    clf.score(X_test, y_test)
"""

from lamina.estimators import export, inputs
from lamina.estimators.baseline import BaselineClassifier, BaselineRegressor
from lamina.estimators.dnn import DNNClassifier, DNNRegressor
from lamina.estimators.dnn_linear_combined import DNNLinearCombinedClassifier, DNNLinearCombinedRegressor
from lamina.estimators.estimator import Estimator, ModeKeys
from lamina.estimators.heads import Reduction
from lamina.estimators.linear import LinearClassifier, LinearRegressor
from lamina.estimators.run_config import RunConfig
from lamina.estimators.runtime import NanLossDuringTrainingError, WarmStartSettings

__all__ = [
    "BaselineClassifier", "BaselineRegressor", "DNNClassifier", "DNNRegressor", "DNNLinearCombinedClassifier",
    "DNNLinearCombinedRegressor", "Estimator", "LinearClassifier", "LinearRegressor", "ModeKeys",
    "NanLossDuringTrainingError", "Reduction", "RunConfig", "WarmStartSettings", "export", "inputs",
]
