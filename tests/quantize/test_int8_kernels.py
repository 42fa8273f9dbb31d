"""The engine's int8 GEMM on every path this CPU has, exactly against numpy's integer product,
and its per-row activation quantization against Keras' abs-max scheme written in numpy."""

import numpy as np
import pytest

from lamina import _core
from lamina.quantizers import abs_max_quantize

AVAILABLE = _core._int8_isas()[0]
SHAPES = [(1, 1, 1), (5, 7, 3), (4, 64, 32), (9, 33, 49), (0, 8, 8), (32, 784, 256), (3, 130, 17)]


def _int8(rng, shape, extremes=True):
    a = rng.integers(-128, 128, size=shape, dtype=np.int8)
    if extremes and a.size:
        a.flat[::5] = -128
        a.flat[1::7] = 127
    return a


@pytest.fixture(params=AVAILABLE)
def isa(request, monkeypatch):
    monkeypatch.setenv("LAMINA_INT8_ISA", request.param)
    return request.param


def test_every_path_is_present_where_the_cpu_has_it():
    assert AVAILABLE[0] == "scalar"
    assert _core._int8_isas()[1] == AVAILABLE[-1]


@pytest.mark.parametrize("m,k,n", SHAPES)
def test_int8_matmul_is_exact(isa, m, k, n):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a, w = _int8(rng, (m, k)), _int8(rng, (k, n))
    dense = _core.Int8Dense(w, np.ones(n, np.float32))
    assert dense.isa == isa
    want = a.astype(np.int64) @ w.astype(np.int64)
    got = dense.matmul_i32(a)
    assert got.dtype == np.int32 and got.shape == (m, n)
    np.testing.assert_array_equal(got, want)


def test_all_saturated_values_are_exact(isa):
    # -128 * -128 summed over k: the case that saturates int16 pair sums (vpmaddubsw).
    a = np.full((3, 65), -128, np.int8)
    w = np.full((65, 19), -128, np.int8)
    np.testing.assert_array_equal(_core.Int8Dense(w, np.ones(19, np.float32)).matmul_i32(a), np.full((3, 19), 65 * 16384))


def test_quantize_rows_matches_keras_abs_max():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 300)) * rng.uniform(0.01, 100, (7, 1))).astype(np.float32)
    x[3] = 0.0  # an all-zero row: the epsilon keeps its scale finite
    q, s = _core._int8_quantize_rows(x)
    want_q, want_s = abs_max_quantize(x, axis=-1)
    np.testing.assert_array_equal(q, want_q)
    np.testing.assert_array_equal(s, want_s[:, 0])


@pytest.mark.parametrize("relu", [False, True])
def test_fused_dense_dequantizes_adds_bias_and_activates(isa, relu):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 37)).astype(np.float32)
    w_q = _int8(rng, (37, 21), extremes=False)
    scale = rng.uniform(10, 200, 21).astype(np.float32)
    bias = rng.standard_normal(21).astype(np.float32)
    got = np.asarray(_core.Int8Dense(w_q, scale, bias)(x, relu=relu))
    x_q, x_s = abs_max_quantize(x.reshape(10, 37), axis=-1)
    want = (x_q.astype(np.int64) @ w_q.astype(np.int64)).astype(np.float32) / (x_s * scale) + bias
    want = np.maximum(want, 0) if relu else want
    assert got.shape == (2, 5, 21)
    np.testing.assert_allclose(got.reshape(10, 21), want, rtol=1e-5, atol=1e-5)


def test_bad_input_and_bad_isa_name_are_clear_errors(monkeypatch):
    dense = _core.Int8Dense(np.zeros((4, 3), np.int8), np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"int8 Dense expects float32 input of shape \(\.\.\., 4\)"):
        dense(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match="kernel_scale has 2 values"):
        _core.Int8Dense(np.zeros((4, 3), np.int8), np.ones(2, np.float32))
    monkeypatch.setenv("LAMINA_INT8_ISA", "sse9")
    with pytest.raises(ValueError, match="LAMINA_INT8_ISA='sse9'"):
        _core.Int8Dense(np.zeros((4, 3), np.int8), np.ones(3, np.float32))
