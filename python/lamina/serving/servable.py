"""A loaded model version: its signature (named inputs and outputs with dtypes and shapes), a
checked conversion of request data into arrays, and the engine call.

A version directory holds one model file saved by lamina or Keras (`model.keras`, or a single
`.keras`/`.h5` file). Loading uses safe_mode, so no code stored in a file ever runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")

_TF_DTYPES = {"float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF", "int32": "DT_INT32",
              "int64": "DT_INT64", "int8": "DT_INT8", "uint8": "DT_UINT8", "int16": "DT_INT16", "bool": "DT_BOOL"}


class RequestError(ValueError):
    """A request the model cannot answer (HTTP 400); the message names the input and the shape."""


@dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: str
    shape: tuple  # None where any size is accepted (always the batch)

    def shape_text(self) -> str:
        return "[" + ", ".join("-1" if d is None else str(d) for d in self.shape) + "]"

    def to_json(self) -> dict:
        """TF Serving's TensorInfo as JSON."""
        dims = [{"size": str(-1 if d is None else d), "name": ""} for d in self.shape]
        return {"dtype": _TF_DTYPES.get(self.dtype, "DT_INVALID"),
                "tensor_shape": {"dim": dims, "unknown_rank": False}, "name": f"serving_default_{self.name}:0"}


def find_model_file(version_dir: str) -> str:
    """The one model file in a version directory."""
    preferred = os.path.join(version_dir, "model.keras")
    if os.path.isfile(preferred):
        return preferred
    found = sorted(f for f in os.listdir(version_dir) if f.endswith(MODEL_SUFFIXES)
                   and os.path.isfile(os.path.join(version_dir, f)))
    if len(found) != 1:
        raise FileNotFoundError(f"{version_dir}: expected one model file (model.keras, or a single "
                                f"{'/'.join(MODEL_SUFFIXES)} file), found {found or 'none'}")
    return os.path.join(version_dir, found[0])


class Servable:
    """One version of a model, ready to predict."""

    def __init__(self, version: int, model_file: str):
        from lamina.models import load_model

        self.version = version
        self.path = model_file
        self.model = load_model(model_file, compile=False, safe_mode=True)
        inputs = self.model.inputs
        if not inputs:
            raise ValueError(f"{model_file}: the model has no known inputs (build it before saving)")
        names = getattr(self.model, "input_names", None) or [t.name for t in inputs]
        self.inputs = [TensorSpec(n, t.dtype, (None,) + tuple(t.shape[1:])) for n, t in zip(names, inputs)]
        out_names = getattr(self.model, "output_names", None) or [self.model.layers[-1].name]
        self.outputs = [TensorSpec(n, t.dtype, (None,) + tuple(t.shape[1:]))
                        for n, t in zip(_unique(out_names), self.model.outputs)]

    def predict(self, arrays: list) -> list:
        """Outputs (numpy, one per output) for one array per input; runs the engine."""
        x = arrays[0] if len(arrays) == 1 else list(arrays)
        out = self.model(x)
        out = out if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(o) for o in out]

    def warm_up(self, batch_sizes=(1,)) -> None:
        """Runs the model once per batch size, so the first request pays no first-call cost."""
        for n in batch_sizes:
            self.predict([np.zeros((n,) + tuple(1 if d is None else d for d in s.shape[1:]), dtype=s.dtype)
                          for s in self.inputs])

    def metadata(self, model_name: str) -> dict:
        """TF Serving's GetModelMetadataResponse as JSON."""
        signature = {"inputs": {s.name: s.to_json() for s in self.inputs},
                     "outputs": {s.name: s.to_json() for s in self.outputs},
                     "method_name": "tensorflow/serving/predict"}
        return {"model_spec": {"name": model_name, "signature_name": "", "version": str(self.version)},
                "metadata": {"signature_def": {"signature_def": {"serving_default": signature}}}}

    def to_array(self, spec: TensorSpec, value) -> np.ndarray:
        """The request data of one input as a checked array of the input's dtype and shape."""
        try:
            array = np.asarray(value)
        except ValueError:
            raise RequestError(f"Input '{spec.name}' is ragged (rows of different lengths); expected shape "
                               f"{spec.shape_text()}") from None
        kind = array.dtype.kind
        wants_int = np.dtype(spec.dtype).kind in "iu"
        if kind not in "iuf" or (wants_int and kind == "f"):
            what = "integers" if wants_int else "numbers"
            raise RequestError(f"Input '{spec.name}' must hold {what} ({spec.dtype}) with shape {spec.shape_text()}; "
                               f"got values of type {_json_kind(array)}")
        if array.ndim != len(spec.shape) or any(d is not None and d != n for d, n in zip(spec.shape, array.shape)):
            got = "[" + ", ".join(str(n) for n in array.shape) + "]"
            raise RequestError(f"Input '{spec.name}' expects shape {spec.shape_text()} (batch first), got {got}")
        if array.shape[0] == 0:
            raise RequestError(f"Input '{spec.name}' has no rows; expected shape {spec.shape_text()}")
        if wants_int:
            info = np.iinfo(spec.dtype)
            if array.size and (array.min() < info.min or array.max() > info.max):
                raise RequestError(f"Input '{spec.name}' has values outside {spec.dtype}")
        return array.astype(spec.dtype, copy=False)


def _json_kind(array: np.ndarray) -> str:
    return {"b": "boolean", "U": "string", "S": "string", "O": "mixed/object"}.get(array.dtype.kind, str(array.dtype))


def _unique(names: list) -> list:
    out, seen = [], set()
    for n in names:
        u, k = n, 1
        while u in seen:
            u, k = f"{n}_{k}", k + 1
        seen.add(u)
        out.append(u)
    return out
