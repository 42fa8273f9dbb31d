"""Sequential's lean path (layers whose `__call__` adds nothing to `call` on an unmasked
tensor are called through `call` directly): same results, and every layer that needs the
bookkeeping still gets it."""

import numpy as np

import lamina as lm
from lamina import layers
from lamina.layers.layer import _is_lean


def test_lean_layers_and_which_are_not():
    dense, drop = layers.Dense(3), layers.Dropout(0.5)
    model = lm.Sequential([lm.Input((4,)), dense, drop, layers.Activation("relu")])
    assert _is_lean(dense) and not _is_lean(drop)

    class Custom(layers.Dense):  # overrides call: not lean unless it says so
        def call(self, inputs):
            self.add_loss(lm.ops.sum(inputs) * 0.0 + 1.0)
            return super().call(inputs)

    custom = Custom(2)
    custom.build((None, 4))
    assert not _is_lean(custom)
    assert not _is_lean(layers.Dense(2, activity_regularizer="l2"))
    assert not _is_lean(layers.Dense(2))  # not built yet
    assert model.built


def test_same_outputs_as_layer_by_layer_and_losses_kept():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype("float32")

    class AddsLoss(layers.Dense):
        def call(self, inputs):
            self.add_loss(lm.ops.mean(lm.ops.square(inputs)))
            return super().call(inputs)

    model = lm.Sequential([lm.Input((4,)), layers.Dense(6, activation="relu"), AddsLoss(3), layers.Flatten()])
    out = np.asarray(model(x))
    h = x
    for layer in model.layers:
        h = layer(h)
    np.testing.assert_allclose(out, np.asarray(h), rtol=1e-6)
    model(x)
    assert len(model.losses) == 1  # the non-lean layer's add_loss still reached the model


def test_masked_inputs_take_the_full_path():
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    model = lm.Sequential([lm.Input((4,), dtype="int32"), layers.Embedding(5, 3, mask_zero=True),
                           layers.Activation("tanh"), layers.LSTM(2)])
    emb = model.layers[0](x)
    assert emb._keras_mask is not None
    masked = np.asarray(model(x))
    # The Activation passes the mask on to the LSTM: the result equals running on the
    # unpadded prefix of each sample.
    for i, n in enumerate([2, 1]):
        np.testing.assert_allclose(masked[i], np.asarray(model(x[i:i + 1, :n]))[0], rtol=1e-5, atol=1e-6)


def test_all_lean_model_and_one_that_stops_being_lean():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6)).astype("float32")
    model = lm.Sequential([lm.Input((6,)), layers.Dense(5, activation="relu"), layers.Reshape((5, 1)), layers.Flatten()])
    h = lm.tensor(x)
    for layer in model.layers:
        h = layer(h)
    for out in (model(x), model(lm.tensor(x)), model(x, training=True)):
        np.testing.assert_allclose(np.asarray(out), np.asarray(h), rtol=1e-6)
    model.add(layers.Dropout(0.5))  # no longer all lean: training reaches the Dropout
    assert np.array_equal(np.asarray(model(x, training=False)), np.asarray(h))
    assert not np.array_equal(np.asarray(model(x, training=True)), np.asarray(h))
