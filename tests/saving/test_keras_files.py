"""Files written by real Keras 2 (tf.keras 2.15) and Keras 3 (3.15) load in lamina and give
Keras' predictions: full models (.h5, .keras), weights (legacy .h5, .weights.h5), compile state."""

import json
import shutil
import warnings

import h5py
import numpy as np
import pytest

import lamina as lm
from keras_architectures import ARCHITECTURES as BUILDERS
from keras_fixtures import ARCHITECTURES, TOLERANCE, batch, files, max_error, path

FULL_MODELS = [f"{a}.{tag}.h5" for a in ARCHITECTURES for tag in ("k2", "k3")] + [f"{a}.k3.keras" for a in ARCHITECTURES]
FULL_MODELS += files("*.k2.keras") + ["many_layers.k2.h5", "conv1d_legacy_adam.k2.h5"]


def test_every_architecture_has_keras2_and_keras3_files():
    assert set(files("*.h5")) >= {f"{a}.{tag}.h5" for a in ARCHITECTURES for tag in ("k2", "k3")}
    versions = json.load(open(path("VERSIONS.json")))
    assert versions["k2"]["keras"].startswith("2.") and versions["k3"]["keras"].startswith("3.")


@pytest.mark.parametrize("name", FULL_MODELS)
def test_load_model_reproduces_keras_predictions(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean file loads without complaint
        model = lm.models.load_model(path(name))
    xs, ys = batch(name)
    assert max_error(model, xs, ys) <= TOLERANCE


def test_split_layer_names_are_read():
    with h5py.File(path("many_layers.k2.h5"), "r") as f:
        attrs = f["model_weights"].attrs
        assert "layer_names" not in attrs and "layer_names0" in attrs and "layer_names1" in attrs
        assert attrs["layer_names0"].dtype.kind == "S"  # Keras 2 writes fixed-width bytes
    model = lm.models.load_model(path("many_layers.k2.h5"))
    assert len(model.layers) == 22 and model.layers[0].name.startswith("long_x")


def _as_old_h5py(src, dst):
    """A copy with every text attribute stored as bytes, as h5py 2 wrote them."""
    shutil.copy(src, dst)

    def convert(obj):
        for key, value in list(obj.attrs.items()):
            if isinstance(value, str):
                obj.attrs[key] = np.bytes_(value.encode("utf8"))
            elif isinstance(value, np.ndarray) and value.dtype.kind in "OU":
                obj.attrs[key] = np.array([str(v).encode("utf8") for v in value], dtype="S")

    with h5py.File(dst, "a") as f:
        convert(f)
        f.visititems(lambda _, obj: convert(obj))


@pytest.mark.parametrize("name", ["mlp.k2.h5", "nested.k2.h5", "multi_io.k3.h5"])
def test_names_stored_as_bytes_by_old_h5py(tmp_path, name):
    old = str(tmp_path / name)
    _as_old_h5py(path(name), old)
    with h5py.File(old, "r") as f:
        assert isinstance(f.attrs["model_config"], bytes)
    model = lm.models.load_model(old)
    xs, ys = batch(name)
    assert max_error(model, xs, ys) <= TOLERANCE


# ------------------------------------------------------------------------------------------------
# compile state

@pytest.mark.parametrize("name", ["conv1d.k2.h5", "conv1d.k3.h5", "conv1d.k3.keras"])
def test_compile_restores_loss_metrics_optimizer_and_its_state(name):
    model = lm.models.load_model(path(name))
    opt = model.optimizer
    assert type(opt).__name__ == "Adam" and opt.learning_rate == pytest.approx(1e-3)
    assert model._compile_config["loss"] == "mse" and model._compile_config["metrics"] == ["mae"]
    assert int(opt.iterations.numpy()) == 1  # the one training step Keras took
    momentum = [np.asarray(v) for v in opt.variables[1::2]]
    assert all(np.any(m != 0) for m in momentum)  # restored, not fresh zeros
    xs, _ = batch(name)
    loss = model.evaluate(xs[0], np.zeros((len(xs[0]), 2), "float32"), verbose=0)
    assert np.isfinite(loss).all()


def test_compile_restores_the_exact_slot_values_of_a_keras3_file():
    model = lm.models.load_model(path("conv1d.k3.h5"))
    with h5py.File(path("conv1d.k3.h5"), "r") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        stored = [np.asarray(group[n]) for n in names]
    assert names[1].endswith("learning_rate")
    lamina_slots = [np.asarray(v) for v in model.optimizer.variables[1:]]
    assert len(lamina_slots) == len(stored) - 2
    for mine, theirs in zip(lamina_slots, stored[2:]):
        np.testing.assert_array_equal(mine, theirs)


def test_state_of_tf_keras_pre_2_11_optimizers_whose_slots_come_one_kind_at_a_time():
    model = lm.models.load_model(path("conv1d_legacy_adam.k2.h5"))
    opt = model.optimizer
    assert int(opt.iterations.numpy()) == 2
    with h5py.File(path("conv1d_legacy_adam.k2.h5"), "r") as f:
        group = f["optimizer_weights"]
        for param, layer in zip(model.trainable_weights, ["k3", "k3", "k2_dilated", "k2_dilated"]):
            momentum, velocity = opt._slots[id(param)]
            np.testing.assert_array_equal(np.asarray(momentum), group[f"Adam/{layer}/{param.name}/m:0"][()])
            np.testing.assert_array_equal(np.asarray(velocity), group[f"Adam/{layer}/{param.name}/v:0"][()])


def test_keras2_per_output_metrics_of_a_multi_output_model():
    model = lm.models.load_model(path("multi_io.k2.h5"))
    assert model._compile_config["loss"] == ["sparse_categorical_crossentropy", "mse"]
    # Keras 2 wrote MeanMetricWrapper(name="cls_accuracy", fn="categorical_accuracy"): the name asked for wins.
    assert model._compile_config["metrics"] == [["accuracy"], ["mae"]]


def test_keras2_loss_and_metric_objects_in_training_config(tmp_path):
    # As tf.keras 2.15 writes them: the loss with its wrapped `fn` and reduction "auto", a metric
    # object and a MeanMetricWrapper, the optimizer registered as "Custom>SGD".
    target = str(tmp_path / "objects.h5")
    shutil.copy(path("mlp.k2.h5"), target)
    training = {
        "loss": {"class_name": "SparseCategoricalCrossentropy", "config": {
            "reduction": "auto", "name": "sparse_categorical_crossentropy", "from_logits": True, "ignore_class": None,
            "fn": "sparse_categorical_crossentropy"}},
        "metrics": [[{"class_name": "SparseCategoricalAccuracy", "config": {"name": "sparse_categorical_accuracy", "dtype": "float32"}},
                     {"class_name": "MeanMetricWrapper", "config": {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32",
                                                                    "fn": "sparse_top_k_categorical_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>SGD", "config": {
            "name": "SGD", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
            "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
            "learning_rate": 0.1, "momentum": 0.9, "nesterov": False}}}
    with h5py.File(target, "a") as f:
        f.attrs["training_config"] = json.dumps(training)
        del f["optimizer_weights"]
    model = lm.models.load_model(target)
    loss = model._compile_config["loss"]
    assert type(loss).__name__ == "SparseCategoricalCrossentropy" and loss.get_config()["from_logits"] is True
    assert loss.reduction == "sum_over_batch_size"
    assert type(model.optimizer).__name__ == "SGD" and model.optimizer.momentum == 0.9
    metrics = model._compile_config["metrics"]
    assert type(metrics[0]).__name__ == "SparseCategoricalAccuracy" and metrics[1] == "sparse_top_k_categorical_accuracy"
    xs, _ = batch("mlp.k2.h5")
    logs = model.evaluate(xs[0], np.array([0, 1, 2, 3, 0]), verbose=0, return_dict=True)
    assert set(logs) == {"loss", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy"}


def test_a_loss_lamina_lacks_leaves_the_model_loaded_but_uncompiled(tmp_path):
    target = str(tmp_path / "custom_loss.h5")
    shutil.copy(path("conv1d.k2.h5"), target)
    with h5py.File(target, "a") as f:
        training = json.loads(f.attrs["training_config"])
        training["loss"] = "my_focal_loss"
        f.attrs["training_config"] = json.dumps(training)
    with pytest.warns(UserWarning, match=r"custom_loss\.h5: the model was loaded but not compiled.*my_focal_loss"):
        model = lm.models.load_model(target)
    assert not model.compiled and model.optimizer is None
    xs, ys = batch("conv1d.k2.h5")
    assert max_error(model, xs, ys) <= TOLERANCE
    model = lm.models.load_model(target, custom_objects={"my_focal_loss": lm.losses.mean_squared_error})
    assert model.compiled and int(model.optimizer.iterations.numpy()) == 1


def test_compile_false_leaves_the_model_uncompiled():
    model = lm.models.load_model(path("conv1d.k2.h5"), compile=False)
    assert model.optimizer is None and not model.compiled


def test_optimizer_state_that_does_not_fit_starts_fresh_with_a_warning(tmp_path):
    bad = str(tmp_path / "conv1d.h5")
    shutil.copy(path("conv1d.k3.h5"), bad)
    with h5py.File(bad, "a") as f:
        group = f["optimizer_weights"]
        names = list(group.attrs["weight_names"])[:-1]  # one slot variable short
        group.attrs["weight_names"] = np.array([str(n).encode() for n in names])
    with pytest.warns(UserWarning, match=r"conv1d.h5.*starts fresh"):
        model = lm.models.load_model(bad)
    assert int(model.optimizer.iterations.numpy()) == 0
    xs, ys = batch("conv1d.k3.h5")
    assert max_error(model, xs, ys) <= TOLERANCE  # the weights are loaded all the same


def test_state_of_another_optimizer_is_not_poured_into_the_default_one(tmp_path):
    # Keras 3.15 drops the optimizer from a model's compile config once it has saved a legacy
    # .h5, so a .keras saved after that compiles with the default RMSprop. Here the file holds
    # SGD-with-momentum state (step, learning rate, one momentum per parameter), which fits
    # RMSprop's velocities by shape: only the optimizer's name tells them apart.
    import io
    import zipfile

    bad = str(tmp_path / "no_optimizer.keras")
    with zipfile.ZipFile(path("conv1d.k3.keras")) as src, zipfile.ZipFile(bad, "w") as dst:
        config = json.loads(src.read("config.json"))
        del config["compile_config"]["optimizer"]
        dst.writestr("config.json", json.dumps(config))
        dst.writestr("metadata.json", src.read("metadata.json"))
        weights = io.BytesIO(src.read("model.weights.h5"))
        with h5py.File(weights, "a") as f:
            adam = f["optimizer/vars"]
            momentum = [adam[str(i)][()] for i in range(2, len(adam), 2)]
            del f["optimizer"]
            sgd = f.create_group("optimizer/vars")
            sgd.attrs["name"] = "sgd"
            for i, value in enumerate([np.int64(1), np.float32(0.01)] + momentum):
                sgd[str(i)] = value
        dst.writestr("model.weights.h5", weights.getvalue())
    with pytest.warns(UserWarning, match=r"no_optimizer\.keras: the saved optimizer state belongs to optimizer 'sgd'.*'rmsprop'"):
        model = lm.models.load_model(bad)
    assert type(model.optimizer).__name__ == "RMSprop" and int(model.optimizer.iterations.numpy()) == 0
    assert all(not np.any(np.asarray(v)) for v in model.optimizer.variables[1:])


# ------------------------------------------------------------------------------------------------
# weights files into models built in lamina

def _lamina_model(arch):
    model, *_ = BUILDERS[[b.__name__ for b in BUILDERS].index(arch)](lm, np.random.default_rng(1))
    return model


WEIGHT_FILES = files("*.k2.legacy_weights.h5") + files("*.k3.weights.h5")


@pytest.mark.parametrize("name", WEIGHT_FILES)
def test_load_weights_into_a_lamina_built_model(name):
    model = _lamina_model(name.split(".")[0])
    xs, ys = batch(name)
    assert max_error(model, xs, ys) > 1e-3  # different weights before loading
    model.load_weights(path(name))
    assert max_error(model, xs, ys) <= TOLERANCE


@pytest.mark.parametrize("name", ["multi_io.k2.legacy_weights.h5", "nested.k2.legacy_weights.h5"])
def test_load_weights_by_name(name):
    model = _lamina_model(name.split(".")[0])
    model.load_weights(path(name), by_name=True)
    xs, ys = batch(name)
    assert max_error(model, xs, ys) <= TOLERANCE


def test_full_model_h5_serves_as_a_weights_file():
    model = _lamina_model("gru_stack")
    model.load_weights(path("gru_stack.k3.h5"))  # weights under /model_weights
    xs, ys = batch("gru_stack.k3.h5")
    assert max_error(model, xs, ys) <= TOLERANCE


def test_nested_model_weights_are_matched_by_layer_name_not_position():
    # In the file inner_d1 is frozen, so Keras listed inner_seq's weights as inner_d2's, then
    # inner_d1's. Here nothing is frozen: position alone would put inner_d2's kernel into inner_d1.
    model = _lamina_model("nested")
    inner = model.get_layer("inner_seq")
    inner.get_layer("inner_d1").trainable = True
    with h5py.File(path("nested.k2.legacy_weights.h5"), "r") as f:
        assert [n.decode() if isinstance(n, bytes) else n for n in f["inner_seq"].attrs["weight_names"]][0] == "inner_d2/kernel:0"
    model.load_weights(path("nested.k2.legacy_weights.h5"))
    xs, ys = batch("nested.k2.h5")
    assert max_error(model, xs, ys) <= TOLERANCE
    with h5py.File(path("nested.k2.legacy_weights.h5"), "r") as f:
        np.testing.assert_array_equal(np.asarray(inner.get_layer("inner_d1").kernel), f["inner_seq/inner_d1/kernel:0"][()])


def test_keras_archive_serves_as_a_weights_file():
    model = _lamina_model("multi_io")
    model.load_weights(path("multi_io.k2.keras"))
    xs, ys = batch("multi_io.k2.keras")
    assert max_error(model, xs, ys) <= TOLERANCE


def test_by_name_is_refused_for_native_weights_files():
    with pytest.raises(ValueError, match="by_name"):
        _lamina_model("mlp").load_weights(path("mlp.k3.weights.h5"), by_name=True)
