"""Regularization layers: the shared layer test, identity at inference, the noise statistics and
channel-wise dropping in training, activity penalties, configs and errors."""

import math

import numpy as np
import pytest

import lamina as lm
from lamina import layers, ops
from layer_check import run_layer_test


@pytest.mark.parametrize("cls,kwargs,shape", [
    (layers.GaussianNoise, {"stddev": 0.1, "seed": 1}, (4, 3)),
    (layers.GaussianNoise, {"stddev": 0.0}, (4, 3)),
    (layers.GaussianDropout, {"rate": 0.2, "seed": 1}, (4, 3)),
    (layers.AlphaDropout, {"rate": 0.2, "seed": 1}, (4, 3)),
    (layers.AlphaDropout, {"rate": 0.2, "noise_shape": (None, 1), "seed": 1}, (4, 3)),
    (layers.SpatialDropout1D, {"rate": 0.2, "seed": 1}, (4, 3, 2)),
    (layers.SpatialDropout2D, {"rate": 0.2, "seed": 1}, (2, 3, 2, 2)),
    (layers.SpatialDropout2D, {"rate": 0.2, "data_format": "channels_first"}, (2, 3, 2, 2)),
    (layers.SpatialDropout3D, {"rate": 0.2}, (2, 2, 2, 2, 3)),
    (layers.ActivityRegularization, {"l1": 0.01, "l2": 0.02}, (4, 3)),
])
def test_regularization_layer_test(cls, kwargs, shape):
    y = run_layer_test(cls, kwargs, shape, expected_output_shape=shape, expected_num_trainable_weights=0)
    assert y.shape == shape


@pytest.mark.parametrize("layer", [
    lambda: layers.GaussianNoise(0.5), lambda: layers.GaussianDropout(0.5), lambda: layers.AlphaDropout(0.5),
    lambda: layers.SpatialDropout1D(0.5), lambda: layers.ActivityRegularization(l1=0.1),
])
def test_identity_at_inference(layer, rng):
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    lay = layer()
    np.testing.assert_array_equal(np.asarray(lay(x)), x)
    np.testing.assert_array_equal(np.asarray(lay(x, training=False)), x)


def test_gaussian_noise_statistics_and_seed(rng):
    x = rng.normal(size=(400, 250)).astype("float32")
    layer = layers.GaussianNoise(0.3, seed=7)
    noise = np.asarray(layer(x, training=True)) - x
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.3) < 0.005
    # A new draw on each call; the same sequence for the same seed.
    again = np.asarray(layer(x, training=True)) - x
    assert not np.allclose(noise, again)
    twin = layers.GaussianNoise(0.3, seed=7)
    np.testing.assert_allclose(np.asarray(twin(x, training=True)) - x, noise, atol=1e-6)
    # Training inside fit: the noise is active (outputs differ from the inputs).
    assert layers.GaussianNoise(0.3).get_config()["stddev"] == 0.3


def test_gaussian_noise_gradient_is_identity(rng):
    t = lm.tensor(rng.normal(size=(3, 4)))
    with lm.GradientTape() as tape:
        tape.watch(t)
        loss = ops.sum(layers.GaussianNoise(0.5, dtype="float64")(t, training=True))
    np.testing.assert_array_equal(np.asarray(tape.gradient(loss, t)), np.ones((3, 4)))


def test_gaussian_dropout_statistics(rng):
    x = np.full((500, 400), 2.0, "float32")
    rate = 0.3
    y = np.asarray(layers.GaussianDropout(rate, seed=3)(x, training=True)) / 2.0
    assert abs(y.mean() - 1.0) < 0.005
    assert abs(y.std() - math.sqrt(rate / (1 - rate))) < 0.005
    # The gradient is the noise itself.
    layer = layers.GaussianDropout(rate, seed=3, dtype="float64")
    t = lm.tensor(np.ones((4, 5)))
    with lm.GradientTape() as tape:
        tape.watch(t)
        out = layer(t, training=True)
        loss = ops.sum(out)
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, t)), np.asarray(out), rtol=1e-12)


def test_alpha_dropout_keeps_mean_and_variance(rng):
    x = rng.normal(size=(600, 500)).astype("float32")
    y = np.asarray(layers.AlphaDropout(0.2, seed=5)(x, training=True))
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.02
    # Dropped units all take the same value a * alpha' + b.
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.2
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-6)
    assert 0.18 < dropped.mean() < 0.22
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,shape,data_format,channel_axis", [
    (layers.SpatialDropout1D, (40, 6, 30), None, 2),
    (layers.SpatialDropout2D, (40, 3, 4, 30), "channels_last", 3),
    (layers.SpatialDropout2D, (40, 30, 3, 4), "channels_first", 1),
    (layers.SpatialDropout3D, (20, 2, 3, 2, 30), "channels_last", 4),
    (layers.SpatialDropout3D, (20, 30, 2, 3, 2), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format, channel_axis):
    rate = 0.4
    kwargs = {"seed": 2} if data_format is None else {"seed": 2, "data_format": data_format}
    x = np.ones(shape, "float32")
    y = np.asarray(cls(rate, **kwargs)(x, training=True))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / (1 - rate))}
    # Every (sample, channel) feature map is all dropped or all kept.
    maps = np.moveaxis(y, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
    assert np.all((maps == maps[..., :1]).all(-1))
    frac = (maps[..., 0] == 0).mean()
    assert 0.3 < frac < 0.5


def test_spatial_dropout_rank_errors_and_config():
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        layers.SpatialDropout1D(0.5)(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3"):
        layers.SpatialDropout2D(0.5)(np.ones((2, 3, 4), "float32"), training=True)
    with pytest.raises(ValueError, match=r"expected ndim=5"):
        layers.SpatialDropout3D(0.5)(np.ones((2, 3, 4, 5), "float32"))
    # Keras writes exactly these keys for the spatial dropouts.
    assert set(layers.SpatialDropout1D(0.5, seed=3).get_config()) == {"rate", "seed", "name", "dtype"}
    cfg = layers.SpatialDropout2D(0.5, data_format="channels_first").get_config()
    assert set(cfg) == {"rate", "seed", "name", "dtype", "data_format"} and cfg["data_format"] == "channels_first"
    assert layers.SpatialDropout2D(0.5).data_format == "channels_last"
    with pytest.raises(ValueError, match="data_format"):
        layers.SpatialDropout2D(0.5, data_format="nhwc")


def test_activity_regularization_adds_the_penalty(rng):
    x = rng.normal(size=(4, 3)).astype("float32")
    layer = layers.ActivityRegularization(l1=0.1, l2=0.5)
    y = layer(x)
    np.testing.assert_array_equal(np.asarray(y), x)
    (loss,) = layer.losses
    want = (0.1 * np.abs(x).sum() + 0.5 * (x ** 2).sum()) / 4  # divided by the batch size, as Keras 3
    np.testing.assert_allclose(float(loss), want, rtol=1e-5)
    assert layer.get_config()["l1"] == 0.1 and "activity_regularizer" not in layer.get_config()


def test_activity_regularization_joins_the_training_loss(rng):
    x = rng.normal(size=(8, 3)).astype("float32")
    y = np.zeros((8, 1), "float32")
    inp = lm.Input((3,))
    dense = layers.Dense(1, kernel_initializer="ones", use_bias=False)
    model = lm.Model(inp, dense(layers.ActivityRegularization(l2=2.0)(inp)))
    model.compile(optimizer=lm.optimizers.SGD(0.0), loss="mse")
    got = model.train_on_batch(x, y)
    want = np.mean(x.sum(1) ** 2) + 2.0 * (x ** 2).sum() / 8
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_argument_errors():
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"`stddev`. Expected a float value between 0 and 1"):
            layers.GaussianNoise(bad)
        for cls in (layers.GaussianDropout, layers.AlphaDropout, layers.SpatialDropout1D):
            with pytest.raises(ValueError, match=r"`rate`. Expected a float value between 0 and 1"):
                cls(bad)
    with pytest.raises(ValueError, match=r"l1: expected a non-negative float"):
        layers.ActivityRegularization(l1=-1.0)
    with pytest.raises(ValueError, match=r"noise_shape"):
        layers.AlphaDropout(0.5, noise_shape=(None,))(np.ones((2, 3), "float32"), training=True)


def test_config_keys_match_keras():
    base = {"name", "trainable", "dtype"}
    assert set(layers.GaussianNoise(0.1, seed=2).get_config()) == base | {"stddev", "seed"}
    assert set(layers.GaussianDropout(0.1).get_config()) == base | {"rate", "seed"}
    assert set(layers.AlphaDropout(0.1).get_config()) == base | {"rate", "seed", "noise_shape"}
    assert set(layers.ActivityRegularization().get_config()) == base | {"l1", "l2"}
