"""The composed elementwise math ops (ops/_math.py): forward against numpy in float32 and
float64, gradients against finite differences."""

import math

import numpy as np
import pytest

import lamina as lm
from lamina import ops
from op_check import check_op

_erf = np.vectorize(math.erf)
_erfc = np.vectorize(math.erfc)

# name: (numpy reference, input maker) -- inputs inside each function's domain.
UNARY = {
    "tan": (np.tan, lambda r: r.uniform(-1.2, 1.2, (3, 4))),
    "sinh": (np.sinh, lambda r: r.standard_normal((3, 4))),
    "cosh": (np.cosh, lambda r: r.standard_normal((3, 4))),
    "arcsinh": (np.arcsinh, lambda r: r.standard_normal((3, 4)) * 3),
    "arccosh": (np.arccosh, lambda r: r.uniform(1.1, 4, (3, 4))),
    "arctanh": (np.arctanh, lambda r: r.uniform(-0.9, 0.9, (3, 4))),
    "arcsin": (np.arcsin, lambda r: r.uniform(-0.9, 0.9, (3, 4))),
    "arccos": (np.arccos, lambda r: r.uniform(-0.9, 0.9, (3, 4))),
    "arctan": (np.arctan, lambda r: r.standard_normal((3, 4)) * 3),
    "erf": (lambda a: _erf(a).astype(a.dtype), lambda r: r.standard_normal((3, 4))),
    "erfc": (lambda a: _erfc(a).astype(a.dtype), lambda r: r.standard_normal((3, 4))),
    "log2": (np.log2, lambda r: r.uniform(0.1, 5, (3, 4))),
    "log10": (np.log10, lambda r: r.uniform(0.1, 5, (3, 4))),
    "exp2": (np.exp2, lambda r: r.standard_normal((3, 4))),
    "cbrt": (np.cbrt, lambda r: r.uniform(0.2, 3, (3, 4)) * np.sign(r.standard_normal((3, 4)))),
    "sinc": (np.sinc, lambda r: r.standard_normal((3, 4))),
    "deg2rad": (np.deg2rad, lambda r: r.standard_normal((3, 4)) * 90),
    "rad2deg": (np.rad2deg, lambda r: r.standard_normal((3, 4))),
    "fabs": (np.fabs, lambda r: r.standard_normal((3, 4))),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(rng, name):
    ref, make = UNARY[name]
    check_op(getattr(ops, name), lambda a: ref(a).astype(a.dtype), make(rng), rtol=2e-6, atol=1e-6)


BINARY = {
    "hypot": np.hypot,
    "logaddexp": np.logaddexp,
    "logaddexp2": np.logaddexp2,
    "arctan2": np.arctan2,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(rng, name):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))
    check_op(getattr(ops, name), lambda x, y: BINARY[name](x, y).astype(x.dtype), a, b, noncontiguous=False)


def test_trunc_fmod_and_nan_helpers():
    x = np.array([-2.5, -0.5, 0.0, 0.7, 3.9], np.float32)
    np.testing.assert_array_equal(ops.trunc(x), np.trunc(x))
    np.testing.assert_array_equal(ops.trunc(np.array([3, -4])), [3, -4])
    np.testing.assert_allclose(ops.fmod(x, 0.75), np.fmod(x, np.float32(0.75)), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ops.fmod(np.array([7, -7]), np.array([3, 3])), np.fmod([7, -7], [3, 3]))
    y = np.array([np.nan, np.inf, -np.inf, 1.0], np.float32)
    np.testing.assert_array_equal(ops.nan_to_num(y), np.nan_to_num(y))
    np.testing.assert_array_equal(ops.nan_to_num(y, nan=2, posinf=5, neginf=-5), [2, 5, -5, 1])
    np.testing.assert_array_equal(ops.fmax(y, 0.5), np.fmax(y, np.float32(0.5)))
    np.testing.assert_array_equal(ops.fmin(y, 0.5), np.fmin(y, np.float32(0.5)))
    np.testing.assert_array_equal(ops.divide_no_nan(np.array([1.0, 2.0]), np.array([0.0, 4.0])), [0.0, 0.5])
    np.testing.assert_array_equal(ops.signbit(np.array([-0.0, 0.0, -1.0])), [True, False, True])
    np.testing.assert_array_equal(ops.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5), [0.0, 0.5, 1.0])


def test_integer_inputs_compute_in_float32():
    assert ops.log2(np.array([1, 8])).dtype == "float32"
    np.testing.assert_allclose(ops.log2(np.array([1, 8])), [0, 3])
    assert ops.tan(np.array([0])).dtype == "float32"


def test_numpy_valued_ops_keep_values_when_no_gradient_is_recorded():
    # arcsin's value comes from numpy; inside a tape it must still equal numpy's.
    x = lm.tensor(np.array([0.1, -0.4]))
    with lm.GradientTape() as tape:
        tape.watch(x)
        y = ops.arcsin(x)
        loss = ops.sum(y)
    np.testing.assert_array_equal(y, np.arcsin([0.1, -0.4]))
    np.testing.assert_allclose(tape.gradient(loss, x), 1 / np.sqrt(1 - np.array([0.1, -0.4]) ** 2))
