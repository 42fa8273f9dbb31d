"""Losses (classes, functions, reductions, sample weights) and metrics against numpy."""

import numpy as np
import pytest

import lamina as lm
from lamina import losses, metrics


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


RNG = np.random.default_rng(0)
YT = RNG.uniform(0, 1, (6, 4)).astype("float32")
YP = RNG.uniform(0.05, 0.95, (6, 4)).astype("float32")


@pytest.mark.parametrize("cls,ref", [
    (losses.MeanSquaredError, lambda t, p: ((t - p) ** 2).mean(-1)),
    (losses.MeanAbsoluteError, lambda t, p: np.abs(t - p).mean(-1)),
    (losses.MeanAbsolutePercentageError, lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), 1e-7)).mean(-1)),
    (losses.MeanSquaredLogarithmicError, lambda t, p: ((np.log1p(p) - np.log1p(t)) ** 2).mean(-1)),
    (losses.Huber, lambda t, p: np.where(np.abs(t - p) <= 1, 0.5 * (t - p) ** 2, np.abs(t - p) - 0.5).mean(-1)),
    (losses.LogCosh, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    (losses.KLDivergence, lambda t, p: (t * np.log(t / p)).sum(-1)),
    (losses.Poisson, lambda t, p: (p - t * np.log(p + 1e-7)).mean(-1)),
    (losses.BinaryCrossentropy, lambda t, p: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)),
    (losses.CategoricalCrossentropy, lambda t, p: -(t * np.log(p / p.sum(-1, keepdims=True))).sum(-1)),
    (losses.CosineSimilarity, lambda t, p: -(t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)),
])
def test_loss_values_and_reductions(cls, ref):
    per_sample = ref(YT.astype(np.float64), YP.astype(np.float64))
    np.testing.assert_allclose(float(cls()(YT, YP)), per_sample.mean(), rtol=2e-5)
    np.testing.assert_allclose(float(cls(reduction="sum")(YT, YP)), per_sample.sum(), rtol=2e-5)
    np.testing.assert_allclose(np.asarray(cls(reduction="none")(YT, YP)), per_sample, rtol=2e-5, atol=1e-6)
    sw = np.arange(6, dtype="float32")
    np.testing.assert_allclose(float(cls()(YT, YP, sample_weight=sw)), (per_sample * sw).mean(), rtol=2e-5)


def test_sparse_categorical_crossentropy_from_logits():
    logits = RNG.standard_normal((5, 3)).astype("float32")
    labels = np.array([0, 2, 1, 1, 0])
    want = -np.log(_softmax(logits.astype(np.float64))[np.arange(5), labels]).mean()
    got = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    np.testing.assert_allclose(float(got), want, rtol=1e-5)
    got2 = losses.SparseCategoricalCrossentropy()(labels.reshape(5, 1), _softmax(logits))
    np.testing.assert_allclose(float(got2), want, rtol=1e-4)


def test_hinge_converts_binary_labels():
    t = np.array([[0.0, 1.0]], "float32")
    p = np.array([[0.3, 0.8]], "float32")
    want = np.maximum(1 - np.array([-1.0, 1.0]) * p, 0).mean()
    np.testing.assert_allclose(float(losses.Hinge()(t, p)), want, rtol=1e-6)


def test_loss_get_by_name_function_and_errors():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert float(losses.get(losses.mean_absolute_error)(YT, YP)) > 0
    with pytest.raises(ValueError, match=r"Could not interpret loss"):
        losses.get("not_a_loss")


def test_accuracy_metrics_accumulate():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])
    m.update_state([1], [[0.1, 0.9]])
    assert np.isclose(m.result(), 2 / 3)
    m.reset_state()
    assert m.result() == 0.0
    c = metrics.CategoricalAccuracy()
    c.update_state([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
    assert np.isclose(c.result(), 0.5)
    b = metrics.BinaryAccuracy()
    b.update_state([[1], [0], [1]], [[0.7], [0.6], [0.2]])
    assert np.isclose(b.result(), 1 / 3)
    k = metrics.SparseTopKCategoricalAccuracy(k=2)
    k.update_state([2, 0], [[0.1, 0.5, 0.4], [0.2, 0.3, 0.5]])
    assert np.isclose(k.result(), 0.5)


def test_regression_metrics_and_mean():
    t, p = np.array([[1.0, 2.0]]), np.array([[1.5, 1.0]])
    assert np.isclose(metrics.MeanSquaredError()(t, p), 0.625)
    assert np.isclose(metrics.MeanAbsoluteError()(t, p), 0.75)
    assert np.isclose(metrics.RootMeanSquaredError()(t, p), np.sqrt(0.625))
    m = metrics.Mean()
    m.update_state([1.0, 3.0])
    m.update_state([5.0], sample_weight=[2.0])
    assert np.isclose(m.result(), (1 + 3 + 10) / 4)


def test_accuracy_resolves_from_loss_and_shapes():
    y2 = lm.tensor(np.zeros((4, 3), "float32"))
    yi = lm.tensor(np.zeros((4,), "int32"))
    assert isinstance(metrics.resolve("accuracy", yi, y2), metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.resolve("accuracy", y2, y2), metrics.CategoricalAccuracy)
    assert isinstance(metrics.resolve("accuracy", y2[:, :1], y2[:, :1]), metrics.BinaryAccuracy)
