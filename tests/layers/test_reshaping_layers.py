"""Spatial reshaping layers (ZeroPadding, UpSampling, Cropping): the shared layer test,
forward values against numpy, gradients, symbolic shapes, errors."""

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from layer_check import run_layer_test

CASES = [
    (layers.ZeroPadding1D, {}, (2, 4, 3), (2, 6, 3)),
    (layers.ZeroPadding1D, {"padding": (2, 0), "data_format": "channels_first"}, (2, 3, 4), (2, 3, 6)),
    (layers.ZeroPadding2D, {}, (2, 3, 4, 2), (2, 5, 6, 2)),
    (layers.ZeroPadding2D, {"padding": ((1, 0), (2, 3))}, (2, 3, 4, 2), (2, 4, 9, 2)),
    (layers.ZeroPadding2D, {"padding": (1, 2), "data_format": "channels_first"}, (2, 2, 3, 4), (2, 2, 5, 8)),
    (layers.UpSampling1D, {}, (2, 3, 4), (2, 6, 4)),
    (layers.UpSampling1D, {"size": 3}, (2, 3, 4), (2, 9, 4)),
    (layers.UpSampling2D, {}, (2, 3, 4, 2), (2, 6, 8, 2)),
    (layers.UpSampling2D, {"size": (3, 1), "data_format": "channels_first"}, (2, 2, 3, 4), (2, 2, 9, 4)),
    (layers.UpSampling2D, {"size": (2, 3), "interpolation": "bilinear"}, (2, 3, 4, 2), (2, 6, 12, 2)),
    (layers.UpSampling2D, {"interpolation": "bilinear", "data_format": "channels_first"}, (2, 2, 3, 4), (2, 2, 6, 8)),
    (layers.Cropping1D, {}, (2, 5, 3), (2, 3, 3)),
    (layers.Cropping1D, {"cropping": (2, 0)}, (2, 5, 3), (2, 3, 3)),
    (layers.Cropping2D, {"cropping": 1}, (2, 5, 6, 2), (2, 3, 4, 2)),
    (layers.Cropping2D, {"cropping": ((1, 0), (0, 2))}, (2, 5, 6, 2), (2, 4, 4, 2)),
    (layers.Cropping2D, {"cropping": (1, 2), "data_format": "channels_first"}, (2, 2, 5, 6), (2, 2, 3, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", CASES)
def test_reshaping_layers(cls, kwargs, shape, expected):
    run_layer_test(cls, kwargs, shape, expected_output_shape=expected, expected_num_trainable_weights=0)


# ---------------------------------------------------------------------------------------------
# values


def test_zero_padding_values(rng):
    x = rng.standard_normal((2, 3, 4, 2)).astype("float32")
    y = np.asarray(layers.ZeroPadding2D(((1, 0), (2, 3)))(x))
    np.testing.assert_array_equal(y, np.pad(x, [(0, 0), (1, 0), (2, 3), (0, 0)]))
    s = x[:, 0]
    y1 = np.asarray(layers.ZeroPadding1D((0, 2), data_format="channels_first")(s))
    np.testing.assert_array_equal(y1, np.pad(s, [(0, 0), (0, 0), (0, 2)]))


def test_up_sampling_nearest_values(rng):
    x = rng.standard_normal((2, 3, 4, 2)).astype("float32")
    y = np.asarray(layers.UpSampling2D((2, 3))(x))
    np.testing.assert_array_equal(y, x.repeat(2, axis=1).repeat(3, axis=2))
    xf = np.moveaxis(x, -1, 1)
    yf = np.asarray(layers.UpSampling2D(2, data_format="channels_first")(xf))
    np.testing.assert_array_equal(yf, xf.repeat(2, axis=2).repeat(2, axis=3))
    s = x[:, 0]
    np.testing.assert_array_equal(np.asarray(layers.UpSampling1D(3)(s)), s.repeat(3, axis=1))


def bilinear_ref(x, fh, fw):
    """Half-pixel-center bilinear resize of channels_last images by integer factors (as
    tf.image.resize / keras.ops.image.resize with interpolation="bilinear")."""
    n, h, w, c = x.shape
    out = np.zeros((n, h * fh, w * fw, c))
    for i in range(h * fh):
        sy = min(max((i + 0.5) / fh - 0.5, 0), h - 1)
        y0 = int(np.floor(sy))
        y1, ty = min(y0 + 1, h - 1), sy - y0
        for j in range(w * fw):
            sx = min(max((j + 0.5) / fw - 0.5, 0), w - 1)
            x0 = int(np.floor(sx))
            x1, tx = min(x0 + 1, w - 1), sx - x0
            top = x[:, y0, x0] * (1 - tx) + x[:, y0, x1] * tx
            bottom = x[:, y1, x0] * (1 - tx) + x[:, y1, x1] * tx
            out[:, i, j] = top * (1 - ty) + bottom * ty
    return out


def test_up_sampling_bilinear_values(rng):
    x = rng.standard_normal((2, 3, 4, 2)).astype("float32")
    y = np.asarray(layers.UpSampling2D((2, 3), interpolation="bilinear")(x))
    np.testing.assert_allclose(y, bilinear_ref(x.astype("float64"), 2, 3), rtol=1e-5, atol=1e-6)
    xf = np.moveaxis(x, -1, 1)
    yf = np.asarray(layers.UpSampling2D(2, data_format="channels_first", interpolation="bilinear")(xf))
    np.testing.assert_allclose(yf, np.moveaxis(bilinear_ref(x.astype("float64"), 2, 2), -1, 1), rtol=1e-5, atol=1e-6)


def test_up_sampling_bilinear_known_row():
    # [0, 1] doubled with half-pixel centers: [0, 0.25, 0.75, 1]
    x = np.array([0.0, 1.0], "float32").reshape(1, 1, 2, 1)
    y = np.asarray(layers.UpSampling2D((1, 2), interpolation="bilinear")(x)).ravel()
    np.testing.assert_allclose(y, [0, 0.25, 0.75, 1], atol=1e-7)
    # integer images interpolate in float32
    yi = layers.UpSampling2D((1, 2), interpolation="bilinear")(np.array([0, 4], "int32").reshape(1, 1, 2, 1))
    assert yi.dtype == "float32"
    np.testing.assert_allclose(np.asarray(yi).ravel(), [0, 1, 3, 4])


def test_cropping_values(rng):
    x = rng.standard_normal((2, 5, 6, 2)).astype("float32")
    np.testing.assert_array_equal(np.asarray(layers.Cropping2D(((1, 0), (0, 2)))(x)), x[:, 1:, :4])
    xf = np.moveaxis(x, -1, 1)
    np.testing.assert_array_equal(np.asarray(layers.Cropping2D((1, 2), data_format="channels_first")(xf)),
                                  xf[:, :, 1:4, 2:4])
    s = x[:, :, 0]
    np.testing.assert_array_equal(np.asarray(layers.Cropping1D((2, 1))(s)), s[:, 2:4])


def test_gradients_flow_through(rng):
    x = lm.tensor(rng.standard_normal((1, 3, 4, 1)).astype("float32"))
    for layer, want in ((layers.ZeroPadding2D(1), np.ones((1, 3, 4, 1))),
                        (layers.UpSampling2D(2), np.full((1, 3, 4, 1), 4.0)),
                        (layers.Cropping2D(((1, 0), (1, 1))), np.pad(np.ones((1, 2, 2, 1)), [(0, 0), (1, 0), (1, 1), (0, 0)]))):
        with lm.GradientTape() as tape:
            tape.watch(x)
            y = lm.ops.sum(layer(x))
        np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), want)
    # bilinear weights sum to one per output cell, so each input gets its share of size[0] * size[1]
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = lm.ops.sum(layers.UpSampling2D(2, interpolation="bilinear")(x))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)).sum(), 3 * 4 * 4, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# config, shapes, errors


def test_configs():
    assert layers.ZeroPadding1D().get_config()["padding"] == (1, 1)
    assert layers.ZeroPadding2D().get_config()["padding"] == ((1, 1), (1, 1))
    assert layers.ZeroPadding2D(2).get_config()["padding"] == ((2, 2), (2, 2))
    assert layers.UpSampling1D().get_config()["size"] == 2
    cfg = layers.UpSampling2D().get_config()
    assert cfg["size"] == (2, 2) and cfg["interpolation"] == "nearest" and cfg["data_format"] == "channels_last"
    assert layers.Cropping1D().get_config()["cropping"] == (1, 1)
    assert layers.Cropping2D().get_config()["cropping"] == ((0, 0), (0, 0))
    assert "data_format" not in layers.Cropping1D().get_config()
    assert "data_format" not in layers.UpSampling1D().get_config()


def test_symbolic_shapes_with_unknown_sizes():
    assert layers.ZeroPadding2D(1).compute_output_shape((None, None, 4, 3)) == (None, None, 6, 3)
    assert layers.UpSampling2D(2).compute_output_shape((None, 3, None, 3)) == (None, 6, None, 3)
    assert layers.Cropping1D(1).compute_output_shape((None, None, 3)) == (None, None, 3)
    out = layers.Cropping2D(1)(lm.Input((None, 6, 2)))
    assert tuple(out.shape) == (None, None, 4, 2)


def test_errors():
    with pytest.raises(ValueError, match=r'layer "pad_a".*expected ndim=4, found ndim=3'):
        layers.ZeroPadding2D(name="pad_a")(np.zeros((1, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=3"):
        layers.UpSampling1D()(lm.Input((4, 4, 2)))
    with pytest.raises(ValueError, match=r"cropping.*smaller than.*\(1, 3, 5, 2\)"):
        layers.Cropping2D(((2, 1), (0, 0)))(np.zeros((1, 3, 5, 2), "float32"))
    with pytest.raises(ValueError, match=r"cropping.*smaller than"):
        layers.Cropping1D((2, 2))(lm.Input((4, 3)))
    with pytest.raises(ValueError, match=r"padding"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"padding.*>= 0"):
        layers.ZeroPadding1D((-1, 0))
    with pytest.raises(ValueError, match=r"interpolation"):
        layers.UpSampling2D(interpolation="lanczos3")
    with pytest.raises(TypeError, match=r"integer"):
        layers.UpSampling1D(size=(2,))
    with pytest.raises(ValueError, match=r"size"):
        layers.UpSampling1D(size=0)
