"""Contracts that keras-io's own example programs rely on, found by running the originals
(adapted only in imports, data and sizes) against lamina."""

import numpy as np
import pytest

import lamina as keras


def test_layer_add_metric_raises_keras_not_implemented_error():
    # keras-io's endpoint_layer_pattern (written for tf.keras 2) calls self.add_metric(...) in a
    # layer's call; Keras 3 removed it and raises NotImplementedError pointing at the metric
    # trackers to use instead, so the same program must fail the same way, not on a missing attribute.
    layer = keras.layers.Dense(2)
    with pytest.raises(NotImplementedError, match=r"add_metric\(\).*update_state"):
        layer.add_metric(np.ones((2, 1), "float32"), name="accuracy")


@pytest.mark.xfail(strict=True, reason="needs lamina.Tensor.__format__ in the engine (bindings/src/tensor.rs)")
def test_scalar_tensor_takes_a_format_spec():
    # keras-io's custom training loop guide prints f"{d_loss:.2f}" with the loss tensor, as
    # jax/tf/torch scalars (and numpy's) allow.
    loss = keras.losses.MeanSquaredError()(np.zeros((2, 1), "float32"), np.full((2, 1), 0.5, "float32"))
    assert f"{loss:.2f}" == f"{np.float32(0.25):.2f}" == "0.25"


def test_input_layer_takes_deprecated_input_shape_with_a_warning():
    # keras-io's subclassing_conv_layers starts its Sequential with
    # keras.layers.InputLayer(input_shape=...); Keras 3 still takes it, warning that it is deprecated.
    with pytest.warns(UserWarning, match="input_shape.*deprecated"):
        layer = keras.layers.InputLayer(input_shape=(28, 28, 1))
    assert layer.batch_shape == (None, 28, 28, 1)
    with pytest.warns(UserWarning):
        model = keras.Sequential([keras.layers.InputLayer(input_shape=(4,)), keras.layers.Dense(2)])
    assert model.output_shape == (None, 2) and model.predict(np.ones((3, 4), "float32"), verbose=0).shape == (3, 2)


def _standardized(kernel):
    k = np.asarray(kernel)
    return (k - k.mean((0, 1, 2), keepdims=True)) / np.sqrt(k.var((0, 1, 2), keepdims=True) + 1e-10)


def test_conv_convolution_op_is_the_hook_call_goes_through():
    # keras-io's subclassing_conv_layers: weight-standardized convolutions, one overriding
    # convolution_op(inputs, kernel), one calling it from its own call().
    class WithOverride(keras.layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            mean, var = keras.ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
            return super().convolution_op(inputs, (kernel - mean) / keras.ops.sqrt(var + 1e-10))

    class WithCall(keras.layers.Conv2D):
        def call(self, inputs):
            mean, var = keras.ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
            result = self.convolution_op(inputs, (self.kernel - mean) / keras.ops.sqrt(var + 1e-10))
            return result + self.bias if self.use_bias else result

    x = np.random.default_rng(5).random((2, 7, 7, 3)).astype("float32")
    for cls in (WithOverride, WithCall):
        layer = cls(4, 3, bias_initializer="ones")
        got = np.asarray(layer(x))
        want = np.asarray(keras.ops.conv(x, _standardized(layer.kernel), padding="valid")) + 1.0
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    plain = keras.layers.Conv2D(4, 3, bias_initializer="ones")
    out = np.asarray(plain(x))
    np.testing.assert_allclose(np.asarray(plain.convolution_op(x, plain.kernel)) + 1.0, out, rtol=1e-6, atol=1e-6)


@pytest.mark.xfail(strict=True, reason="Metric.result() returns a Python float; Keras returns a scalar tensor")
def test_metric_result_is_a_tensor_with_numpy():
    # keras-io's sklearn_metric_callbacks logs `metric.result().numpy().astype(float)`.
    metric = keras.metrics.Mean("jaccard_score")
    metric.update_state(np.array([0.25, 0.75]))
    assert metric.result().numpy().astype(float) == 0.5
