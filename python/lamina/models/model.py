"""Model: a Layer with training (compile/fit/evaluate/predict), saving and summary.

`Model(inputs, outputs)` builds a functional model; subclassing `Model` and writing
`call()` gives a subclassed model, as in Keras.
"""

from __future__ import annotations

import inspect
import json

from lamina.layers.layer import Layer
from lamina.models.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable group of layers, with training and inference (`compile`, `fit`,
    `evaluate`, `predict`) and saving.

    Two ways to make one, as in Keras: `Model(inputs, outputs)` on symbolic tensors from
    `lamina.Input` builds a functional model (a graph of layers: several inputs and outputs,
    shared layers); subclassing `Model` and writing `call` makes a model of any Python code.
    For a plain stack of layers, use `lamina.Sequential`.

    Args:
        inputs: for a functional model, the `Input` tensor(s): one, a list or a dict.
        outputs: for a functional model, the output tensor(s) computed from `inputs`.
        name: the model's name.
        trainable: whether the model's weights are updated by training.

    Example:
        inputs = lamina.Input(shape=(32,))
        outputs = lamina.layers.Dense(10, activation="softmax")(inputs)
        model = lamina.Model(inputs, outputs)

        class MyModel(lamina.Model):
            def __init__(self):
                super().__init__()
                self.dense = lamina.layers.Dense(10)

            def call(self, inputs, training=False):
                return self.dense(inputs)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            from lamina.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if _functional_init_arguments(args, kwargs) and not _is_functional(self):
            # `CustomModel(inputs, outputs)`: a Model subclass built like a functional model
            # becomes a subclass of Functional, as in Keras.
            from lamina.models.functional import Functional

            _inject_functional_model_class(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if type(self) is Model and (args or "inputs" in kwargs):
            raise TypeError("Model(inputs, outputs) needs both inputs and outputs")
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        Trainer.__init__(self)

    # ----------------------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name, or by position in `layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index")

    def quantize(self, mode: str, exclude=()) -> None:
        """Quantizes the model's Dense layers in place (Keras 3's `Model.quantize`; see `lamina.quantizers`)."""
        from lamina.quantizers import quantize_model

        quantize_model(self, mode, exclude=exclude)

    def summary(self, line_length: int | None = None, positions=None, print_fn=None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range=None) -> None:
        """Prints Keras' summary table: layers, output shapes, parameter counts, totals."""
        from lamina.models.summary import print_summary

        print_summary(self, line_length=line_length, print_fn=print_fn, show_trainable=show_trainable)

    # ----------------------------------------------------------------------------------------
    # config and saving

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuilds a model from `get_config()`: a functional config (name, layers,
        input_layers, output_layers) as a functional model, unless the class has its own
        `__init__` arguments; any other config is passed to the constructor.

        Args:
            config: the config dict.
            custom_objects: a dict of names to the custom classes or functions the config uses.
        """
        from lamina.models.functional import Functional

        is_functional_config = all(k in config for k in ("name", "layers", "input_layers", "output_layers"))
        spec = inspect.getfullargspec(cls.__init__)
        revivable = (cls in (Functional, Model) or spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]
                     or (spec.varargs == "args" and spec.varkw == "kwargs"))
        if is_functional_config and revivable:
            from lamina.saving.serialization import functional_from_config

            return functional_from_config(cls if cls is not Model else Functional, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Unable to revive model {cls.__name__} from config: its constructor does not take the "
                            f"config's items (override `get_config()` and `from_config()`). Received config={config}. "
                            f"Error: {e}") from e

    def to_json(self, **kwargs) -> str:
        """The model's architecture as Keras-style JSON."""
        from lamina.saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Saves architecture, weights and compile state: `.keras` (Keras 3 archive) or `.h5`."""
        from lamina.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def export(self, filepath, format: str = "tf_saved_model", verbose=None, input_signature=None, opset_version=None,
               **kwargs) -> None:
        """Exports the model for inference, as Keras 3's `Model.export`.

        Args:
            filepath: where to write the artifact.
            format: `"onnx"`, the one format lamina writes. The default is Keras' own,
                "tf_saved_model", which needs TensorFlow and so raises here.
            verbose: print where the file was written.
            input_signature: not supported; the model's own input shapes (batch dynamic) are used.
            opset_version: the ONNX opset (default 18).
        """
        from lamina.export import export_onnx

        if format != "onnx":
            raise ValueError(f"Model.export: format={format!r} is not available in lamina; pass format='onnx'")
        if input_signature is not None or kwargs:
            raise ValueError(f"Model.export: input_signature and {sorted(kwargs)} are not supported by lamina's ONNX "
                             "export; the model's own input shapes are used")
        export_onnx(self, filepath, opset=18 if opset_version is None else int(opset_version))
        if verbose:
            print(f"Saved the model to ONNX at '{filepath}'.")

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Saves the weights to a `.weights.h5` file (Keras 3 layout)."""
        from lamina.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Loads weights saved by `save_weights` (or by Keras)."""
        from lamina.saving import saving_api

        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)



def _functional_init_arguments(args: tuple, kwargs: dict) -> bool:
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _is_functional(model) -> bool:
    from lamina.models.functional import Functional

    return isinstance(model, Functional)


def _inject_functional_model_class(cls):
    """Puts Functional in place of Model among the bases of `cls` and its ancestors."""
    from lamina.models.functional import Functional

    if cls is Model:
        return Functional
    if cls is object or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(_inject_functional_model_class(base) for base in cls.__bases__)
    return cls
