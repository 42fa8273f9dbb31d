"""Pooling layers: the shared layer test over pool sizes, strides, padding and channels_first;
forward values against a direct numpy reference; masking; symbolic shapes; errors."""

import itertools

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from layer_check import run_layer_test


def pool_ref(x, pool, strides=None, padding="valid", mode="max"):
    """Window max / mean over channels_last inputs; with "same", padded cells are ignored."""
    sp = x.ndim - 2
    pool = tuple(pool) if isinstance(pool, (tuple, list)) else (pool,) * sp
    strides = pool if strides is None else (tuple(strides) if isinstance(strides, (tuple, list)) else (strides,) * sp)
    geo = []
    for i in range(sp):
        n = x.shape[1 + i]
        if padding == "valid":
            out, before = (n - pool[i]) // strides[i] + 1, 0
        else:
            out = -(-n // strides[i])
            before = max((out - 1) * strides[i] + pool[i] - n, 0) // 2
        geo.append((out, before))
    y = np.zeros((x.shape[0], *[g[0] for g in geo], x.shape[-1]))
    for opos in itertools.product(*[range(g[0]) for g in geo]):
        cells = []
        for i in range(sp):
            start = opos[i] * strides[i] - geo[i][1]
            cells.append(slice(max(start, 0), min(start + pool[i], x.shape[1 + i])))
        win = x[(slice(None), *cells)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None), *opos)] = win.max(axis=1) if mode == "max" else win.mean(axis=1)
    return y


POOL2D_CASES = [
    ({}, (2, 6, 7, 3), (2, 3, 3, 3)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 6, 2), (2, 4, 3, 2)),
    ({"pool_size": (2, 3), "strides": 1}, (2, 5, 5, 2), (2, 4, 3, 2)),
    ({"pool_size": 2, "data_format": "channels_first"}, (2, 3, 6, 5), (2, 3, 3, 2)),
]


@pytest.mark.parametrize("kwargs,shape,expected", POOL2D_CASES)
def test_max_pooling2d_layer(kwargs, shape, expected):
    run_layer_test(layers.MaxPooling2D, kwargs, shape, expected_output_shape=expected, expected_num_trainable_weights=0)


@pytest.mark.parametrize("kwargs,shape,expected", POOL2D_CASES)
def test_average_pooling2d_layer(kwargs, shape, expected):
    kwargs = {"pool_size": (2, 2), **kwargs}
    run_layer_test(layers.AveragePooling2D, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=0)


POOL1D_CASES = [
    ({}, (2, 7, 3), (2, 3, 3)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 8, 2), (2, 4, 2)),
    ({"pool_size": 2, "strides": 1, "data_format": "channels_first"}, (2, 3, 6), (2, 3, 5)),
]


@pytest.mark.parametrize("kwargs,shape,expected", POOL1D_CASES)
def test_max_pooling1d_layer(kwargs, shape, expected):
    run_layer_test(layers.MaxPooling1D, kwargs, shape, expected_output_shape=expected)


@pytest.mark.parametrize("kwargs,shape,expected", POOL1D_CASES)
def test_average_pooling1d_layer(kwargs, shape, expected):
    run_layer_test(layers.AveragePooling1D, {"pool_size": 2, **kwargs}, shape, expected_output_shape=expected)


GLOBAL_CASES = [
    (layers.GlobalAveragePooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (layers.GlobalAveragePooling2D, {"keepdims": True}, (2, 4, 5, 3), (2, 1, 1, 3)),
    (layers.GlobalAveragePooling2D, {"data_format": "channels_first", "keepdims": True}, (2, 3, 4, 5), (2, 3, 1, 1)),
    (layers.GlobalMaxPooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (layers.GlobalMaxPooling2D, {"data_format": "channels_first"}, (2, 3, 4, 5), (2, 3)),
    (layers.GlobalAveragePooling1D, {}, (2, 6, 3), (2, 3)),
    (layers.GlobalAveragePooling1D, {"data_format": "channels_first", "keepdims": True}, (2, 3, 6), (2, 3, 1)),
    (layers.GlobalMaxPooling1D, {"keepdims": True}, (2, 6, 3), (2, 1, 3)),
    (layers.GlobalMaxPooling1D, {"data_format": "channels_first"}, (2, 3, 6), (2, 3)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", GLOBAL_CASES)
def test_global_pooling_layers(cls, kwargs, shape, expected):
    run_layer_test(cls, kwargs, shape, expected_output_shape=expected, expected_num_trainable_weights=0)


# ---------------------------------------------------------------------------------------------
# values


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling2d_values(rng, padding):
    x = rng.standard_normal((2, 7, 6, 3)).astype("float32")
    for cls, mode in ((layers.MaxPooling2D, "max"), (layers.AveragePooling2D, "average")):
        y = np.asarray(cls((3, 2), strides=2, padding=padding)(x))
        np.testing.assert_allclose(y, pool_ref(x, (3, 2), 2, padding, mode), rtol=1e-5, atol=1e-6)


def test_pooling1d_values_channels_first(rng):
    x = rng.standard_normal((2, 3, 9)).astype("float32")
    for cls, mode in ((layers.MaxPooling1D, "max"), (layers.AveragePooling1D, "average")):
        y = np.asarray(cls(3, strides=2, padding="same", data_format="channels_first")(x))
        want = np.moveaxis(pool_ref(np.moveaxis(x, 1, -1), 3, 2, "same", mode), -1, 1)
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)


def test_global_pooling_values(rng):
    x = rng.standard_normal((2, 4, 5, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(layers.GlobalAveragePooling2D()(x)), x.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(layers.GlobalMaxPooling2D(keepdims=True)(x)), x.max(axis=(1, 2), keepdims=True))
    xf = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(np.asarray(layers.GlobalMaxPooling2D(data_format="channels_first")(xf)), x.max(axis=(1, 2)))
    s = x[:, 0]
    np.testing.assert_allclose(np.asarray(layers.GlobalAveragePooling1D()(s)), s.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(layers.GlobalMaxPooling1D(data_format="channels_first")(s)), s.max(axis=2))


def test_global_average_pooling1d_with_mask(rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], dtype=bool)
    y = np.asarray(layers.GlobalAveragePooling1D()(x, mask=lm.tensor(mask)))
    want = np.stack([x[i][mask[i]].mean(axis=0) for i in range(2)])
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)


def test_max_pooling_gradient_goes_to_the_maximum():
    x = lm.tensor(np.array([[[1.0], [3.0], [2.0], [0.0]]], "float32"))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = lm.ops.sum(layers.MaxPooling1D(2)(x))
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x)).ravel(), [0, 1, 1, 0])


# ---------------------------------------------------------------------------------------------
# config, shapes, errors


def test_pooling_config_and_defaults():
    cfg = layers.MaxPooling2D().get_config()
    assert cfg["pool_size"] == (2, 2) and cfg["strides"] == (2, 2) and cfg["padding"] == "valid"
    assert cfg["data_format"] == "channels_last"
    assert set(cfg) == {"name", "trainable", "dtype", "pool_size", "strides", "padding", "data_format"}
    assert layers.MaxPooling1D().get_config()["pool_size"] == (2,)
    assert layers.AveragePooling2D(3, strides=1).get_config()["strides"] == (1, 1)
    assert set(layers.GlobalMaxPooling2D().get_config()) == {"name", "trainable", "dtype", "data_format", "keepdims"}
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D


def test_pooling_symbolic_shapes():
    assert layers.MaxPooling2D(3, strides=2, padding="same").compute_output_shape((None, None, 9, 4)) == (None, None, 5, 4)
    assert layers.AveragePooling1D(2, data_format="channels_first").compute_output_shape((None, 3, 9)) == (None, 3, 4)
    assert layers.GlobalAveragePooling2D(keepdims=True).compute_output_shape((None, None, None, 5)) == (None, 1, 1, 5)
    out = layers.MaxPooling2D()(lm.Input((None, 8, 2)))
    assert tuple(out.shape) == (None, None, 4, 2)


def test_pooling_errors():
    with pytest.raises(ValueError, match=r'layer "pool_a".*expected ndim=4, found ndim=3'):
        layers.MaxPooling2D(name="pool_a")(np.zeros((1, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=3"):
        layers.AveragePooling1D(2)(lm.Input((4, 4, 2)))
    with pytest.raises(ValueError, match=r"negative or zero.*\(1, 2, 8, 1\)"):
        layers.MaxPooling2D(3)(np.zeros((1, 2, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"pool_size"):
        layers.MaxPooling2D((2, 0))
    with pytest.raises(ValueError, match=r"padding"):
        layers.AveragePooling2D(2, padding="causal")
    with pytest.raises(ValueError, match=r"expected ndim=4"):
        layers.GlobalMaxPooling2D()(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=3"):
        layers.GlobalAveragePooling1D()(lm.Input((3, 4, 5)))
