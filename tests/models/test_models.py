"""Sequential, functional and subclassed models: building, calling, summary, config, saving."""

import json

import numpy as np
import pytest

import lamina as lm
from lamina import layers


def _mlp():
    return lm.Sequential([lm.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])


def test_sequential_builds_from_input_and_counts_params():
    m = _mlp()
    assert m.built
    assert m.count_params() == 4 * 8 + 8 + 8 * 3 + 3
    assert [l.name for l in m.layers] == [m.layers[0].name, m.layers[1].name]
    assert m.output_shape == (None, 3)


def test_sequential_without_input_builds_on_first_call():
    m = lm.Sequential([layers.Dense(5), layers.Dense(2)])
    assert not m.built
    y = m(np.zeros((3, 7), "float32"))
    assert np.asarray(y).shape == (3, 2)
    assert m.built and m.layers[0].kernel.shape == (7, 5)


def test_sequential_add_and_pop():
    m = lm.Sequential()
    m.add(lm.Input((3,)))
    m.add(layers.Dense(4))
    m.add(layers.Dense(1))
    assert m.output_shape == (None, 1)
    m.pop()
    assert m.output_shape == (None, 4)


def test_functional_multi_input_output_and_shared_layer():
    a, b = lm.Input((4,), name="a"), lm.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    merged = layers.Concatenate()([shared(a), shared(b)])
    out1 = layers.Dense(1, name="out1")(merged)
    out2 = layers.Dense(2, name="out2")(merged)
    model = lm.Model([a, b], [out1, out2])
    xa, xb = np.ones((5, 4), "float32"), np.zeros((5, 4), "float32")
    y1, y2 = model([xa, xb])
    assert np.asarray(y1).shape == (5, 1) and np.asarray(y2).shape == (5, 2)
    y1d, _ = model({"a": xa, "b": xb})
    np.testing.assert_allclose(np.asarray(y1d), np.asarray(y1))
    assert len(shared._inbound_nodes) == 2
    assert model.output_names == ["out1", "out2"]


def test_functional_config_round_trip_keeps_outputs():
    inp = lm.Input((4,))
    h = layers.Dense(6, activation="tanh")(inp)
    out = layers.Dense(2)(h + 1.0)
    model = lm.Model(inp, out, name="fn")
    cfg = json.loads(model.to_json())
    assert cfg["class_name"] == "Functional"
    clone = lm.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), rtol=1e-6)


def test_nested_models():
    inner = lm.Sequential([lm.Input((4,)), layers.Dense(3, activation="relu")], name="inner")
    inp = lm.Input((4,))
    out = layers.Dense(1)(inner(inp))
    outer = lm.Model(inp, out)
    assert len(outer.trainable_weights) == 4
    x = np.ones((2, 4), "float32")
    assert np.asarray(outer(x)).shape == (2, 1)


def test_subclassed_model():
    class Net(lm.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(4, activation="relu")
            self.d2 = layers.Dense(1)

        def call(self, x, training=False):
            return self.d2(self.d1(x))

    net = Net()
    y = net(np.ones((3, 2), "float32"))
    assert np.asarray(y).shape == (3, 1)
    assert len(net.trainable_weights) == 4
    net.compile(optimizer="adam", loss="mse")
    h = net.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2


def test_summary_prints_keras_table(capsys):
    m = _mlp()
    m.summary()
    out = capsys.readouterr().out
    assert 'Model: "' in out and "Total params: 67" in out and "Trainable params: 67" in out
    assert "Output Shape" in out and "(None, 8)" in out


def test_summary_columns_fit_long_names_and_types(capsys):
    # Keras never cuts a layer's name or type: "batch_normalization (BatchNormali" was printed.
    m = lm.Sequential([lm.Input((4,)), layers.BatchNormalization(name="batch_normalization_with_a_long_name"),
                          layers.Dense(2)])
    m.summary()
    out = capsys.readouterr().out
    assert "batch_normalization_with_a_long_name (BatchNormalization)" in out
    widths = {len(line) for line in out.splitlines()[1:-3]}
    assert len(widths) == 1, f"rows of unequal width: {widths}"


def test_summary_folds_cells_under_an_explicit_line_length(capsys):
    m = lm.Sequential([lm.Input((4,)), layers.BatchNormalization(name="batch_normalization")])
    m.summary(line_length=40)
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines[1:-3]) <= 40
    first_column = lines[2].index("Output Shape")
    layer_rows = lines[4:lines.index("━" * len(lines[1]), 4)]
    assert "".join(line[:first_column] for line in layer_rows).replace(" ", "") == "batch_normalization(BatchNormalization)"


def test_get_layer_and_errors():
    m = _mlp()
    assert m.get_layer(index=0) is m.layers[0]
    assert m.get_layer(name=m.layers[1].name) is m.layers[1]
    with pytest.raises(ValueError, match=r"No such layer"):
        m.get_layer("nope")


def test_freezing_moves_weights_to_non_trainable():
    m = _mlp()
    m.layers[0].trainable = False
    assert len(m.trainable_weights) == 2
    assert len(m.non_trainable_weights) == 2


def test_save_and_load_keras_archive(tmp_path):
    m = _mlp()
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.default_rng(1).standard_normal((16, 4)).astype("float32")
    m.fit(x, np.zeros((16, 3), "float32"), epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    m.save(path)
    loaded = lm.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(m(x)), rtol=1e-6)
    assert loaded.optimizer is not None and type(loaded.optimizer).__name__ == "Adam"
    weights_path = str(tmp_path / "w.weights.h5")
    m.save_weights(weights_path)
    fresh = _mlp()
    fresh.load_weights(weights_path)
    np.testing.assert_allclose(np.asarray(fresh(x)), np.asarray(m(x)), rtol=1e-6)


def test_load_rejects_corrupt_files(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"bad.keras"):
        lm.models.load_model(str(bad))
    m = _mlp()
    wrong = lm.Sequential([lm.Input((4,)), layers.Dense(9), layers.Dense(3)])
    path = str(tmp_path / "w.weights.h5")
    wrong.save_weights(path)
    before = m.get_weights()
    with pytest.raises(ValueError, match=r"shape"):
        m.load_weights(path)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_clone_model_has_fresh_weights():
    m = _mlp()
    c = lm.models.clone_model(m)
    assert [w.shape for w in c.weights] == [w.shape for w in m.weights]
    assert c.layers[0] is not m.layers[0]
