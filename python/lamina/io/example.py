"""tf.train.Example parsing (tf.io.parse_example / parse_single_example) with the `protobuf`
package. The Example schema (tensorflow/core/example/{feature,example}.proto) is declared here
through protobuf's descriptor API, in a private pool, so no generated code and no TensorFlow
is needed, and protobuf does the wire decoding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np


def _example_classes():
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        raise ImportError("lamina.io.parse_example needs protobuf: pip install 'lamina[data]' (or pip install protobuf)") from None
    F = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(name="lamina/tensorflow_example.proto", package="tensorflow", syntax="proto3")

    def message(name, fields, nested=()):
        m = fd.message_type.add(name=name)
        for n in nested:
            m.nested_type.add().CopyFrom(n)
        for fname, number, ftype, label, type_name, oneof in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = type_name
            if oneof is not None:
                f.oneof_index = oneof
        return m

    def map_entry(name, value_type):
        e = descriptor_pb2.DescriptorProto(name=name)
        e.options.map_entry = True
        e.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
        e.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, type_name=value_type)
        return e

    rep, opt = F.LABEL_REPEATED, F.LABEL_OPTIONAL
    message("BytesList", [("value", 1, F.TYPE_BYTES, rep, None, None)])
    message("FloatList", [("value", 1, F.TYPE_FLOAT, rep, None, None)])
    message("Int64List", [("value", 1, F.TYPE_INT64, rep, None, None)])
    feature = message("Feature", [("bytes_list", 1, F.TYPE_MESSAGE, opt, ".tensorflow.BytesList", 0),
                                  ("float_list", 2, F.TYPE_MESSAGE, opt, ".tensorflow.FloatList", 0),
                                  ("int64_list", 3, F.TYPE_MESSAGE, opt, ".tensorflow.Int64List", 0)])
    feature.oneof_decl.add(name="kind")
    message("Features", [("feature", 1, F.TYPE_MESSAGE, rep, ".tensorflow.Features.FeatureEntry", None)],
            [map_entry("FeatureEntry", ".tensorflow.Feature")])
    message("FeatureList", [("feature", 1, F.TYPE_MESSAGE, rep, ".tensorflow.Feature", None)])
    message("FeatureLists", [("feature_list", 1, F.TYPE_MESSAGE, rep, ".tensorflow.FeatureLists.FeatureListEntry",
                              None)], [map_entry("FeatureListEntry", ".tensorflow.FeatureList")])
    message("Example", [("features", 1, F.TYPE_MESSAGE, opt, ".tensorflow.Features", None)])
    message("SequenceExample", [("context", 1, F.TYPE_MESSAGE, opt, ".tensorflow.Features", None),
                                ("feature_lists", 2, F.TYPE_MESSAGE, opt, ".tensorflow.FeatureLists", None)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{name}"))
            for name in ("Example", "SequenceExample", "Feature", "Features", "BytesList", "FloatList", "Int64List")}


_CLASSES: dict = {}


def example_classes() -> dict:
    """The message classes of the Example schema (Example, Feature, Features, *List)."""
    if not _CLASSES:
        _CLASSES.update(_example_classes())
    return _CLASSES


def _np_dtype(dtype) -> np.dtype:
    dtype = getattr(dtype, "as_numpy_dtype", dtype)
    if dtype in (str, bytes, "string"):
        return np.dtype(object)
    dt = np.dtype(dtype)
    if dt.kind not in "fiO" or dt == np.float64:
        raise ValueError(f"parse_example: features must be string, int64 or float32, got {dt}")
    return dt


_LIST_OF = {"O": "bytes_list", "i": "int64_list", "f": "float_list"}


@dataclass(frozen=True)
class FixedLenFeature:
    """A feature with a fixed number of values, read as an array of `shape`."""
    shape: Any
    dtype: Any
    default_value: Any = None


@dataclass(frozen=True)
class VarLenFeature:
    """A feature with any number of values, read as a SparseTensor."""
    dtype: Any


@dataclass(frozen=True)
class FixedLenSequenceFeature:
    """A feature holding a sequence of `shape`-shaped items (read as (length, *shape), padded
    across a batch with `default_value`); needs allow_missing=True in an Example."""
    shape: Any
    dtype: Any
    allow_missing: bool = False
    default_value: Any = None


class SparseTensor(NamedTuple):
    """tf.sparse.SparseTensor's parts: indices (n, rank) int64, values (n,), dense_shape (rank,)."""
    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray


def _values(example, key: str, dt: np.dtype, index: int):
    fmap = example.features.feature
    if key not in fmap:
        return None
    feature = fmap[key]
    kind = feature.WhichOneof("kind")
    want = _LIST_OF[dt.kind]
    if kind is None:
        return np.array([], dtype=dt)
    if kind != want:
        raise ValueError(f"parse_example: feature {key!r} of example {index} is a {kind}, but the spec asks for "
                         f"{dt if dt.kind != 'O' else 'string'} ({want})")
    vals = getattr(feature, kind).value
    return np.array(list(vals), dtype=object) if dt.kind == "O" else np.asarray(vals, dtype=dt)


def _parse(serialized_list: list, features: dict) -> dict:
    Example = example_classes()["Example"]
    examples = []
    for i, s in enumerate(serialized_list):
        ex = Example()
        try:
            ex.ParseFromString(bytes(s))
        except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError
            raise ValueError(f"parse_example: record {i} is not a serialized tf.train.Example: {exc}") from None
        examples.append(ex)
    out = {}
    for key, spec in features.items():
        dt = _np_dtype(spec.dtype)
        per = [_values(ex, key, dt, i) for i, ex in enumerate(examples)]
        if isinstance(spec, FixedLenFeature):
            shape = tuple(int(d) for d in np.atleast_1d(spec.shape)) if np.ndim(spec.shape) else tuple(spec.shape)
            rows = []
            for i, v in enumerate(per):
                if v is None or len(v) == 0 and int(np.prod(shape)) != 0:
                    if spec.default_value is None:
                        raise ValueError(f"parse_example: example {i} has no feature {key!r} and it has no default_value")
                    v = np.broadcast_to(np.asarray(spec.default_value, dtype=dt), shape).ravel()
                if v.size != int(np.prod(shape)):
                    raise ValueError(f"parse_example: feature {key!r} of example {i} has {v.size} values, but its "
                                     f"FixedLenFeature shape {shape} needs {int(np.prod(shape))}")
                rows.append(v.reshape(shape))
            out[key] = np.stack(rows) if rows else np.zeros((0,) + shape, dtype=dt)
        elif isinstance(spec, VarLenFeature):
            vals = [v if v is not None else np.array([], dtype=dt) for v in per]
            idx = [(b, j) for b, v in enumerate(vals) for j in range(len(v))]
            out[key] = SparseTensor(np.array(idx, dtype=np.int64).reshape(-1, 2),
                                    np.concatenate(vals) if vals else np.array([], dtype=dt),
                                    np.array([len(vals), max((len(v) for v in vals), default=0)], dtype=np.int64))
        elif isinstance(spec, FixedLenSequenceFeature):
            if not spec.allow_missing:
                raise ValueError(f"parse_example: FixedLenSequenceFeature {key!r} needs allow_missing=True in an Example")
            item = tuple(spec.shape)
            size = int(np.prod(item))
            seqs = []
            for i, v in enumerate(per):
                v = np.array([], dtype=dt) if v is None else v
                if size and v.size % size:
                    raise ValueError(f"parse_example: feature {key!r} of example {i} has {v.size} values, not a "
                                     f"multiple of the item shape {item}")
                seqs.append(v.reshape((-1,) + item))
            longest = max((len(s) for s in seqs), default=0)
            fill = spec.default_value if spec.default_value is not None else (b"" if dt.kind == "O" else 0)
            batch = np.full((len(seqs), longest) + item, fill, dtype=dt)
            for i, s in enumerate(seqs):
                batch[i, :len(s)] = s
            out[key] = batch
        else:
            raise TypeError(f"parse_example: feature {key!r}: unsupported spec {spec!r}")
    return out


def parse_example(serialized, features: dict, example_names=None, name: str | None = None) -> dict:
    """Parses a batch of serialized tf.train.Example records into a dict of batched arrays
    (VarLenFeature: SparseTensor)."""
    serialized = [s.item() if isinstance(s, np.ndarray) else s for s in np.asarray(serialized, dtype=object).ravel()]
    return _parse(serialized, features)


def parse_single_example(serialized, features: dict, example_names=None, name: str | None = None) -> dict:
    """Parses one serialized tf.train.Example into a dict of arrays (VarLenFeature: SparseTensor)."""
    if isinstance(serialized, np.ndarray):
        serialized = serialized.item()
    batched = _parse([serialized], features)
    out = {}
    for key, v in batched.items():
        if isinstance(v, SparseTensor):
            out[key] = SparseTensor(v.indices[:, 1:], v.values, v.dense_shape[1:])
        else:
            out[key] = v[0]
    return out
