"""Keras 3's model and trainer contracts, as the Keras guides and examples rely on them
(semantics read from keras/src/trainers/trainer.py, data_adapters and models/)."""

import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers, ops


def _xy(n=32, d=4, rng=None):
    rng = rng or np.random.default_rng(0)
    return rng.normal(size=(n, d)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


def _dense_model(d=4):
    inp = keras.Input((d,))
    return keras.Model(inp, layers.Dense(1)(inp))


class _Recording(keras.Model):
    """A functional-built model that records what its steps receive."""

    seen = []

    def train_step(self, data):
        type(self).seen.append(("train", _kind(data)))
        return super().train_step(data)

    def test_step(self, data):
        type(self).seen.append(("test", _kind(data)))
        return super().test_step(data)

    def predict_step(self, data):
        type(self).seen.append(("predict", _kind(data)))
        return super().predict_step(data)


def _kind(data):
    return f"tuple{len(data)}" if isinstance(data, tuple) else "x"


def test_steps_get_data_as_keras_packs_it():
    x, y = _xy()
    inp = keras.Input((4,))
    model = _Recording(inp, layers.Dense(1)(inp))
    model.compile("sgd", "mse")
    _Recording.seen = []
    model.fit(x, y, batch_size=16, verbose=0)
    model.fit(x, y, sample_weight=np.ones(32), batch_size=32, verbose=0)
    model.evaluate(x, y, batch_size=32, verbose=0)
    model.predict(x, batch_size=16, verbose=0)
    assert _Recording.seen == [("train", "tuple2"), ("train", "tuple2"), ("train", "tuple3"), ("test", "tuple2"),
                               ("predict", "x"), ("predict", "x")]


def test_custom_train_step_unpacks_pairs_and_fit_x_alone():
    class XY(keras.Model):
        def train_step(self, data):
            x, y = data  # the Keras guide's "customizing fit" pattern
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _xy()
    inp = keras.Input((4,))
    model = XY(inp, layers.Dense(1)(inp))
    model.compile("sgd", "mse", metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mae"}
    assert all(isinstance(v, float) for v in history.history["loss"])

    class XOnly(keras.Model):
        def train_step(self, data):
            assert not isinstance(data, tuple)  # fit(x): x itself
            return {"n": float(data.shape[0])}

    model = XOnly(inp, layers.Dense(1)(inp))
    model.compile("sgd")
    assert model.fit(x, batch_size=8, verbose=0).history["n"] == [8.0]


def test_compute_loss_override_without_training_argument():
    class Old(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            return ops.mean(ops.square(y_pred - y)) * 2.0

    x, y = _xy()
    inp = keras.Input((4,))
    model = Old(inp, layers.Dense(1, kernel_initializer="zeros")(inp))
    model.compile("sgd")
    loss = model.evaluate(x, y, batch_size=32, verbose=0)
    np.testing.assert_allclose(loss, 2 * np.mean(y ** 2), rtol=1e-5)
    model.fit(x, y, verbose=0)


def test_compute_metrics_override_is_used():
    class Counting(keras.Model):
        calls = 0

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            type(self).calls += 1
            return super().compute_metrics(x, y, y_pred, sample_weight)

    x, y = _xy()
    inp = keras.Input((4,))
    model = Counting(inp, layers.Dense(1)(inp))
    model.compile("sgd", "mse", metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    assert Counting.calls == 4 and set(logs) == {"loss", "mae"}


def test_model_input_and_output():
    inp = keras.Input((3,), name="features")
    out = layers.Dense(2)(inp)
    model = keras.Model(inp, out)
    assert model.input is inp and model.output is out
    a, b = keras.Input((2,)), keras.Input((3,))
    two = keras.Model([a, b], [layers.Dense(1)(a), layers.Dense(1)(b)])
    assert two.input == [a, b] and len(two.output) == 2
    seq = keras.Sequential([keras.Input((5,)), layers.Dense(2)])
    assert seq.input.shape == (None, 5) and seq.output.shape == (None, 2)
    # Feature extraction from an intermediate layer, as the functional API guide does.
    extractor = keras.Model(model.input, model.layers[1].output)
    assert extractor.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 2)


def test_input_rank_expansion():
    inp = keras.Input((28, 28, 1))
    model = keras.Model(inp, layers.Flatten()(layers.Conv2D(2, 3)(inp)))
    x = np.random.default_rng(0).normal(size=(8, 28, 28)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x[..., None], verbose=0), rtol=1e-6)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((8, 26 * 26 * 2), "float32"), verbose=0)
    with pytest.raises(ValueError, match="incompatible"):
        model.predict(np.ones((2, 28), "float32"), verbose=0)


def test_dataset_elements_have_numpy():
    ds = keras.data.Dataset.from_tensor_slices((np.arange(6.0).reshape(3, 2), np.arange(3))).batch(2)
    x, y = next(iter(ds))
    assert type(x.numpy()) is np.ndarray and x.numpy().tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert y.numpy().tolist() == [0, 1]
    assert type(next(iter(ds.as_numpy_iterator()))[0]) is np.ndarray


def test_ops_shape_is_a_function():
    assert ops.shape(np.zeros((2, 3))) == (2, 3)
    assert ops.shape(keras.convert_to_tensor(np.zeros((4,)))) == (4,)
    assert ops.shape(keras.Input((5,))) == (None, 5)
    assert callable(ops.reshape) and ops.reshape(np.zeros(6, "float32"), (2, 3)).shape == (2, 3)


def test_fit_builds_an_unbuilt_model_on_the_first_batch():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    x, y = _xy(64)
    for model in (Sub(), _sequential_without_input()):
        model.compile(keras.optimizers.Adam(0.05), "mse")
        before = model.evaluate(x, y, verbose=0) if model.built else None
        history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
        assert len(model.trainable_weights) == 4
        assert history.history["loss"][-1] < history.history["loss"][0]
        assert before is None or before > history.history["loss"][-1]


def _sequential_without_input():
    model = keras.Sequential()
    model.add(layers.Dense(8, activation="relu"))
    model.add(layers.Dense(1))
    return model


def test_functional_construction_of_a_model_subclass():
    class Custom(keras.Model):
        pass

    inp = keras.Input((4,))
    model = Custom(inp, layers.Dense(3)(layers.Dense(5)(inp)))
    assert isinstance(model, Custom) and isinstance(model, keras.models.Functional)
    assert len(model.layers) == 3 and len(model.weights) == 4
    assert model.predict(np.ones((2, 4), "float32"), verbose=0).shape == (2, 3)
    again = Custom(inp, layers.Dense(2)(inp))  # the class is already a Functional subclass
    assert len(again.weights) == 2


def test_callbacks_get_logs_dicts_and_legacy_batch_hooks():
    seen = []

    class Spy(keras.callbacks.Callback):
        def _note(self, hook, logs):
            seen.append((hook, isinstance(logs, dict)))

        def on_train_begin(self, logs=None):
            self._note("train_begin", logs)

        def on_epoch_begin(self, epoch, logs=None):
            self._note("epoch_begin", logs)

        def on_batch_begin(self, batch, logs=None):
            self._note("batch_begin", logs)

        def on_batch_end(self, batch, logs=None):
            self._note("batch_end", logs)

        def on_test_begin(self, logs=None):
            self._note("test_begin", logs)

        def on_predict_begin(self, logs=None):
            self._note("predict_begin", logs)

    x, y = _xy(16)
    model = _dense_model()
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=8, verbose=0, callbacks=[Spy()])
    model.evaluate(x, y, verbose=0, callbacks=[Spy()])
    model.predict(x, batch_size=8, verbose=0, callbacks=[Spy()])
    assert seen == [("train_begin", True), ("epoch_begin", True), ("batch_begin", True), ("batch_end", True),
                    ("batch_begin", True), ("batch_end", True), ("test_begin", True), ("predict_begin", True)]


def test_custom_metric_creating_variables_after_super_init():
    class Positives(keras.metrics.Metric):
        def __init__(self, name="positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign(self.count + ops.sum(ops.cast(ops.greater(y_pred, 0.0), "float32")))

        def result(self):
            return self.count

        def reset_state(self):
            self.count.assign(0.0)

    metric = Positives()
    metric.update_state(None, keras.convert_to_tensor(np.array([1.0, -1.0, 2.0], "float32")))
    assert float(np.asarray(metric.result())) == 2.0
    metric.reset_state()
    assert float(np.asarray(metric.result())) == 0.0
    x, y = _xy(16)
    model = _dense_model()
    model.compile("sgd", "mse", metrics=[Positives()])
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert 0 <= logs["positives"] <= 16


def test_metric_attributes_are_tracked_in_model_metrics():
    class WithTracker(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(1)
            self.seen = keras.metrics.Sum(name="seen")

        def call(self, x):
            return self.dense(x)

    model = WithTracker()
    model.compile("sgd", "mse")
    assert model.metrics_names == ["loss", "seen"]
    model.seen.update_state(3.0)
    model.reset_metrics()
    assert model.seen.result() == 0.0


def test_fit_without_trainable_weights_warns():
    inp = keras.Input((4,))
    frozen = layers.Dense(1)
    model = keras.Model(inp, frozen(inp))
    frozen.trainable = False
    model.compile("sgd", "mse")
    x, y = _xy(8)
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        model.fit(x, y, verbose=0)


def test_supports_masking_layer_gets_mask_in_functional_graph():
    # The masking guide's TemporalSoftmax: its call needs the mask, symbolically too.
    seen = []

    class TemporalSoftmax(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None, "no mask passed"
            seen.append(np.asarray(mask).tolist())
            weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
            e = ops.exp(inputs) * weights
            return e / ops.sum(e, axis=1, keepdims=True)

    inp = keras.Input((None,), dtype="int32")
    x = layers.Embedding(5, 2, mask_zero=True)(inp)
    assert x._keras_mask is not None and x._keras_mask.shape == (None, None)
    out = TemporalSoftmax()(layers.Dense(1)(x))
    assert out._keras_mask is not None
    model = keras.Model(inp, out)
    seen.clear()
    y = model.predict(np.array([[1, 2, 0]]), verbose=0)
    assert seen == [[[True, True, False]]]
    np.testing.assert_allclose(y[0, 2, 0], 0.0)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)


def test_model_from_config_rebuilds_functional_with_custom_objects():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inp = keras.Input((3,))
    model = keras.Model(inp, Scale(3.0, name="scale")(layers.Dense(2, name="d")(inp)), name="m")
    rebuilt = keras.Model.from_config(model.get_config(), custom_objects={"Scale": Scale})
    assert [l.name for l in rebuilt.layers] == [l.name for l in model.layers]
    rebuilt.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_predict_over_several_batches_keeps_dict_outputs_by_name():
    inp = keras.Input((2,))
    model = keras.Model(inp, {"zeta": layers.Dense(1, kernel_initializer="zeros", bias_initializer="ones")(inp),
                              "alpha": layers.Dense(3, kernel_initializer="zeros")(inp)})
    preds = model.predict(np.ones((5, 2), "float32"), batch_size=2, verbose=0)
    assert list(preds) == ["zeta", "alpha"]
    assert preds["zeta"].shape == (5, 1) and preds["alpha"].shape == (5, 3)
    np.testing.assert_allclose(preds["zeta"], 1.0)


def test_explicit_training_argument_in_a_functional_graph_wins():
    # The transfer-learning guide: a base model called with training=False keeps its
    # BatchNormalization in inference mode while the outer model trains.
    base = keras.Sequential([keras.Input((3,)), layers.BatchNormalization()])
    inp = keras.Input((3,))
    model = keras.Model(inp, layers.Dense(1)(base(inp, training=False)))
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(5.0, 2.0, size=(16, 3)).astype("float32")
    model.fit(x, np.zeros((16, 1), "float32"), verbose=0)
    np.testing.assert_array_equal(np.array(base.layers[0].moving_mean), 0.0)
    inbound = [n for lc in model.get_config()["layers"] for n in lc.get("inbound_nodes", [])
               if lc["name"] == base.name]
    assert inbound[0]["kwargs"].get("training") is False


def test_on_train_end_gets_the_last_epoch_logs():
    ends = []

    class End(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            ends.append(dict(logs))

    x, y = _xy(16)
    model = _dense_model()
    model.compile("sgd", "mse")
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.5, verbose=0, callbacks=[End()])
    assert ends == [{k: v[-1] for k, v in history.history.items()}]


def test_evaluate_returns_a_custom_test_steps_values():
    class Custom(keras.Model):
        def test_step(self, data):
            x, y = data
            return {"zeta": 2.0, "alpha": 1.0}

    inp = keras.Input((4,))
    model = Custom(inp, layers.Dense(1)(inp))
    model.compile("sgd", "mse")
    x, y = _xy(8)
    assert model.evaluate(x, y, verbose=0) == [1.0, 2.0]  # keys outside metrics_names, sorted
    assert model.test_on_batch(x, y) == [1.0, 2.0]


def test_functional_subclass_with_its_own_constructor_round_trips():
    class Head(keras.Model):
        def __init__(self, units, **kwargs):
            inputs = keras.Input((3,))
            super().__init__(inputs, layers.Dense(units)(inputs), **kwargs)
            self.units = units

        def get_config(self):
            return {"units": self.units, "name": self.name}

    model = Head(4, name="head")
    rebuilt = Head.from_config(model.get_config())
    assert rebuilt.name == "head" and rebuilt.output_shape == (None, 4) and len(rebuilt.weights) == 2
