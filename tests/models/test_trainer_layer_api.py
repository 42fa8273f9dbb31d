"""Keras 3's public Trainer and Layer methods and properties, each behaving as Keras documents
it (keras/src/trainers/trainer.py, keras/src/layers/layer.py, optimizers/base_optimizer.py)."""

import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def _model():
    inp = keras.Input((3,))
    return keras.Model(inp, layers.Dense(1, name="out")(layers.Dense(4, name="hidden")(inp)))


def test_optimizer_apply_without_variables_uses_the_built_ones():
    model = _model()
    opt = keras.optimizers.SGD(learning_rate=0.5)
    weights = model.trainable_variables
    opt.build(weights)
    before = [np.array(w) for w in weights]
    opt.apply([keras.convert_to_tensor(np.ones(w.shape, "float32")) for w in weights])
    for b, w in zip(before, weights):
        np.testing.assert_allclose(np.array(w), b - 0.5, rtol=1e-6)
    opt.apply([])  # no gradients: a no-op, as in Keras
    with pytest.raises(ValueError, match="must already be built"):
        keras.optimizers.SGD().apply([keras.convert_to_tensor(np.ones((1,), "float32"))])


def test_stateless_call_uses_given_values_and_leaves_variables():
    model = _model()
    x = np.ones((2, 3), "float32")
    zeros = [np.zeros(w.shape, "float32") for w in model.trainable_variables]
    out, non_trainable = model.stateless_call(zeros, [], x)
    np.testing.assert_allclose(np.array(out), 0.0)
    assert non_trainable == []
    assert np.abs(model.predict(x, verbose=0)).sum() > 0  # own weights untouched
    with pytest.raises(ValueError, match="trainable_variables"):
        model.stateless_call(zeros[:1], [], x)


def test_stateless_call_returns_updated_non_trainable_state():
    bn = layers.BatchNormalization(momentum=0.5)
    x = np.arange(8, dtype="float32").reshape(4, 2)
    bn(x)
    moving_mean = np.array(bn.moving_mean)
    tv = [np.array(v) for v in bn.trainable_variables]
    ntv = [np.array(v) for v in bn.non_trainable_variables]
    _, new_ntv = bn.stateless_call(tv, ntv, x, training=True)
    np.testing.assert_allclose(np.array(new_ntv[0]), 0.5 * ntv[0] + 0.5 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(np.array(bn.moving_mean), moving_mean)


def test_get_layer_count_params_and_trainable_weights_order():
    model = _model()
    assert model.get_layer(index=1).name == "hidden" and model.get_layer(index=-1).name == "out"
    with pytest.raises(ValueError, match="only has 3 layers"):
        model.get_layer(index=3)
    with pytest.raises(ValueError, match="Provide only"):
        model.get_layer(name="out", index=1)
    assert model.count_params() == 3 * 4 + 4 + 4 + 1
    assert [w.path for w in model.trainable_weights] == ["hidden/kernel", "hidden/bias", "out/kernel", "out/bias"]
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_metrics_names_and_reset_metrics():
    model = _model()
    assert model.metrics == []
    model.compile("sgd", "mse", metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    model.fit(x, y, verbose=0)
    assert model.metrics_names == ["loss", "mae"]
    assert model.get_metrics_result()["loss"] > 0
    model.reset_metrics()
    assert all(float(np.asarray(m.result())) == 0.0 for m in model.metrics)


def test_compiled_loss_and_metrics_shims_warn_and_work():
    model = _model()
    model.compile("sgd", "mse", metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    y = keras.convert_to_tensor(np.zeros((2, 1), "float32"))
    y_pred = keras.convert_to_tensor(np.full((2, 1), 2.0, "float32"))
    with pytest.warns(UserWarning, match="deprecated"):
        loss = model.compiled_loss(y, y_pred, regularization_losses=model.losses)
    assert float(np.asarray(loss)) == pytest.approx(4.0)
    model.evaluate(np.ones((2, 3), "float32"), np.zeros((2, 1), "float32"), verbose=0)  # builds the metrics
    model.reset_metrics()
    with pytest.warns(UserWarning, match="deprecated"):
        model.compiled_metrics.update_state(y, y_pred)
    assert model.get_metrics_result()["mae"] == pytest.approx(2.0)


def test_compile_config_round_trip_and_compile_attributes():
    model = _model()
    assert model.get_compile_config() is None
    model.compile(keras.optimizers.Adam(0.01), "mse", run_eagerly=True)
    assert model.loss == "mse" and model.run_eagerly is True
    config = model.get_compile_config()
    other = _model()
    other.compile_from_config(config)
    assert type(other.optimizer).__name__ == "Adam" and other.optimizer.learning_rate == pytest.approx(0.01)


def test_add_variable_and_build_from_config():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_variable((input_shape[-1],), "ones", name="scale")

        def call(self, x):
            return x * self.scale

    layer = Scale()
    layer.build_from_config({"input_shape": (None, 3)})
    assert layer.built and [tuple(w.shape) for w in layer.weights] == [(3,)]
    assert layer.path == layer.name and layer.input_dtype == "float32"
