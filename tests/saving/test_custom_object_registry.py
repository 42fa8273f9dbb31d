"""keras.saving.get_custom_objects() and custom_object_scope(), the two ways besides
custom_objects= that keras-io's serialization guide loads custom objects with (semantics read
from keras/src/saving/object_registration.py and serialization_lib.py)."""

import numpy as np
import pytest

import lamina as keras


class _Scale(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _square(x):
    return x**2


def _saved_model(path):
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, activation=_square)(_Scale(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.save(path)
    return model


def test_custom_object_scope_resolves_classes_and_functions_only_inside(tmp_path):
    path = str(tmp_path / "m.keras")
    model = _saved_model(path)
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    with pytest.raises(Exception, match="_Scale"):
        keras.models.load_model(path)
    with keras.saving.custom_object_scope({"_Scale": _Scale, "_square": _square}):
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(Exception, match="_Scale"):
        keras.models.load_model(path)


def test_custom_objects_argument_reaches_a_layers_activation_function(tmp_path):
    # Keras rebuilds each object inside a scope of custom_objects, so Dense(activation=fn)
    # finds an unregistered fn given only to load_model.
    path = str(tmp_path / "m.keras")
    model = _saved_model(path)
    loaded = keras.models.load_model(path, custom_objects={"_Scale": _Scale, "_square": _square})
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_get_custom_objects_is_the_live_registry(tmp_path):
    registry = keras.saving.get_custom_objects()
    assert registry is keras.saving.get_custom_objects()

    @keras.saving.register_keras_serializable(package="RegistryTest")
    class Registered(_Scale):
        pass

    assert registry["RegistryTest>Registered"] is Registered
    path = str(tmp_path / "m.keras")
    model = _saved_model(path)
    registry["_Scale"], registry["_square"] = _Scale, _square  # added by hand, as Keras allows
    try:
        loaded = keras.models.load_model(path)
        x = np.ones((2, 4), "float32")
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    finally:
        for key in ("_Scale", "_square", "RegistryTest>Registered"):
            registry.pop(key, None)


def test_layers_serialize_round_trips_a_registered_layer_holding_a_layer():
    # The guide's MyDense: a registered layer whose config holds a regularizer, an initializer
    # name and another MyDense; keras.layers.serialize / deserialize must round-trip it.
    @keras.saving.register_keras_serializable(package="MyLayers", name="KernelMultTest")
    class MyDense(keras.layers.Layer):
        def __init__(self, units, *, kernel_regularizer=None, kernel_initializer=None, nested_model=None, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = units
            self.kernel_regularizer = kernel_regularizer
            self.kernel_initializer = kernel_initializer
            self.nested_model = nested_model

        def get_config(self):
            return {**super().get_config(), "units": self.hidden_units, "kernel_regularizer": self.kernel_regularizer,
                    "kernel_initializer": self.kernel_initializer, "nested_model": self.nested_model}

    try:
        inner = MyDense(16, kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4), kernel_initializer="ones")
        config = keras.layers.serialize(MyDense(64, nested_model=inner))
        assert config["class_name"] == "MyDense" and config["registered_name"] == "MyLayers>KernelMultTest"
        assert config == keras.saving.serialize_keras_object(MyDense(64, nested_model=inner, name=config["config"]["name"]))
        back = keras.layers.deserialize(config)
        assert isinstance(back, MyDense) and back.hidden_units == 64
        # As in Keras, the default from_config hands nested configs to __init__ as dicts.
        assert back.nested_model == keras.layers.serialize(inner)
        inner_back = keras.layers.deserialize(back.nested_model)
        assert isinstance(inner_back, MyDense) and inner_back.hidden_units == 16
        assert inner_back.kernel_regularizer == keras.saving.serialize_keras_object(inner.kernel_regularizer)
    finally:
        keras.saving.get_custom_objects().pop("MyLayers>KernelMultTest", None)
