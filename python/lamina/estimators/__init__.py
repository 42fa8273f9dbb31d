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

from lamina.estimators import experimental, export, hooks, inputs
from lamina.estimators.baseline import BaselineClassifier, BaselineRegressor
from lamina.estimators.dnn import DNNClassifier, DNNRegressor
from lamina.estimators.dnn_linear_combined import DNNLinearCombinedClassifier, DNNLinearCombinedRegressor
from lamina.estimators.estimator import Estimator, ModeKeys, add_metrics
from lamina.estimators.head_estimators import BaselineEstimator, DNNEstimator, DNNLinearCombinedEstimator, LinearEstimator
from lamina.estimators.heads import BinaryClassHead, Head, MultiClassHead, Reduction, RegressionHead
from lamina.estimators.hooks import (CheckpointSaverHook, CheckpointSaverListener, FinalOpsHook, LoggingTensorHook,
                                     NanTensorHook, ProfilerHook, SecondOrStepTimer, SessionRunArgs, SessionRunContext,
                                     SessionRunHook, SessionRunValues, StepCounterHook, StopAtStepHook,
                                     SummarySaverHook)
from lamina.estimators.linear import LinearClassifier, LinearRegressor
from lamina.estimators.model_fn import EstimatorSpec
from lamina.estimators.more_heads import LogisticRegressionHead, MultiHead, MultiLabelHead, PoissonRegressionHead
from lamina.estimators.run_config import RunConfig
from lamina.estimators.runtime import NanLossDuringTrainingError, VocabInfo, WarmStartSettings
from lamina.estimators.training import (BestExporter, EvalSpec, Exporter, FinalExporter, LatestExporter, TrainSpec,
                                        train_and_evaluate)

__all__ = [
    "BestExporter", "CheckpointSaverHook", "CheckpointSaverListener", "EstimatorSpec", "EvalSpec", "Exporter",
    "FinalExporter", "FinalOpsHook", "LatestExporter", "LoggingTensorHook", "NanTensorHook", "ProfilerHook",
    "SecondOrStepTimer", "SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues",
    "StepCounterHook", "StopAtStepHook", "SummarySaverHook", "TrainSpec", "train_and_evaluate", "hooks",
    "BaselineEstimator", "VocabInfo", "experimental", "add_metrics", "BinaryClassHead", "DNNEstimator", "DNNLinearCombinedEstimator", "Head", "LinearEstimator",
    "LogisticRegressionHead", "MultiClassHead", "MultiHead", "MultiLabelHead", "PoissonRegressionHead",
    "RegressionHead",
    "BaselineClassifier", "BaselineRegressor", "DNNClassifier", "DNNRegressor", "DNNLinearCombinedClassifier",
    "DNNLinearCombinedRegressor", "Estimator", "LinearClassifier", "LinearRegressor", "ModeKeys",
    "NanLossDuringTrainingError", "Reduction", "RunConfig", "WarmStartSettings", "export", "inputs",
]
