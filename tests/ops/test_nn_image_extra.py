"""keras.ops.nn additions (ops/_activations_extra.py) and keras.ops.image (ops/_image_ops.py):
values against real Keras 3's ops on the same random inputs, gradients against finite
differences."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from keras_ref import long_only, real_keras
from op_check import check_op


def _keras_op(name, *args, **kwargs):
    keras = real_keras()
    fn = getattr(keras.ops, name)
    return lambda *arrays: np.asarray(fn(*arrays, *args, **kwargs)).astype(arrays[0].dtype)


ACTIVATIONS = {
    "celu": {"alpha": 0.7}, "glu": {}, "hard_shrink": {"threshold": 0.3}, "soft_shrink": {"threshold": 0.3},
    "tanh_shrink": {}, "hard_tanh": {}, "log_sigmoid": {}, "sparse_plus": {}, "sparse_sigmoid": {},
    "squareplus": {"b": 3}, "threshold": {"threshold": 0.2, "default_value": -1.0},
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_keras(rng, name):
    kwargs = ACTIVATIONS[name]
    # Keep points away from the kinks (|x| = threshold, +-1) so finite differences are clean.
    x = rng.choice([-1, 1], (3, 4)) * rng.uniform(0.35, 0.95, (3, 4)) + rng.choice([0.0, 1.5, -1.5], (3, 4))
    check_op(lambda t: getattr(ops.nn, name)(t, **kwargs), _keras_op(name, **kwargs), x, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("order,axis", [(2, -1), (1, 0), (3, -1)])
def test_normalize_matches_keras(rng, order, axis):
    x = rng.standard_normal((3, 4))
    check_op(lambda t: ops.normalize(t, axis, order), _keras_op("normalize", axis=axis, order=order), x)


def test_rms_normalization_psnr_multi_hot_match_keras(rng):
    keras = real_keras()
    x = rng.standard_normal((3, 4))
    scale = rng.standard_normal(4)
    check_op(lambda t, s: ops.rms_normalization(t, s), lambda a, s: np.asarray(keras.ops.rms_normalization(a, s)).astype(a.dtype),
             x, scale, noncontiguous=False)
    y = rng.standard_normal((3, 4))
    np.testing.assert_allclose(ops.psnr(x, y, 2.0), keras.ops.psnr(x.astype("float32"), y.astype("float32"), 2.0), rtol=1e-5)
    ids = np.array([[0, 2, 2], [1, 3, 0]])
    np.testing.assert_array_equal(ops.multi_hot(ids, 5), keras.ops.multi_hot(ids, 5))
    np.testing.assert_array_equal(ops.multi_hot(np.array([1, 3]), 4), keras.ops.multi_hot(np.array([1, 3]), 4))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depth_space_roundtrip_matches_keras(rng, data_format):
    keras = real_keras()
    x = rng.standard_normal((2, 4, 6, 8) if data_format == "channels_last" else (2, 8, 4, 6)).astype("float32")
    want = keras.ops.space_to_depth(x, 2, data_format)
    np.testing.assert_array_equal(ops.space_to_depth(x, 2, data_format), want)
    np.testing.assert_array_equal(ops.depth_to_space(np.asarray(want), 2, data_format), keras.ops.depth_to_space(want, 2, data_format))


@pytest.mark.parametrize("kwargs", [dict(top_padding=1, bottom_padding=2, left_padding=0, right_padding=3),
                                    dict(target_height=7, target_width=6, top_padding=2, left_padding=1)])
def test_pad_and_crop_images_match_keras(rng, kwargs):
    keras = real_keras()
    x = rng.standard_normal((2, 4, 5, 3))
    check_op(lambda t: ops.image.pad_images(t, **kwargs),
             lambda a: np.asarray(keras.ops.image.pad_images(a, **kwargs)).astype(a.dtype), x)
    crop = {k.replace("padding", "cropping"): v for k, v in kwargs.items()}
    if "target_height" in crop:
        crop.update(target_height=2, target_width=3)
    check_op(lambda t: ops.image.crop_images(t, **crop),
             lambda a: np.asarray(keras.ops.image.crop_images(a, **crop)).astype(a.dtype), x[0])
    with pytest.raises(ValueError, match="pad_images"):
        ops.image.pad_images(x[0, 0], 1, 1, 1, 1)


@pytest.mark.parametrize("data_format", ["channels_last", long_only("channels_first")])
def test_color_conversions_match_keras(rng, data_format):
    keras = real_keras()
    shape = (2, 3, 4, 3) if data_format == "channels_last" else (2, 3, 3, 4)
    x = rng.uniform(0, 1, shape)
    for name in ("rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"):
        fn = getattr(ops.image, name)
        check_op(lambda t: fn(t, data_format), lambda a: np.asarray(getattr(keras.ops.image, name)(a, data_format)).astype(a.dtype),
                 x, grad=name != "rgb_to_hsv", rtol=1e-5)


@pytest.mark.parametrize("size,strides,padding,dilation", [(2, None, "valid", 1), long_only((2, 3), (1, 2), "same", 1),
                                                           (2, 1, "valid", 2)])
def test_extract_patches_matches_keras(rng, size, strides, padding, dilation):
    keras = real_keras()
    x = rng.standard_normal((2, 5, 6, 2))
    check_op(lambda t: ops.image.extract_patches(t, size, strides, dilation, padding),
             lambda a: np.asarray(keras.ops.image.extract_patches(a, size, strides, dilation, padding)).astype(a.dtype), x,
             noncontiguous=False)
    np.testing.assert_allclose(ops.image.extract_patches(x[0], size, strides, dilation, padding),
                               keras.ops.image.extract_patches(x[0].astype("float32"), size, strides, dilation, padding),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", [long_only("channels_last"), "channels_first"])
def test_gaussian_blur_and_sobel_match_keras(rng, data_format):
    keras = real_keras()
    x = rng.standard_normal((2, 5, 6, 3) if data_format == "channels_last" else (2, 3, 5, 6))
    kw = {"kernel_size": (3, 5), "sigma": (0.8, 1.7), "data_format": data_format}
    check_op(lambda t: ops.image.gaussian_blur(t, **kw),
             lambda a: np.asarray(keras.ops.image.gaussian_blur(a, **kw)).astype(a.dtype), x, noncontiguous=False)
    check_op(lambda t: ops.image.sobel_edges(t, data_format),
             lambda a: np.asarray(keras.ops.image.sobel_edges(a, data_format)).astype(a.dtype), x, noncontiguous=False,
             rtol=1e-5, atol=1e-5)
