"""`Model.quantize("int8")` on Dense layers: close to the float model, and the same numbers as
real Keras 3's int8 Dense on the same weights (Keras' scheme: per-channel weights, per-row
activations)."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import lamina as keras
from lamina.quantizers import int8_pays_off


def _mlp(seed=0):
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(48, activation="relu"),
                              keras.layers.Dense(32, activation="tanh"), keras.layers.Dense(10)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.2 for w in model.get_weights()])
    return model


def _quantize_each_layer(model):
    # Layer.quantize always quantizes (Model.quantize keeps float32 where int8 would be slower),
    # so these checks run on every CPU.
    for layer in model.layers:
        layer.quantize("int8")


def test_quantized_mlp_is_within_tolerance_of_float():
    model = _mlp()
    x = np.random.default_rng(1).standard_normal((33, 64)).astype(np.float32)
    want = np.asarray(model(x))
    _quantize_each_layer(model)
    assert all(layer._int8 is not None for layer in model.layers)
    got = np.asarray(model(x))
    # int8 on both operands: about 1% of the output range.
    np.testing.assert_allclose(got, want, atol=0.02 * np.abs(want).max())
    assert not np.array_equal(got, want)  # it really ran the int8 path


@pytest.mark.skipif(not int8_pays_off(), reason="Model.quantize keeps float32 without AVX-512 VNNI (tested below)")
def test_exclude_keeps_a_layer_in_float_and_bad_mode_is_refused():
    model = _mlp()
    model.quantize("int8", exclude=[model.layers[-1].name])
    assert model.layers[-1]._int8 is None and model.layers[0]._int8 is not None
    with pytest.raises(NotImplementedError, match="'int4'"):
        _mlp().quantize("int4")


@pytest.mark.parametrize("isa", ["scalar", "avx2"])
def test_a_cpu_without_a_fast_int8_path_keeps_float32_and_warns(isa):
    code = ("import warnings, lamina as keras\n"
            "m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always'); m.quantize('int8')\n"
            "assert m.layers[0]._int8 is None, 'quantized on a slow path'\n"
            "assert any('stay float32' in str(x.message) for x in w), [str(x.message) for x in w]\n")
    env = {**os.environ, "LAMINA_INT8_ISA": isa}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_same_predictions_as_real_keras_int8_dense():
    if os.environ.get("CI") != "true":
        pytest.importorskip("jax")
    model = _mlp(seed=3)
    x = np.random.default_rng(2).standard_normal((16, 64)).astype(np.float32)
    weights = model.get_weights()
    _quantize_each_layer(model)
    got = np.asarray(model(x))
    code = ("import sys, numpy as np, keras\n"
            "d = np.load(sys.argv[1])\n"
            "m = keras.Sequential([keras.Input((64,)), keras.layers.Dense(48, activation='relu'),\n"
            "                      keras.layers.Dense(32, activation='tanh'), keras.layers.Dense(10)])\n"
            "m.set_weights([d[f'w{i}'] for i in range(6)])\n"
            "m.quantize('int8')\n"
            "assert m.layers[0].dtype_policy.name == 'int8_from_float32'\n"
            "np.save(sys.argv[2], np.asarray(m(d['x'])))\n")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        np.savez(f"{tmp}/in.npz", x=x, **{f"w{i}": w for i, w in enumerate(weights)})
        env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
        env.pop("PYTHONPATH", None)
        r = subprocess.run([sys.executable, "-c", code, f"{tmp}/in.npz", f"{tmp}/out.npy"], env=env,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0 and "No module named 'keras'" in r.stderr and os.environ.get("CI") != "true":
            pytest.skip("keras is not installed")
        assert r.returncode == 0, r.stderr[-2000:]
        want = np.load(f"{tmp}/out.npy")
    # Same integers; only the float dequantization order differs (x / (a*b) vs x * (1/a) * (1/b)).
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_saving_a_quantized_model_is_refused_rather_than_saved_as_float(tmp_path):
    model = _mlp()
    _quantize_each_layer(model)
    with pytest.raises(NotImplementedError, match="int8-quantized layer"):
        model.save(tmp_path / "q.keras")
