"""Lambda: wraps an arbitrary function as a layer."""

from __future__ import annotations

import base64
import marshal
import types

from lamina.layers.layer import Layer


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer.

    Args:
        function: the function to apply.
        output_shape: optional output shape (without batch) or a function of the input shape.
        arguments: optional keyword arguments passed to the function.

    Saving stores the function's bytecode; loading it back runs code from the file, so it is
    refused unless `safe_mode=False` is passed (as in Keras).
    """

    _requires_unsafe_deserialization = True

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.arguments = arguments or {}

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return self._spec_by_running(args, kwargs)
        return Layer.compute_output_spec(self, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return Layer.compute_output_shape(self, input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        code = base64.b64encode(marshal.dumps(self.function.__code__)).decode("ascii")
        return {**super().get_config(), "function": {"class_name": "__lambda__", "config": {"code": code, "defaults": None, "closure": None}},
                "output_shape": list(self._output_shape) if isinstance(self._output_shape, (list, tuple)) else None,
                "arguments": self.arguments}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        fn = config.pop("function")
        if isinstance(fn, str) and custom_objects and fn in custom_objects:
            fn = custom_objects[fn]
        elif isinstance(fn, dict) and fn.get("class_name") == "__lambda__":
            code = marshal.loads(base64.b64decode(fn["config"]["code"]))
            fn = types.FunctionType(code, globals())
        config.pop("function_type", None)
        config.pop("output_shape_type", None)
        config.pop("module", None)
        config.pop("output_shape_module", None)
        return cls(fn, **config)
