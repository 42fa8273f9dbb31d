"""lamina writes the legacy HDF5 format (`model.save("m.h5")`) in Keras' layout, and reads it
back with weights, compile state and optimizer state. (test_keras3_interop.py checks that
Keras 3 opens these files.)"""

import json

import h5py
import numpy as np
import pytest

import lamina as lm
from keras_architectures import ARCHITECTURES as BUILDERS
from keras_architectures import compile_arguments, set_small_weights
from keras_fixtures import predict
from lamina.saving import optimizer_state


def trained_lamina_model(builder, seed=3):
    """A lamina-built model with small random weights after one Adam step."""
    rng = np.random.default_rng(seed)
    model, xs, ys, loss = builder(lm, rng)
    set_small_weights(model, rng)
    model.compile(**compile_arguments(lm, loss))
    model.fit(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0], batch_size=len(xs[0]), epochs=1, verbose=0)
    return model, xs


@pytest.mark.parametrize("builder", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_h5_round_trip(tmp_path, builder):
    model, xs = trained_lamina_model(builder)
    target = str(tmp_path / "m.h5")
    model.save(target)
    loaded = lm.models.load_model(target)
    for a, b in zip(predict(model, xs), predict(loaded, xs)):
        np.testing.assert_array_equal(a, b)
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert loaded._compile_config["metrics"] == model._compile_config["metrics"]
    assert int(loaded.optimizer.iterations.numpy()) == 1
    for (_, a), (_, b) in zip(optimizer_state.keras_variables(model.optimizer, model),
                              optimizer_state.keras_variables(loaded.optimizer, loaded)):
        np.testing.assert_array_equal(a, b)


def test_h5_layout_is_keras(tmp_path):
    model, _ = trained_lamina_model(BUILDERS[[b.__name__ for b in BUILDERS].index("multi_io")])
    target = str(tmp_path / "m.h5")
    model.save(target)
    with h5py.File(target, "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Functional" and config["config"]["name"] == "multi_io"
        training = json.loads(f.attrs["training_config"])
        assert training["loss"] == ["sparse_categorical_crossentropy", "mean_squared_error"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        weights = f["model_weights"]
        assert weights.attrs["layer_names"].dtype.kind == "S"
        assert [n.decode() for n in weights.attrs["layer_names"]] == [l.name for l in model.layers]
        names = [n.decode() for n in weights["bilstm"].attrs["weight_names"]]
        bilstm = model.get_layer("bilstm")
        directions = [bilstm.forward_layer.name, bilstm.backward_layer.name]
        assert directions[0].startswith("forward_lstm") and directions[1].startswith("backward_lstm")
        assert names == [f"bilstm/{d}/lstm_cell/{w}" for d in directions for w in ("kernel", "recurrent_kernel", "bias")]
        assert weights["bilstm"][f"bilstm/{directions[1]}/lstm_cell/kernel"].shape == (3, 20)
        assert weights["seq"].attrs["weight_names"].shape == (0,)  # no weights: an empty list
        optimizer = [n.decode() for n in f["optimizer_weights"].attrs["weight_names"]]
        n_params = len(model.trainable_weights)
        assert optimizer[:2] == ["adam/iteration", "adam/learning_rate"] and len(optimizer) == 2 + 2 * n_params
        assert optimizer[2].endswith("_momentum") and optimizer[3].endswith("_velocity")


def test_long_name_lists_are_split_as_keras_splits_them(tmp_path):
    layers = [lm.layers.Activation("tanh", name="long_" + "x" * 3000)]
    layers += [lm.layers.Dense(2, name=f"d{i}") for i in range(22)]
    model = lm.Sequential([lm.Input((2,))] + layers)
    target = str(tmp_path / "m.h5")
    model.save(target)
    with h5py.File(target, "r") as f:
        attrs = f["model_weights"].attrs
        assert "layer_names" not in attrs and {"layer_names0", "layer_names1"} <= set(attrs)
        assert all(attrs[k].nbytes <= 64512 for k in attrs if k.startswith("layer_names"))
    loaded = lm.models.load_model(target)
    x = np.ones((1, 2), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_keras_archive_keeps_optimizer_state_in_keras3_order(tmp_path):
    model, _ = trained_lamina_model(BUILDERS[0])
    target = str(tmp_path / "m.keras")
    model.save(target)
    import io
    import zipfile

    with zipfile.ZipFile(target) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        stored = f["optimizer/vars"]
        assert len(stored) == 2 + 2 * len(model.trainable_weights)
        assert stored["0"][()] == 1 and stored["1"][()] == pytest.approx(1e-3)
        first = model.trainable_weights[0]
        np.testing.assert_array_equal(stored["2"][()], np.asarray(model.optimizer._slots[id(first)][0]))
    loaded = lm.models.load_model(target)
    assert int(loaded.optimizer.iterations.numpy()) == 1


def test_save_h5_does_not_overwrite_when_asked_not_to(tmp_path):
    model = lm.Sequential([lm.Input((2,)), lm.layers.Dense(1)])
    target = tmp_path / "m.h5"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        model.save(str(target), overwrite=False)
    assert target.read_bytes() == b"keep me"


def test_uncompiled_model_saves_without_training_config(tmp_path):
    model = lm.Sequential([lm.Input((2,)), lm.layers.Dense(1)])
    target = str(tmp_path / "m.h5")
    model.save(target)
    with h5py.File(target, "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    assert not lm.models.load_model(target).compiled
