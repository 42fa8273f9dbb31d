"""The added metrics against real Keras 3: two batches (the second with sample weights) of
random inputs, then result() and get_config()."""

import re

import numpy as np
import pytest

import lamina as lm
from keras_ref import long_only, real_keras


def _data(kind, rng, n=12):
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype("float32"), rng.uniform(0, 1, (n, 1)).astype("float32")
    if kind == "onehot":
        p = rng.uniform(0.01, 1, (n, 4))
        return np.eye(4, dtype="float32")[rng.integers(0, 4, n)], (p / p.sum(1, keepdims=True)).astype("float32")
    if kind == "sparse":
        return rng.integers(0, 4, n), rng.integers(0, 4, n)
    if kind == "multilabel":
        return rng.integers(0, 2, (n, 3)).astype("float32"), rng.uniform(0, 1, (n, 3)).astype("float32")
    return rng.standard_normal((n, 3)).astype("float32"), rng.standard_normal((n, 3)).astype("float32")


CASES = [
    ("CategoricalHinge", {}, "onehot"), ("CosineSimilarity", {}, "regression"), ("Hinge", {}, "binary"),
    long_only("SquaredHinge", {}, "binary"), long_only("KLDivergence", {}, "onehot"), long_only("LogCoshError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"), long_only("MeanSquaredLogarithmicError", {}, "multilabel"),
    long_only("Poisson", {}, "multilabel"), ("PearsonCorrelation", {}, "regression"), long_only("ConcordanceCorrelation", {}, "regression"),
    ("F1Score", {}, "onehot"), long_only("F1Score", {"average": "macro", "threshold": 0.3}, "multilabel"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted"}, "onehot"), long_only("FBetaScore", {"average": "micro", "threshold": 0.5}, "multilabel"),
    ("R2Score", {}, "regression"), ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2}, "regression"),
    long_only("R2Score", {"class_aggregation": None}, "regression"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "sparse"), ("MeanIoU", {"num_classes": 4}, "sparse"),
    long_only("MeanIoU", {"num_classes": 4, "ignore_class": 1}, "sparse"), ("BinaryIoU", {"threshold": 0.4}, "binary"),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}, "onehot"), long_only("OneHotMeanIoU", {"num_classes": 4}, "onehot"),
    ("PrecisionAtRecall", {"recall": 0.6}, "binary"), long_only("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 50}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.4}, "binary"), long_only("SpecificityAtSensitivity", {"sensitivity": 0.7}, "binary"),
    long_only("PrecisionAtRecall", {"recall": 0.5, "class_id": 2}, "multilabel"),
]


@pytest.mark.parametrize("name,kwargs,kind", CASES)
def test_metric_matches_keras(name, kwargs, kind):
    keras = real_keras()
    rng = np.random.default_rng(abs(hash((name, str(kwargs)))) % 2**32)
    mine, theirs = getattr(lm.metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    y1, p1 = _data(kind, rng)
    y2, p2 = _data(kind, rng)
    w = rng.integers(0, 3, len(y2)).astype("float32")  # integer-valued: IoU's int state keeps them exact
    for m in (mine, theirs):
        m.update_state(y1, p1)
        m.update_state(y2, p2, sample_weight=w)
    np.testing.assert_allclose(np.asarray(mine.result()), np.asarray(theirs.result()), rtol=2e-5, atol=1e-6)
    # Keras numbers a second metric of a class ("mean_io_u_1"); lamina does not.
    theirs_cfg = {k: v for k, v in theirs.get_config().items() if k != "dtype"}
    theirs_cfg["name"] = re.sub(r"_\d+$", "", theirs_cfg["name"])
    assert {k: v for k, v in mine.get_config().items() if k != "dtype"} == theirs_cfg
    mine.reset_state()
    mine.update_state(y1, p1)
    theirs.reset_state()
    theirs.update_state(y1, p1)
    np.testing.assert_allclose(np.asarray(mine.result()), np.asarray(theirs.result()), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation", "categorical_hinge", "poisson", "huber"])
def test_metric_functions_match_keras(fn):
    keras = real_keras()
    rng = np.random.default_rng(0)
    y, p = rng.uniform(0.1, 2, (5, 4)).astype("float32"), rng.uniform(0.1, 2, (5, 4)).astype("float32")
    np.testing.assert_allclose(getattr(lm.metrics, fn)(y, p), getattr(keras.metrics, fn)(y, p), rtol=2e-5, atol=1e-6)


def test_metric_errors_and_compile():
    with pytest.raises(ValueError, match="beta"):
        lm.metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="out of range"):
        lm.metrics.IoU(num_classes=2, target_class_ids=[3])
    with pytest.raises(ValueError, match="recall"):
        lm.metrics.PrecisionAtRecall(1.5)
    model = lm.Sequential([lm.Input((3,)), lm.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", metrics=[lm.metrics.R2Score(), "poisson"])
    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
    logs = model.evaluate(x, x[:, :2] + 1, verbose=0, return_dict=True)
    assert "r2_score" in logs and "poisson" in logs
