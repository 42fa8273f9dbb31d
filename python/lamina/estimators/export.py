"""Exporting a trained canned Estimator: as an equivalent lamina functional model (one input
per numeric feature column), which `lamina.export.to_onnx` writes to ONNX and
`Estimator.export_saved_model` saves into a versioned directory that `lamina serve` loads.

Only numeric columns (without a `normalizer_fn`, which is Python code) export; any other column
raises an error naming it, since its lookup (vocabulary, hashing, crossing) has no exact
counterpart in the exported model.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from lamina.export.onnx_graph import ExportError
from lamina.feature_column.numeric import NumericColumn


@dataclass
class ServingInputReceiver:
    """TF's `ServingInputReceiver`: the features the model reads and the tensors a request feeds
    (here the same: one input per raw feature)."""

    features: dict
    receiver_tensors: dict


def build_raw_serving_input_receiver_fn(features: dict, default_batch_size: int | None = None):
    """TF's `build_raw_serving_input_receiver_fn`: requests feed the raw features directly.

    Args:
        features: {feature name: an example array, or its per-example shape as a tuple}.
        default_batch_size: accepted for TF's signature; the batch stays dynamic.

    Returns:
        A function returning a `ServingInputReceiver` of lamina Inputs.
    """
    import lamina as lm

    def receiver_fn():
        inputs = {}
        for name, spec in features.items():
            shape = tuple(spec) if isinstance(spec, tuple) else tuple(np.shape(spec))[1:]
            inputs[name] = lm.Input(shape=shape or (1,), name=name)
        return ServingInputReceiver(inputs, inputs)

    return receiver_fn


def _column_error(column, why: str) -> ExportError:
    return ExportError(f"feature column '{column.name}' ({type(column).__name__}) cannot be exported: {why}")


def _numeric_columns(network) -> list:
    columns = []
    for part in network.parts.values():
        plan = getattr(part, "plan", None)
        if plan is None:
            raise ExportError(f"a {type(part).__name__} part reads no features, so it has no model inputs to export")
        for c in plan.embeddings + plan.categorical:
            raise _column_error(c, "only numeric columns export; a categorical lookup has no exact ONNX "
                                   "equivalent here")
        for c in plan.dense:
            if not isinstance(c, NumericColumn):
                raise _column_error(c, "only numeric columns export")
            if c.normalizer_fn is not None:
                raise _column_error(c, "its normalizer_fn is Python code")
            if c not in columns:
                columns.append(c)
    return columns


def estimator_model(estimator, receiver: ServingInputReceiver | None = None):
    """The estimator's trained model as a lamina functional model: inputs named by the numeric
    columns' keys, outputs the head's numeric predictions ("predictions" for regressors;
    "logits", "probabilities" and, for binary classifiers, "logistic")."""
    import lamina as lm
    from lamina import layers
    from lamina.estimators.estimator import PREDICT
    from lamina.estimators.heads import BinaryClassHead, RegressionHead
    from lamina.estimators.network import DNNLogits, LinearLogits

    runtime = estimator._ready_runtime(PREDICT)
    network = runtime.network
    columns = _numeric_columns(network)
    given = receiver.features if receiver is not None else {}
    inputs = {}
    for c in columns:
        if given and c.key not in given:
            raise ExportError(f"the serving input receiver has no feature '{c.key}' (it has {sorted(given)})")
        inputs[c.key] = given[c.key] if c.key in given else lm.Input(shape=c.shape, name=c.key)
        width = int(np.prod(inputs[c.key].shape[1:]))
        if width != int(np.prod(c.shape)):
            raise ExportError(f"feature '{c.key}' has shape {inputs[c.key].shape[1:]} in the serving receiver, but its "
                              f"column has shape {c.shape}")

    def dense_input(plan):
        flat = [layers.Flatten()(inputs[c.key]) for c in plan.dense]
        return flat[0] if len(flat) == 1 else layers.Concatenate()(flat)

    logits = []
    for part in network.parts.values():
        x = dense_input(part.plan)
        if isinstance(part, LinearLogits):
            kernel = np.concatenate([np.asarray(k) for k in part._kernels])
            logits.append(_dense(x, kernel, np.asarray(part.bias), None))
        elif isinstance(part, DNNLogits):
            for dense, norm in zip(part.hidden, part.norms):
                x = _dense(x, np.asarray(dense.kernel), np.asarray(dense.bias), dense.activation)
                if norm is not None:
                    bn = layers.BatchNormalization(epsilon=norm.epsilon)
                    x = bn(x)
                    bn.set_weights(norm.get_weights())
            logits.append(_dense(x, np.asarray(part.logits.kernel), np.asarray(part.logits.bias), None))
    total = logits[0] if len(logits) == 1 else layers.Add()(logits)
    head = runtime.spec.head
    if isinstance(head, RegressionHead):
        outputs = {"predictions": layers.Identity(name="predictions")(total)}
    elif isinstance(head, BinaryClassHead):
        logistic = layers.Activation("sigmoid", name="logistic")(total)
        # [1 - p, p] as one exact affine map of p.
        probabilities = _dense(logistic, np.array([[-1.0, 1.0]], "float32"), np.array([1.0, 0.0], "float32"), None,
                               name="probabilities")
        outputs = {"logits": layers.Identity(name="logits")(total), "logistic": logistic,
                   "probabilities": probabilities}
    else:
        outputs = {"logits": layers.Identity(name="logits")(total),
                   "probabilities": layers.Activation("softmax", name="probabilities")(total)}
    return lm.Model([inputs[c.key] for c in columns], list(outputs.values()), name=type(estimator).__name__)


def _dense(x, kernel, bias, activation, name=None):
    from lamina import layers

    dense = layers.Dense(kernel.shape[1], activation=activation, name=name)
    y = dense(x)
    dense.set_weights([kernel.astype("float32"), bias.astype("float32")])
    return y


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                       checkpoint_path=None, experimental_mode="infer") -> str:
    """Writes `export_dir_base/<timestamp>/model.keras` (a new version directory, as TF does)."""
    if checkpoint_path is not None or assets_extra or as_text or experimental_mode != "infer":
        raise ValueError("export_saved_model: checkpoint_path, assets_extra, as_text and modes other than "
                         "ModeKeys.PREDICT are not supported")
    receiver = serving_input_receiver_fn() if serving_input_receiver_fn is not None else None
    model = estimator_model(estimator, receiver)
    os.makedirs(export_dir_base, exist_ok=True)
    version = int(time.time())
    while os.path.exists(os.path.join(export_dir_base, str(version))):
        version += 1
    # Written under a temporary name and renamed: a server polling the base never sees half a version.
    tmp = os.path.join(export_dir_base, f"temp-{version}")
    os.makedirs(tmp)
    model.save(os.path.join(tmp, "model.keras"))
    final = os.path.join(export_dir_base, str(version))
    os.replace(tmp, final)
    return final
