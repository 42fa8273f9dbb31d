"""fit / evaluate / predict refuse batch sizes, step counts and epoch counts that are not
positive integers, with a ValueError naming the argument (instead of training nothing)."""

from __future__ import annotations

import numpy as np
import pytest

import lamina

X = np.random.default_rng(0).normal(size=(10, 4)).astype("float32")
Y = np.zeros(10, "float32")
BAD_COUNTS = [0, -4, 2.5, 4.0, "4", True]


def model():
    m = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


@pytest.mark.parametrize("value", BAD_COUNTS)
@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_batch_size_must_be_a_positive_integer(call, value):
    m = model()
    args = (X,) if call == "predict" else (X, Y)
    with pytest.raises(ValueError, match=rf"{call}.*`batch_size` must be a positive integer.*{value!r}"):
        getattr(m, call)(*args, batch_size=value, verbose=0)


@pytest.mark.parametrize("value", BAD_COUNTS)
@pytest.mark.parametrize("argument", ["steps_per_epoch", "validation_batch_size", "validation_steps",
                                      "validation_freq"])
def test_fit_counts_must_be_positive_integers(argument, value):
    with pytest.raises(ValueError, match=rf"fit.*`{argument}` must be a positive integer.*{value!r}"):
        model().fit(X, Y, validation_split=0.2, verbose=0, **{argument: value})


@pytest.mark.parametrize("value", BAD_COUNTS)
@pytest.mark.parametrize("call", ["evaluate", "predict"])
def test_steps_must_be_a_positive_integer(call, value):
    args = (X,) if call == "predict" else (X, Y)
    with pytest.raises(ValueError, match=rf"{call}.*`steps` must be a positive integer.*{value!r}"):
        getattr(model(), call)(*args, steps=value, verbose=0)


@pytest.mark.parametrize("epochs,initial_epoch", [(1.5, 0), (-1, 0), (2, -1), (2, 0.5), ("2", 0)])
def test_epochs_must_be_integers(epochs, initial_epoch):
    with pytest.raises(ValueError, match="fit.*epoch"):
        model().fit(X, Y, epochs=epochs, initial_epoch=initial_epoch, verbose=0)


def test_good_values_still_work():
    m = model()
    history = m.fit(X, Y, batch_size=np.int64(4), epochs=2, steps_per_epoch=2, validation_split=0.2,
                    validation_batch_size=1, validation_steps=1, verbose=0)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 2
    assert m.predict(X, batch_size=3, steps=2, verbose=0).shape == (6, 1)
    assert np.isfinite(m.evaluate(X, Y, batch_size=None, steps=None, verbose=0))
    assert m.fit(X, Y, epochs=0, verbose=0).history == {}  # zero epochs: nothing to do, as in Keras


def test_validation_freq_as_a_list_of_epochs():
    history = model().fit(X, Y, epochs=3, validation_split=0.2, validation_freq=[1, 3], verbose=0)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 2
