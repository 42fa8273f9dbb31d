"""lamina.ops.image.resize against real Keras 3's keras.ops.image.resize (jax backend)."""

import numpy as np
import pytest

import lamina
from keras_check import require_keras


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size,crop,pad", [((5, 7), False, False), ((12, 4), False, False), ((6, 6), True, False),
                                           ((6, 9), False, True)])
def test_resize_matches_keras(rng, interpolation, size, crop, pad):
    keras = require_keras()
    images = rng.standard_normal((2, 8, 10, 3)).astype("float32")
    want = np.asarray(keras.ops.image.resize(images, size, interpolation=interpolation, crop_to_aspect_ratio=crop,
                                             pad_to_aspect_ratio=pad))
    got = np.asarray(lamina.ops.image.resize(images, size, interpolation=interpolation, crop_to_aspect_ratio=crop,
                                             pad_to_aspect_ratio=pad))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_resize_refuses_what_it_cannot_do():
    images = np.zeros((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="antialias"):
        lamina.ops.image.resize(images, (2, 2), antialias=True)
    with pytest.raises(ValueError, match="interpolation"):
        lamina.ops.image.resize(images, (2, 2), interpolation="bicubic")
