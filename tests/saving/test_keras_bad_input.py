"""Bad Keras files and what lamina refuses: errors name the file, the layer and the shapes;
weights are checked before any is assigned; code in a file never runs by default."""

import base64
import json
import marshal
import os
import shutil
import warnings

import h5py
import numpy as np
import pytest

import lamina as lm
from keras_architectures import ARCHITECTURES as BUILDERS
from keras_fixtures import TOLERANCE, batch, max_error, path


def _lamina_model(arch):
    model, *_ = {b.__name__: b for b in BUILDERS}[arch](lm, np.random.default_rng(1))
    return model


def _copy(tmp_path, name):
    dst = str(tmp_path / name)
    shutil.copy(path(name), dst)
    return dst


def _snapshot(model):
    return [np.array(w) for w in model.weights]


def _unchanged(model, before) -> bool:
    return all(np.array_equal(a, np.asarray(w)) for a, w in zip(before, model.weights))


# ------------------------------------------------------------------------------------------------
# not a model file at all

@pytest.mark.parametrize("name", ["mlp.k2.h5", "mlp.k3.keras"])
def test_truncated_file(tmp_path, name):
    bad = _copy(tmp_path, name)
    with open(bad, "r+b") as fh:
        fh.truncate(os.path.getsize(bad) // 2)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        lm.models.load_model(bad)


@pytest.mark.parametrize("suffix", [".h5", ".keras", ".weights.h5"])
def test_file_that_is_neither_hdf5_nor_zip(tmp_path, suffix):
    bad = tmp_path / f"notes{suffix}"
    bad.write_text("these are not weights\n" * 50)
    with pytest.raises(ValueError, match=rf"notes{suffix}.*neither"):
        lm.models.load_model(str(bad))
    with pytest.raises(ValueError, match=rf"notes{suffix}"):
        _lamina_model("mlp").load_weights(str(bad))


def test_savedmodel_directory(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"")
    with pytest.raises(ValueError, match="is a directory.*SavedModel"):
        lm.models.load_model(str(tmp_path))


def test_corrupt_model_config(tmp_path):
    bad = _copy(tmp_path, "mlp.k2.h5")
    with h5py.File(bad, "a") as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": {"layers": ['
    with pytest.raises(ValueError, match=r"mlp\.k2\.h5.*model_config.*not valid JSON"):
        lm.models.load_model(bad)


def test_weights_only_file_given_to_load_model():
    with pytest.raises(ValueError, match=r"legacy_weights\.h5.*load_weights"):
        lm.models.load_model(path("mlp.k2.legacy_weights.h5"))


def test_archive_without_weights(tmp_path):
    import zipfile

    bad = str(tmp_path / "m.keras")
    with zipfile.ZipFile(path("mlp.k3.keras")) as src, zipfile.ZipFile(bad, "w") as dst:
        dst.writestr("config.json", src.read("config.json"))
    with pytest.raises(ValueError, match=r"m\.keras.*model\.weights\.h5"):
        lm.models.load_model(bad)


# ------------------------------------------------------------------------------------------------
# weights that do not fit

def test_wrong_weight_shape_names_file_layer_and_shapes_and_assigns_nothing():
    model = lm.Sequential([lm.Input((6,)), lm.layers.Dense(8, name="d1"), lm.layers.BatchNormalization(),
                           lm.layers.Dense(8), lm.layers.BatchNormalization(center=False), lm.layers.Dense(8),
                           lm.layers.BatchNormalization(scale=False), lm.layers.Dense(5, name="out")])
    before = _snapshot(model)
    with pytest.raises(ValueError) as e:
        model.load_weights(path("mlp.k2.legacy_weights.h5"))
    message = str(e.value)
    assert "mlp.k2.legacy_weights.h5" in message and "'out'" in message
    assert "(8, 5)" in message and "(8, 4)" in message
    assert _unchanged(model, before)  # the earlier layers, which fit, were not assigned either


def test_skip_mismatch_loads_what_fits_and_warns_about_the_rest():
    model = lm.Sequential([lm.Input((6,)), lm.layers.Dense(8, name="d1"), lm.layers.BatchNormalization(),
                           lm.layers.Dense(8), lm.layers.BatchNormalization(center=False), lm.layers.Dense(8),
                           lm.layers.BatchNormalization(scale=False), lm.layers.Dense(5, name="out")])
    out_before = np.array(model.get_layer("out").kernel)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.load_weights(path("mlp.k2.legacy_weights.h5"), skip_mismatch=True)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and "'out/kernel' expects shape (8, 5)" in messages[0] and "(8, 4)" in messages[0]
    assert "'out/bias' expects shape (5,)" in messages[1]
    with h5py.File(path("mlp.k2.legacy_weights.h5"), "r") as f:
        np.testing.assert_array_equal(np.asarray(model.get_layer("d1").kernel), f["d1/d1/kernel:0"][()])
    np.testing.assert_array_equal(np.asarray(model.get_layer("out").kernel), out_before)


def test_by_name_ignores_layers_only_one_side_has():
    a, b = lm.Input((4,), name="a"), lm.Input((4,), name="b")
    shared = lm.layers.Dense(4, activation="tanh", name="shared")
    extra = lm.layers.Dense(3, name="not_in_the_file")
    model = lm.Model([a, b], extra(lm.layers.Add()([shared(a), shared(b)])))
    extra_before = np.array(extra.kernel)
    model.load_weights(path("nested.k2.legacy_weights.h5"), by_name=True)
    with h5py.File(path("nested.k2.legacy_weights.h5"), "r") as f:
        np.testing.assert_array_equal(np.asarray(shared.kernel), f["shared/shared/kernel:0"][()])
    np.testing.assert_array_equal(np.asarray(extra.kernel), extra_before)


def test_by_name_weight_count_mismatch_raises_or_with_skip_mismatch_skips_the_layer():
    a = lm.Input((4,), name="a")
    renamed = lm.layers.Dense(4, use_bias=False, name="shared")
    model = lm.Model(a, renamed(a))
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"'shared' expects 1 weights.*has 2"):
        model.load_weights(path("nested.k2.legacy_weights.h5"), by_name=True)
    with pytest.warns(UserWarning, match=r"skipped.*'shared' expects 1 weights"):
        model.load_weights(path("nested.k2.legacy_weights.h5"), by_name=True, skip_mismatch=True)
    assert _unchanged(model, before)


def test_layer_count_mismatch():
    model = lm.Sequential([lm.Input((6,)), lm.layers.Dense(8), lm.layers.Dense(4)])
    with pytest.raises(ValueError, match=r"mlp\.k2\.legacy_weights\.h5: layer count mismatch.*2 layers.*7"):
        model.load_weights(path("mlp.k2.legacy_weights.h5"))


def test_weight_count_mismatch_in_a_layer():
    model = lm.Sequential([lm.Input((6,)), lm.layers.Dense(8, name="d1", use_bias=False), lm.layers.BatchNormalization(),
                           lm.layers.Dense(8), lm.layers.BatchNormalization(center=False), lm.layers.Dense(8),
                           lm.layers.BatchNormalization(scale=False), lm.layers.Dense(4)])
    with pytest.raises(ValueError, match=r"'d1' expects 1 weights with shapes \[\(6, 8\)\].*'d1' has 2 with shapes \[\(6, 8\), \(8,\)\]"):
        model.load_weights(path("mlp.k2.legacy_weights.h5"))


def test_missing_weight_in_a_legacy_file(tmp_path):
    bad = _copy(tmp_path, "mlp.k2.legacy_weights.h5")
    with h5py.File(bad, "a") as f:
        del f["d1/d1/bias:0"]
    model = _lamina_model("mlp")
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"mlp\.k2\.legacy_weights\.h5: layer 'd1' lists weight 'd1/bias:0'.*no such dataset"):
        model.load_weights(bad)
    assert _unchanged(model, before)


def test_missing_and_misshapen_weights_in_a_native_file(tmp_path):
    bad = _copy(tmp_path, "mlp.k3.weights.h5")
    with h5py.File(bad, "a") as f:
        del f["layers/dense_3/vars/0"]
    model = _lamina_model("mlp")
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"weights\.h5: layer 'out': missing weight 'layers/dense_3/vars/0'.*\(8, 4\)"):
        model.load_weights(bad)
    assert _unchanged(model, before)
    with h5py.File(bad, "a") as f:
        f["layers/dense_3/vars/0"] = np.zeros((8, 3), "float32")
    with pytest.raises(ValueError, match=r"layer 'out': weight 'layers/dense_3/vars/0'.*expects shape \(8, 4\), found shape \(8, 3\)"):
        model.load_weights(bad)
    assert _unchanged(model, before)
    with pytest.warns(UserWarning, match="skipped loading layer 'out'"):
        model.load_weights(bad, skip_mismatch=True)
    xs, _ = batch("mlp.k3.h5")
    assert np.isfinite(model.predict(xs[0], verbose=0)).all()


def test_wrong_shape_inside_a_full_model_file(tmp_path):
    bad = _copy(tmp_path, "gru_stack.k2.h5")
    with h5py.File(bad, "a") as f:
        group = f["model_weights/gru_v1/gru_v1/gru_cell"]
        del group["bias:0"]
        group["bias:0"] = np.zeros((2, 15), "float32")  # reset_after=True's shape in a reset_after=False layer
    with pytest.raises(ValueError, match=r"gru_stack\.k2\.h5: layer 'gru_v1': weight 'gru_v1/gru_cell/bias' expects shape \(15,\).*\(2, 15\)"):
        lm.models.load_model(bad)


# ------------------------------------------------------------------------------------------------
# configs lamina cannot or will not rebuild

def _rewrite_config(src, dst, edit):
    shutil.copy(src, dst)
    with h5py.File(dst, "a") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config)
        f.attrs["model_config"] = json.dumps(config)


def test_unknown_class_needs_custom_objects(tmp_path):
    bad = str(tmp_path / "custom.h5")

    def rename(config):
        config["config"]["layers"][-1]["class_name"] = "MyDense"

    _rewrite_config(path("mlp.k2.h5"), bad, rename)
    with pytest.raises(ValueError, match=r"Unknown .*class 'MyDense' \(layer 'out'\).*custom_objects"):
        lm.models.load_model(bad)

    class MyDense(lm.layers.Dense):
        pass

    model = lm.models.load_model(bad, custom_objects={"MyDense": MyDense})
    assert type(model.get_layer("out")) is MyDense
    xs, ys = batch("mlp.k2.h5")
    assert max_error(model, xs, ys) <= TOLERANCE


def _with_lambda(tmp_path, function, **extra):
    """mlp.k2.h5 with a Keras 2 Lambda layer appended to its Sequential config."""
    bad = str(tmp_path / "lambda.h5")

    def add(config):
        config["config"]["layers"].append({"class_name": "Lambda", "config": {
            "name": "scale", "trainable": True, "dtype": "float32", "function": function,
            "output_shape": None, "output_shape_type": "raw", "arguments": {}, **extra}})

    _rewrite_config(path("mlp.k2.h5"), bad, add)
    return bad


def test_lambda_code_is_refused_unless_safe_mode_is_off(tmp_path):
    sentinel = tmp_path / "ran"

    def double(x):
        env = __import__("os").environ  # the code runs with none of this module's globals
        open(env["LAMINA_TEST_SENTINEL"], "w").close()  # proves the code ran
        return x * 2.0

    code = base64.b64encode(marshal.dumps(double.__code__)).decode("ascii")
    bad = _with_lambda(tmp_path, [code, None, None], function_type="lambda", module="__main__")
    os.environ["LAMINA_TEST_SENTINEL"] = str(sentinel)
    try:
        with pytest.raises(ValueError, match=r"Lambda' layer 'scale'.*execute code.*safe_mode=False"):
            lm.models.load_model(bad)
        assert not sentinel.exists()
        model = lm.models.load_model(bad, safe_mode=False)
        xs, ys = batch("mlp.k2.h5")
        np.testing.assert_allclose(model.predict(xs[0], verbose=0), 2.0 * ys[0], atol=TOLERANCE)
        assert sentinel.exists()
    finally:
        del os.environ["LAMINA_TEST_SENTINEL"]


def test_lambda_naming_a_function_needs_it_in_custom_objects(tmp_path):
    bad = _with_lambda(tmp_path, "halve", function_type="function", module="__main__")
    with pytest.raises(ValueError, match=r"Lambda layer 'scale' calls a function named 'halve'.*custom_objects"):
        lm.models.load_model(bad)
    model = lm.models.load_model(bad, custom_objects={"halve": lambda x: x * 0.5})
    xs, ys = batch("mlp.k2.h5")
    np.testing.assert_allclose(model.predict(xs[0], verbose=0), 0.5 * ys[0], atol=TOLERANCE)


def test_keras2_keys_are_ignored_only_when_they_ask_for_nothing(tmp_path):
    bad = str(tmp_path / "time_major.h5")

    def time_major(config):
        config["config"]["layers"][1]["config"]["time_major"] = True

    _rewrite_config(path("gru_stack.k2.h5"), bad, time_major)
    with pytest.raises(ValueError, match=r"GRU 'gru': time_major=True is not supported by lamina"):
        lm.models.load_model(bad)
    with h5py.File(path("gru_stack.k2.h5"), "r") as f:  # the file as written says False, which loads
        assert json.loads(f.attrs["model_config"])["config"]["layers"][1]["config"]["time_major"] is False


def test_an_unknown_key_asking_for_something_is_an_error_naming_the_layer(tmp_path):
    bad = str(tmp_path / "future.h5")

    def future(config):
        config["config"]["layers"][1]["config"]["some_future_option"] = 4

    _rewrite_config(path("mlp.k2.h5"), bad, future)
    with pytest.raises(ValueError, match=r"Cannot rebuild Dense 'd1'.*some_future_option"):
        lm.models.load_model(bad)
