"""The focal, hinge, Dice, Tversky, generalized cross-entropy and Circle losses against real
Keras 3 on the same random inputs (class and function spellings, reductions, sample weights,
config), and their gradients against finite differences."""

import numpy as np
import pytest

import lamina as lm
from keras_ref import long_only, real_keras
from op_check import check_gradient


def _inputs(name, rng):
    if name in ("CategoricalGeneralizedCrossEntropy",):
        p = rng.uniform(0.05, 1, (6, 4))
        return rng.integers(0, 4, 6), (p / p.sum(-1, keepdims=True)).astype("float32")
    if name == "Circle":
        e = rng.standard_normal((8, 5))
        return rng.integers(0, 3, 8), (e / np.linalg.norm(e, axis=1, keepdims=True)).astype("float32")
    if name in ("CategoricalHinge", "CategoricalFocalCrossentropy"):
        p = rng.uniform(0.05, 1, (6, 4))
        return np.eye(4)[rng.integers(0, 4, 6)].astype("float32"), (p / p.sum(-1, keepdims=True)).astype("float32")
    return rng.integers(0, 2, (6, 4)).astype("float32"), rng.uniform(0.02, 0.98, (6, 4)).astype("float32")


CASES = [
    ("BinaryFocalCrossentropy", {}), ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 1.5,
                                                                   "label_smoothing": 0.1}),
    ("CategoricalFocalCrossentropy", {}), ("CategoricalFocalCrossentropy", {"alpha": 0.5, "label_smoothing": 0.2}),
    ("CategoricalHinge", {}), ("Dice", {}), ("Dice", {"axis": 1}), ("Tversky", {"alpha": 0.3, "beta": 0.7}),
    ("Tversky", {"axis": -1}), ("CategoricalGeneralizedCrossEntropy", {"q": 0.7}), ("Circle", {"gamma": 10.0}),
]


@pytest.mark.parametrize("name,kwargs", CASES)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", long_only("sum"), "none"])
def test_loss_class_matches_keras(name, kwargs, reduction):
    keras = real_keras()
    rng = np.random.default_rng(hash((name, str(kwargs))) % 2**32)
    y, p = _inputs(name, rng)
    mine = getattr(lm.losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    np.testing.assert_allclose(mine(y, p), theirs(y, p), rtol=2e-5, atol=1e-6)
    assert mine.get_config() == {k: v for k, v in theirs.get_config().items() if k != "dtype"}
    if reduction == "sum_over_batch_size" and name not in ("Dice", "Tversky") or kwargs.get("axis") is not None:
        w = rng.uniform(0, 2, len(y)).astype("float32")
        np.testing.assert_allclose(mine(y, p, sample_weight=w), theirs(y, p, sample_weight=w), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_hinge",
                                  "dice", "tversky", "circle"])
def test_loss_function_matches_keras_and_has_gradients(name):
    keras = real_keras()
    rng = np.random.default_rng(1)
    cls = {"binary_focal_crossentropy": "BinaryFocalCrossentropy", "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
           "categorical_hinge": "CategoricalHinge", "dice": "Dice", "tversky": "Tversky", "circle": "Circle"}[name]
    y, p = _inputs(cls, rng)
    fn = getattr(lm.losses, name)
    np.testing.assert_allclose(fn(y, p), getattr(keras.losses, name)(y, p), rtol=2e-5, atol=1e-6)
    check_gradient(lambda t: fn(lm.tensor(y), t), p.astype("float64"), noncontiguous=False, rtol=1e-4, atol=1e-6)


def test_losses_by_name_and_errors():
    assert isinstance(lm.losses.get("dice"), lm.losses.Dice)
    assert isinstance(lm.losses.get("categorical_hinge"), lm.losses.CategoricalHinge)
    with pytest.raises(ValueError, match="q must be"):
        lm.losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    model = lm.Sequential([lm.Input((4,)), lm.layers.Dense(4, activation="sigmoid")])
    model.compile(optimizer="sgd", loss=lm.losses.BinaryFocalCrossentropy())
    x = np.random.default_rng(0).standard_normal((16, 4)).astype("float32")
    hist = model.fit(x, (x > 0).astype("float32"), epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
