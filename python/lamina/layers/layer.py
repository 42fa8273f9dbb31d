"""The Layer base class: lazy build, weights, tracking of sublayers, config, masking, the
training flag, symbolic calls for functional models, and losses from add_loss."""

from __future__ import annotations

import inspect
import threading
from typing import Any

import numpy as np

from lamina import _core
from lamina import config as lconfig
from lamina.layers.symbolic import KerasTensor, Node, any_symbolic, flatten, map_structure

_Tensor = _core.Tensor


class _ContextSlot(threading.local):
    """The call context of the current thread (None outside any layer call)."""

    ctx = None


_context = _ContextSlot()


class _CallContext:
    """State shared by nested layer calls: the training flag and the losses added."""

    __slots__ = ("training", "losses", "entry")

    def __init__(self, training, entry):
        self.training = training
        self.losses = []
        self.entry = entry


def _current_context():
    return _context.ctx


def _shape_tuple(shape) -> tuple | None:
    if shape is None:
        return None
    if isinstance(shape, int):
        return (shape,)
    return tuple(None if d is None else int(d) for d in shape)


def _shape_of(x) -> tuple:
    return tuple(x.shape)


class Layer:
    """Base class of every layer.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name; unique names (`dense`, `dense_1`, ...) by default.
        dtype: the dtype of the weights and computations (default "float32").
        input_shape / batch_input_shape / batch_size / input_dim: in a Sequential model, the
            first layer may declare its input shape this way, as in Keras.

    Subclasses implement `build(input_shape)` (create weights with `add_weight`) and
    `call(inputs, ...)`; optionally `compute_output_shape` and `get_config`. Calling a layer on
    a tensor or array runs it eagerly in the engine; calling it on a symbolic `Input` adds it to
    a functional graph. `build` runs on the first call, with the input's shape.

    Raises:
        ValueError: when called on inputs whose shape or rank the layer cannot take (the
            message names the layer and the shapes).

    Example:
        class Scale(lamina.layers.Layer):
            def build(self, input_shape):
                self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

            def call(self, inputs):
                return lamina.ops.multiply(inputs, self.scale)

        y = Scale()(np.ones((2, 3), "float32"))
    """

    # True on layers whose `call(inputs)` is all their `__call__` does once built, for a plain
    # tensor with no mask: no training flag, no mask, no add_loss in call. Sequential then calls
    # `call` directly, skipping ~1.4 us of bookkeeping per layer (model(x) latency). A subclass
    # that overrides `call` or `__call__` is not lean unless it says so itself.
    _lean_call = False
    supports_masking = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_lean_call" not in cls.__dict__ and ("call" in cls.__dict__ or "__call__" in cls.__dict__):
            cls._lean_call = False

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None, **kwargs):
        self._init_tracking()
        batch_input_shape = kwargs.pop("batch_input_shape", None) or kwargs.pop("batch_shape", None)
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("autocast", None)
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}")
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = _shape_tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + _shape_tuple(input_shape)
        else:
            self._batch_input_shape = None
        self.name = name or lconfig.unique_name(lconfig.to_snake_case(type(self).__name__))
        self._dtype = _dtype_name(dtype)
        self._trainable = trainable
        self.built = False
        self._activity_regularizer = None
        if activity_regularizer is not None:
            from lamina import regularizers

            self._activity_regularizer = regularizers.get(activity_regularizer)
        sig = inspect.signature(self.call).parameters
        self._call_has_training = "training" in sig
        self._call_has_mask = "mask" in sig
        self._overrides_compute_mask = type(self).compute_mask is not Layer.compute_mask

    def _init_tracking(self):
        # object.__setattr__ avoids the tracking hook while the lists do not exist yet.
        object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_trainable_variables", [])
        object.__setattr__(self, "_non_trainable_variables", [])
        object.__setattr__(self, "_inbound_nodes", [])
        object.__setattr__(self, "_call_losses", [])
        object.__setattr__(self, "_metrics", [])

    def __setattr__(self, name: str, value: Any) -> None:
        # Sublayers assigned to public attributes (or in lists there) are tracked for weights
        # and saving; private attributes hold references the layer does not own.
        # Metrics assigned to attributes are tracked too (they join `model.metrics`).
        if not name.startswith("_"):
            layers = self.__dict__.get("_layers")
            if layers is not None:
                for v in value if isinstance(value, (list, tuple)) else (value,):
                    if isinstance(v, Layer) and v is not self and v not in layers:
                        layers.append(v)
                        _invalidate_weight_caches()
                    elif isinstance(v, _metric_class()) and v not in self._metrics:
                        self._metrics.append(v)
        object.__setattr__(self, name, value)

    # ----------------------------------------------------------------------------------------
    # dtype and trainability

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        self._trainable = value
        for layer in self._layers:
            layer.trainable = value
        _invalidate_weight_caches()

    @property
    def input_spec(self):
        return getattr(self, "_input_spec", None)

    @input_spec.setter
    def input_spec(self, value):
        object.__setattr__(self, "_input_spec", value)

    # ----------------------------------------------------------------------------------------
    # weights

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable: bool = True, regularizer=None,
                   constraint=None, name: str | None = None, **kwargs) -> _core.Variable:
        """Creates a weight Variable of this layer.

        Args:
            shape: the weight's shape (default scalar).
            initializer: an initializer instance, name ("glorot_uniform", "zeros", ...) or
                callable `(shape, dtype)`; default "glorot_uniform" for floats, "zeros" else.
            dtype: default the layer's dtype.
            trainable: whether training updates it.
            regularizer: a regularizer whose penalty joins `layer.losses`.
            constraint: a function applied to the weight after each optimizer update.
            name: the weight's name (e.g. "kernel").
        """
        from lamina import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _dtype_name(dtype) if dtype is not None else self._dtype
        if _VARIABLE_STORES:  # inside an Estimator's model_fn: the k-th weight of every call is the same one
            var = _VARIABLE_STORES[-1].reuse(shape, dtype)
            if var is not None:
                (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
                _invalidate_weight_caches()
                return var
        if initializer is None:
            initializer = "glorot_uniform" if dtype.startswith("float") else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype)
        var = _core.Variable(value, dtype=dtype, trainable=trainable, name=name or "variable")
        var.regularizer = regularizers.get(regularizer) if regularizer is not None else None
        var.constraint = constraints.get(constraint) if constraint is not None else None
        var.path = f"{self.name}/{var.name}"
        var._owner = self
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        if _VARIABLE_STORES:
            _VARIABLE_STORES[-1].created(var)
        _invalidate_weight_caches()
        return var

    def add_variable(self, shape, initializer, dtype=None, trainable: bool = True, autocast: bool = True,
                     regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient: bool = False,
                     name: str | None = None) -> _core.Variable:
        """Keras 3's name for `add_weight` (shape and initializer first)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               regularizer=regularizer, constraint=constraint, name=name)

    @property
    def path(self) -> str:
        """The layer's path (its name: lamina layers are not nested in name scopes)."""
        return self.name

    @property
    def input_dtype(self) -> str:
        """The dtype inputs are cast to (the compute dtype)."""
        return self._dtype

    @property
    def metrics_variables(self) -> list:
        """The state variables of the metrics this layer tracks."""
        return [v for m in self.metrics for v in m.variables]

    def build_from_config(self, config: dict) -> None:
        """Builds the layer from `get_build_config()` (its input shape)."""
        if config and config.get("input_shape") is not None:
            self.build(config["input_shape"])
            self.built = True

    @property
    def variables(self) -> list:
        seen, out = set(), []
        for v in self._trainable_variables + self._non_trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self) -> list:
        """Every weight: this layer's own (trainable first), then its sublayers'."""
        return self.variables

    @property
    def trainable_weights(self) -> list:
        if not self._trainable:
            return []
        seen, out = set(), []
        for v in self._trainable_variables:
            if v.trainable and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self) -> list:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as numpy arrays (copies), in `weights` order."""
        return [np.array(v) for v in self.weights]

    def set_weights(self, weights: list) -> None:
        """Sets the weights from numpy arrays in `weights` order; shapes must match."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}' expects {len(params)} weights ({[tuple(p.shape) for p in params]}), "
                f"but {len(weights)} were given"
            )
        arrays = [np.asarray(w) for w in weights]
        for p, a in zip(params, arrays):
            if tuple(p.shape) != tuple(a.shape):
                raise ValueError(
                    f"Layer '{self.name}': weight '{p.name}' has shape {tuple(p.shape)}, "
                    f"the value given has shape {tuple(a.shape)}"
                )
        for p, a in zip(params, arrays):
            p.assign(a)

    @property
    def metrics(self) -> list:
        """The metrics tracked by this layer and its sublayers (Metric attributes)."""
        out = list(self._metrics)
        for layer in self._layers:
            out.extend(layer.metrics)
        return out

    def stateless_call(self, trainable_variables: list, non_trainable_variables: list, *args,
                       return_losses: bool = False, **kwargs):
        """Calls the layer with the given variable values, leaving its variables unchanged.

        Args:
            trainable_variables: values for `self.trainable_variables`, in that order.
            non_trainable_variables: values for `self.non_trainable_variables`, in that order.
            *args, **kwargs: the arguments of the call.
            return_losses: also return the losses added during the call.

        Returns:
            `(outputs, non_trainable_variables)` with the non-trainable values after the call
            (e.g. updated BatchNormalization statistics), plus the losses when `return_losses`.
        """
        if not self.built:
            raise ValueError(f"To call stateless_call, {type(self).__name__} must be built (i.e. its variables must "
                             "have been already created). You can build it by calling it on some data.")
        for given, own, what in ((trainable_variables, self.trainable_variables, "trainable_variables"),
                                 (non_trainable_variables, self.non_trainable_variables, "non_trainable_variables")):
            if len(given) != len(own):
                raise ValueError(f"Argument `{what}` must be a list of tensors corresponding 1:1 to "
                                 f"{type(self).__name__}().{what}. Received list with length {len(given)}, "
                                 f"but expected {len(own)} variables.")
        variables = self.trainable_variables + self.non_trainable_variables
        saved = [np.array(v) for v in variables]
        try:
            for v, value in zip(variables, list(trainable_variables) + list(non_trainable_variables)):
                v.assign(np.asarray(value))
            outputs = self(*args, **kwargs)
            new_non_trainable = [_core.convert_to_tensor(np.array(v)) for v in self.non_trainable_variables]
            losses = list(self.losses)
        finally:
            for v, value in zip(variables, saved):
                v.assign(value)
        return (outputs, new_non_trainable, losses) if return_losses else (outputs, new_non_trainable)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call count_params on layer '{self.name}', but the layer isn't built.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # ----------------------------------------------------------------------------------------
    # building and calling

    def build(self, input_shape) -> None:
        self.built = True

    def _maybe_build(self, args: tuple) -> None:
        if self.built:
            return
        first = args[0] if args else None
        shapes = map_structure(_shape_of, first) if first is not None else None
        self.build(shapes)
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, *args, **kwargs):
        # Kept lean: this runs once per layer per eager call, so model(x) latency is mostly here.
        first = type(args[0]) if len(args) == 1 else None
        plain_kwargs = not kwargs or not _is_symbolic_call((), kwargs)
        if first in _TENSOR_TYPES and plain_kwargs:
            in_mask = args[0]._keras_mask
        elif first is np.ndarray and plain_kwargs:
            args = (_array_to_tensor(args[0], self._dtype),)
            in_mask = None
        elif _is_symbolic_call(args, kwargs):
            return self._symbolic_call(args, kwargs)
        else:
            args = tuple([a if type(a) in _TENSOR_TYPES else _to_tensor_structure(a, self._dtype) for a in args])
            in_mask = _mask_of(args[0]) if args else None
        ctx = _context.ctx
        entry = ctx is None
        training = kwargs.get("training")
        if entry:
            ctx = _context.ctx = _CallContext(training, self)
        elif training is None:
            training = ctx.training
        try:
            if not self.built:
                self._maybe_build(args)
            if self._call_has_training:
                kwargs["training"] = bool(training) if training is not None else False
            elif "training" in kwargs:
                del kwargs["training"]
            if self._call_has_mask:
                if in_mask is not None and kwargs.get("mask") is None:
                    kwargs["mask"] = in_mask
                in_mask = kwargs.get("mask")
            elif "mask" in kwargs:
                del kwargs["mask"]
            outputs = self.call(*args, **kwargs)
            if self._overrides_compute_mask or (in_mask is not None and self.supports_masking):
                _attach_mask(outputs, self.compute_mask(args[0] if len(args) == 1 else list(args), in_mask))
            if self._activity_regularizer is not None:
                for o in flatten(outputs):
                    self.add_loss(_core.divide(self._activity_regularizer(o), float(o.shape[0] or 1)))
            return outputs
        finally:
            if entry:
                _context.ctx = None
                if ctx.losses or self._call_losses:
                    _store_call_losses(self, ctx.losses)

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs; by default the input mask passes through for layers that
        `supports_masking`, and is dropped otherwise."""
        return previous_mask if self.supports_masking else None

    # ----------------------------------------------------------------------------------------
    # symbolic (functional API)

    def _symbolic_call(self, args: tuple, kwargs: dict):
        first = args[0] if args else None
        if not self.built:
            shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, first) if first is not None else None
            self.build(shapes)
            self.built = True
        # An explicit `training=` in a functional graph (a frozen base called with
        # training=False) stays with the node and wins over the model's flag, as in Keras.
        training = kwargs.pop("training", None)
        in_mask = _symbolic_mask_of(first)
        if self._call_has_mask and in_mask is not None and kwargs.get("mask") is None:
            kwargs["mask"] = in_mask  # a mask spec: shape inference runs the call with ones
        outputs_spec = self.compute_output_spec(*args, **kwargs)
        flat_specs = flatten(outputs_spec)
        node_index = len(self._inbound_nodes)
        outputs_flat = []
        for i, spec in enumerate(flat_specs):
            kt = KerasTensor(spec.shape, spec.dtype, name=f"{self.name}_output" if len(flat_specs) == 1 else f"{self.name}_output_{i}",
                             history=(self, node_index, i))
            outputs_flat.append(kt)
        it = iter(outputs_flat)
        outputs = map_structure(lambda _: next(it), outputs_spec)
        # The node keeps the call's own arguments: at run time the mask comes with the tensors.
        node_kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is in_mask)}
        if training is not None:
            node_kwargs["training"] = training
        self._inbound_nodes.append(Node(self, args, node_kwargs, outputs_flat))
        out_mask = self._symbolic_output_mask(first, kwargs.get("mask", in_mask))
        if out_mask is not None:
            masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outputs_flat)
            for kt, m in zip(outputs_flat, masks):
                kt._keras_mask = m
        return outputs

    def _symbolic_output_mask(self, first, in_mask):
        """The mask spec (a bool KerasTensor outside the graph) of a symbolic call's outputs, as
        Keras attaches one to each KerasTensor: what `compute_mask` gives, computed on concrete
        stand-ins when the layer defines it."""
        if not self._overrides_compute_mask:
            return in_mask if self.supports_masking else None
        runs = []
        for fill in (2, 3):
            concrete = map_structure(lambda t: _zeros_like_spec(t, fill) if isinstance(t, KerasTensor) else t, first)
            mask = map_structure(lambda m: _ones_mask_like_spec(m, fill) if isinstance(m, KerasTensor) else m, in_mask)
            with _core_no_record():
                runs.append(self.compute_mask(concrete, mask))
        if runs[0] is None:
            return None
        merged = map_structure_pair(lambda a, b: None if a is None else _merge_spec(a, b), runs[0], runs[1])
        return map_structure(lambda sp: None if sp is None else KerasTensor(sp.shape, "bool"), merged)

    def compute_output_spec(self, *args, **kwargs):
        """Shapes and dtypes of the outputs for symbolic inputs: from `compute_output_shape`
        when the layer defines it, else by running the layer (see `_spec_by_running`)."""
        first = args[0] if args else None
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = self.compute_output_shape(map_structure(lambda t: t.shape, first))
            return _specs_from_shapes(shapes, self.compute_dtype or "float32")
        return self._spec_by_running(args, kwargs)

    def _spec_by_running(self, args, kwargs):
        """Runs `call` on zeros twice, with unknown sizes set to 2 and to 3, and marks the output
        sizes that differ between the runs as unknown (a symbolic mask becomes all True)."""
        runs = []
        for fill in (2, 3):
            c_args = map_structure(lambda t: _zeros_like_spec(t, fill) if isinstance(t, KerasTensor) else t, args)
            c_kwargs = {k: map_structure(lambda t: _concrete_stand_in(t, fill, k == "mask"), v) for k, v in kwargs.items()}
            if self._call_has_training:
                c_kwargs = dict(c_kwargs, training=False)
            ctx = _CallContext(False, self)
            prev = _current_context()
            _context.ctx = ctx
            try:
                with _core_no_record():
                    out = self.call(*c_args, **c_kwargs)
            finally:
                _context.ctx = prev
            runs.append(out)
        return map_structure_pair(_merge_spec, runs[0], runs[1])

    def compute_output_shape(self, input_shape):
        spec = self._spec_by_running((KerasTensor(input_shape, self.compute_dtype),), {})
        return map_structure(lambda s: s.shape, spec)

    # ----------------------------------------------------------------------------------------
    # graph information (functional API)

    def _node_tensor(self, attr: str, node_index: int):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined {attr}.")
        node = self._inbound_nodes[node_index]
        if attr == "input":
            return node.input_tensors[0] if len(node.input_tensors) == 1 else node.input_tensors
        return node.outputs[0] if len(node.outputs) == 1 else node.outputs

    @property
    def input(self):
        return self._node_tensor("input", 0)

    @property
    def output(self):
        return self._node_tensor("output", 0)

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self.output)

    # ----------------------------------------------------------------------------------------
    # losses

    def add_loss(self, loss) -> None:
        """Adds a loss tensor (e.g. an activity regularization term) to this layer's losses."""
        ctx = _current_context()
        if ctx is not None:
            ctx.losses.append((self, loss))
        else:
            self._call_losses.append(loss)

    def add_metric(self, *args, **kwargs):
        """Removed in Keras 3, as here: raises with the replacement to use."""
        raise NotImplementedError(
            f"Layer '{self.name}': `add_metric()` was removed in Keras 3. Add your metric in "
            "`Model.compile(metrics=[...])`, or create metric trackers in __init__() or build() and "
            "call `metric.update_state()` whenever necessary."
        )

    @property
    def losses(self) -> list:
        """Losses added during the last call, then the weight regularization penalties."""
        # The outermost layer of a call also holds its sublayers' losses of that call: each
        # loss tensor counts once.
        layers, regularized = self._loss_sources()
        out, seen = [], set()
        for layer in layers:
            for loss in layer._call_losses:
                if id(loss) not in seen:
                    seen.add(id(loss))
                    out.append(loss)
        out.extend(v.regularizer(v) for v in regularized)
        return out

    def _loss_sources(self) -> tuple:
        """This layer with its sublayers, and the trainable weights with a regularizer; cached
        until weights, sublayers or trainability change (the trainer asks every step)."""
        cache = self.__dict__.get("_loss_sources_cache")
        if cache is None or cache[0] != _weight_cache_version[0]:
            regularized = [v for v in self.weights if getattr(v, "regularizer", None) is not None and v.trainable]
            cache = (_weight_cache_version[0], self._flatten_layers(include_self=True), regularized)
            object.__setattr__(self, "_loss_sources_cache", cache)
        return cache[1], cache[2]

    def _cached_flat_layers(self) -> list:
        """`_flatten_layers()` (this layer first), cached until sublayers or weights change."""
        return self._loss_sources()[0]

    def _flatten_layers(self, include_self: bool = True) -> list:
        out, stack, seen = [], [self] if include_self else list(reversed(self._layers)), set()
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    # ----------------------------------------------------------------------------------------
    # config

    def get_config(self) -> dict:
        """Keras-compatible config: the constructor arguments that rebuild this layer."""
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype}
        if self._batch_input_shape is not None:
            cfg["batch_input_shape"] = list(self._batch_input_shape)
        if self._activity_regularizer is not None:
            from lamina import regularizers

            cfg["activity_regularizer"] = regularizers.serialize(self._activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def get_build_config(self) -> dict | None:
        shape = getattr(self, "_build_input_shape", None)
        return {"input_shape": shape} if shape is not None else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ------------------------------------------------------------------------------------------------
# helpers

def _dtype_name(dtype) -> str:
    if dtype is None:
        return lconfig.floatx()
    if isinstance(dtype, dict):  # a Keras 3 DTypePolicy config
        return _dtype_name(dtype.get("config", {}).get("name", "float32"))
    name = getattr(dtype, "name", dtype)
    name = str(np.dtype(name).name) if not isinstance(name, str) else name
    if name.startswith("mixed_"):
        return "float32"
    return name


# Argument types that are already concrete tensors (checked by exact type: the hot path of an
# eager call tests each argument against this set before anything slower).
_TENSOR_TYPES = frozenset({_Tensor, _core.Variable})

# Variable stores of the model_fn calls running now (lamina.estimators.model_fn.VariableStore):
# TF1's variable reuse, which lets a model_fn build its layers again at every step.
_VARIABLE_STORES: list = []
# Argument types that can never hold a symbolic tensor.
_PLAIN_TYPES = _TENSOR_TYPES | {np.ndarray, bool, int, float, str, type(None)}


def _is_lean(layer: Layer) -> bool:
    """Whether calling `layer.call(x)` on a plain unmasked tensor does all `layer(x)` would
    (see `Layer._lean_call`)."""
    return layer.built and layer._lean_call and layer._activity_regularizer is None and not layer._overrides_compute_mask


def _store_call_losses(entry: Layer, losses: list) -> None:
    """After an outermost call: the entry layer holds every loss added during it, and each
    sublayer that added losses holds its own."""
    entry._call_losses = [loss for _, loss in losses]
    for layer, loss in losses:
        if layer is not entry:
            layer._call_losses = [l for lay, l in losses if lay is layer]


def _is_symbolic_call(args: tuple, kwargs: dict) -> bool:
    """Whether any argument holds a KerasTensor (a functional-API call)."""
    for a in args:
        if type(a) not in _PLAIN_TYPES and any_symbolic(a):
            return True
    for v in kwargs.values():
        if type(v) not in _PLAIN_TYPES and any_symbolic(v):
            return True
    return False


def _array_to_tensor(x: np.ndarray, float_dtype: str):
    if x.dtype.kind == "f":
        # Comparing a numpy dtype with a name parses the name: look the dtype up instead.
        wanted = _FLOAT_DTYPES.get(float_dtype)
        if wanted is not None and x.dtype != wanted:
            x = x.astype(wanted)
    return _core.convert_to_tensor(x)


_FLOAT_DTYPES = {name: np.dtype(name) for name in ("float16", "float32", "float64")}


def _to_tensor_structure(x, float_dtype: str):
    """numpy inputs to tensors; float arrays take the layer's float dtype, as Keras casts them."""
    if isinstance(x, _Tensor) or x is None:
        return x
    if isinstance(x, np.ndarray):
        return _array_to_tensor(x, float_dtype)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_tensor_structure(v, float_dtype) for v in x)
    if isinstance(x, dict):
        return {k: _to_tensor_structure(v, float_dtype) for k, v in x.items()}
    if isinstance(x, (bool, int, float, str)):
        return x
    return x


def _mask_of(x):
    if isinstance(x, _Tensor):
        return x._keras_mask
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], _Tensor):
        masks = [t._keras_mask for t in x]
        return masks if any(m is not None for m in masks) else None
    return None


def _attach_mask(outputs, mask):
    if isinstance(outputs, _Tensor):
        outputs._keras_mask = mask
    elif isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for o, m in zip(outputs, masks):
            if isinstance(o, _Tensor):
                o._keras_mask = m


def _symbolic_mask_of(x):
    if isinstance(x, KerasTensor):
        return x._keras_mask
    if isinstance(x, (list, tuple)) and x and all(isinstance(t, KerasTensor) for t in x):
        masks = [t._keras_mask for t in x]
        return masks if any(m is not None for m in masks) else None
    return None


def _concrete_stand_in(t, fill: int, is_mask: bool):
    if not isinstance(t, KerasTensor):
        return t
    return _ones_mask_like_spec(t, fill) if is_mask else _zeros_like_spec(t, fill)


def _ones_mask_like_spec(t: KerasTensor, fill: int):
    shape = tuple(fill if d is None else d for d in t.shape)
    return _core.convert_to_tensor(np.ones(shape, dtype=bool))


def _zeros_like_spec(t: KerasTensor, fill: int):
    shape = tuple(fill if d is None else d for d in t.shape)
    return _core.convert_to_tensor(np.zeros(shape, dtype=t.dtype))


class _Spec:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = dtype


def _merge_spec(a, b) -> _Spec:
    """Spec of an output seen in two runs (a Tensor or _Spec each)."""
    shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
    return _Spec(shape, a.dtype)


def map_structure_pair(fn, a, b):
    if isinstance(a, (list, tuple)):
        return type(a)(map_structure_pair(fn, x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: map_structure_pair(fn, a[k], b[k]) for k in a}
    return fn(a, b)


def _specs_from_shapes(shapes, dtype):
    if isinstance(shapes, tuple) and (len(shapes) == 0 or not isinstance(shapes[0], (tuple, list, dict))):
        return _Spec(shapes, dtype)
    if isinstance(shapes, list) and shapes and all(isinstance(s, (int, type(None))) for s in shapes):
        return _Spec(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _specs_from_shapes(v, dtype) for k, v in shapes.items()}
    return [_specs_from_shapes(s, dtype) for s in shapes]


class _core_no_record:
    """Runs shape inference without recording on any active tape."""

    def __enter__(self):
        _core.pause_recording()

    def __exit__(self, *exc):
        _core.resume_recording()


_metric_class_slot = []


def _metric_class():
    if not _metric_class_slot:
        from lamina.metrics.metric import Metric  # lamina.metrics imports the layers package

        _metric_class_slot.append(Metric)
    return _metric_class_slot[0]


_weight_cache_version = [0]


def _invalidate_weight_caches() -> None:
    _weight_cache_version[0] += 1


def weight_cache_version() -> int:
    """Bumped whenever weights are added or trainability changes (models cache weight lists)."""
    return _weight_cache_version[0]
