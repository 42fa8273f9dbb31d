"""Schedules (InverseTimeDecay, CosineDecayRestarts), initializer spellings, the orthogonal
regularizer and random.categorical against real Keras 3."""

import numpy as np
import pytest

import lamina as lm
from keras_ref import real_keras


@pytest.mark.parametrize("name,kwargs", [
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 7}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
    ("CosineDecayRestarts", {"initial_learning_rate": 1.0, "first_decay_steps": 4, "t_mul": 1.5, "m_mul": 0.8}),
])
def test_schedules_match_keras(name, kwargs):
    keras = real_keras()
    mine, theirs = getattr(lm.optimizers.schedules, name)(**kwargs), getattr(keras.optimizers.schedules, name)(**kwargs)
    steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 17, 20, 24, 29, 35, 44, 59]
    want = np.asarray(theirs(np.array(steps, "float32")))  # one vectorized call: per-step calls are slow in jax
    np.testing.assert_allclose([mine(int(s)) for s in steps], want, rtol=1e-5, atol=1e-7)
    assert mine.get_config() == theirs.get_config()
    restored = lm.optimizers.schedules.deserialize(lm.optimizers.schedules.serialize(mine))
    assert restored.get_config() == mine.get_config()


def test_initializer_spellings_are_keras_aliases():
    keras = real_keras()
    names = ["constant", "zeros", "ones", "random_uniform", "random_normal", "truncated_normal", "variance_scaling",
             "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
             "identity", "IdentityInitializer", "OrthogonalInitializer"]
    for name in names:
        mine, theirs = getattr(lm.initializers, name), getattr(keras.initializers, name)
        assert mine.__name__ == theirs.__name__, name
    values = lm.initializers.glorot_uniform(seed=1)((4, 5))
    assert values.shape == (4, 5) and float(np.abs(np.asarray(values)).max()) <= np.sqrt(6 / 9)
    config = lm.initializers.serialize(lm.initializers.he_normal(seed=2))
    assert isinstance(lm.initializers.deserialize(config), lm.initializers.HeNormal)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_keras(mode):
    keras = real_keras()
    w = np.random.default_rng(0).standard_normal((4, 6)).astype("float32")
    mine = lm.regularizers.OrthogonalRegularizer(0.3, mode)(lm.tensor(w))
    theirs = keras.regularizers.OrthogonalRegularizer(0.3, mode)(keras.ops.convert_to_tensor(w))
    np.testing.assert_allclose(float(mine), float(theirs), rtol=1e-5)
    theirs_cfg = keras.regularizers.OrthogonalRegularizer(0.3, mode).get_config()  # Keras stores factor as float32
    assert lm.regularizers.orthogonal_regularizer(0.3, mode).get_config() == {**theirs_cfg, "factor": pytest.approx(0.3)}
    with pytest.raises(ValueError, match="mode"):
        lm.regularizers.OrthogonalRegularizer(mode="diagonal")


def test_categorical_samples_follow_the_probabilities():
    p = np.array([[0.1, 0.6, 0.3], [0.7, 0.2, 0.1]])
    draws = np.asarray(lm.random.categorical(np.log(p), 20000, seed=4))
    assert draws.shape == (2, 20000) and draws.dtype == np.int32
    freq = np.stack([np.bincount(row, minlength=3) / 20000 for row in draws])
    np.testing.assert_allclose(freq, p, atol=0.015)
    np.testing.assert_array_equal(draws, lm.random.categorical(np.log(p), 20000, seed=4))
    with pytest.raises(ValueError, match="2-D"):
        lm.random.categorical(np.zeros(3), 2)
