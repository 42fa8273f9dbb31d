"""ops.one_hot on float class ids: Keras takes labels stored as float32 (the keras-io
"training with built-in methods" guide one-hot encodes `y_train.astype("float32")`), on every
backend, as long as they hold whole numbers."""

import numpy as np
import pytest

import lamina as lm
from lamina import ops


@pytest.mark.parametrize("make", [np.asarray, lambda a: lm.ops.convert_to_tensor(a)], ids=["numpy", "tensor"])
def test_whole_number_float_ids_one_hot_like_their_integers(make):
    labels = np.array([[0.0, 2.0], [1.0, 5.0]], np.float32)
    got = np.asarray(ops.one_hot(make(labels), 3))
    want = np.asarray(ops.one_hot(labels.astype(np.int32), 3))
    np.testing.assert_array_equal(got, want)
    assert want[1, 1].sum() == 0 and want[0, 1, 2] == 1  # out-of-range id 5 gives a zero row
    np.testing.assert_array_equal(np.asarray(ops.one_hot(labels, 3, axis=0)), np.moveaxis(want, -1, 0))


def test_fractional_float_ids_are_refused_by_name():
    with pytest.raises(TypeError, match=r"one_hot.*whole numbers.*2\.5"):
        ops.one_hot(np.array([1.0, 2.5], np.float64), 4)
