"""`lamina.data.experimental`: tf.data.experimental's CSV reader and constants."""

from __future__ import annotations

import csv
import io
from collections import OrderedDict

import numpy as np

from lamina.data._parallel import AUTOTUNE
from lamina.data.dataset import INFINITE as INFINITE_CARDINALITY
from lamina.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from lamina.data.dataset import Dataset
from lamina.data.readers import _open_bytes

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "make_csv_dataset"]


def _infer_type(values: list):
    """tf.data's inference: int32 if every value parses as one, else float32, else string."""
    def parses(cast):
        try:
            for v in values:
                if v != "":
                    cast(v)
            return True
        except ValueError:
            return False

    if parses(int) and all(-2**31 <= int(v) < 2**31 for v in values if v != ""):
        return np.int32
    if parses(float):
        return np.float32
    return bytes


def _default_type(default):
    """The column type a default gives: its numpy dtype; Python ints and floats as tf reads them."""
    if isinstance(default, type):
        return default
    a = np.asarray(default)
    if a.dtype.kind in "SUO":
        return bytes
    if isinstance(default, (bool, int, float)):
        return np.int32 if isinstance(default, int) else np.float32
    return a.dtype.type


def _convert(value: str, dtype, na_value: str, column: str, where: str):
    if value == na_value or value == "":
        if dtype is bytes:
            return b""
        return dtype(0)
    if dtype is bytes:
        return value.encode()
    try:
        return dtype(int(value)) if np.dtype(dtype).kind == "i" else dtype(value)
    except ValueError:
        raise ValueError(f"make_csv_dataset: {where}: column {column!r} value {value!r} is not {np.dtype(dtype).name}")


def make_csv_dataset(file_pattern, batch_size: int, column_names=None, column_defaults=None, label_name=None,
                     select_columns=None, field_delim: str = ",", use_quote_delim: bool = True, na_value: str = "",
                     header: bool = True, num_epochs=None, shuffle: bool = True, shuffle_buffer_size: int = 10000,
                     shuffle_seed=None, prefetch_buffer_size=None, num_parallel_reads=None, sloppy: bool = False,
                     num_rows_for_inference: int = 100, compression_type=None, ignore_errors: bool = False) -> Dataset:
    """Batches of (features, label) read from CSV files, as tf.data.experimental.make_csv_dataset:
    features is an OrderedDict of column -> batch array; label is omitted when label_name is None.
    Column types come from `column_defaults` or are inferred from the first rows."""
    files = [f.decode() for f in Dataset.list_files(file_pattern, shuffle=False).as_numpy_iterator()]

    def rows_of(path):
        with _open_bytes(path, compression_type) as f:
            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            reader = csv.reader(text, delimiter=field_delim, quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE)
            yield from reader

    first = list(rows_of(files[0]))
    names = list(column_names) if column_names is not None else (first[0] if header else None)
    if names is None:
        raise ValueError("make_csv_dataset: give column_names when the files have no header")
    sample = first[1 if header else 0:][:num_rows_for_inference]
    keep = list(range(len(names))) if select_columns is None else [
        names.index(c) if isinstance(c, str) else int(c) for c in select_columns]
    types = [_infer_type([r[i] for r in sample if i < len(r)]) for i in range(len(names))]
    if column_defaults is not None:
        # one default per selected column (per column when none are selected), as tf.data reads them
        targets = keep if len(column_defaults) == len(keep) else range(len(names))
        for i, d in zip(targets, column_defaults):
            types[i] = _default_type(d)
    if label_name is not None and label_name not in [names[i] for i in keep]:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not among the columns {names}")

    def elements():
        for path in files:
            for n, row in enumerate(rows_of(path)):
                if header and n == 0:
                    continue
                where = f"{path}:{n + 1}"
                if len(row) != len(names):
                    raise ValueError(f"make_csv_dataset: {where}: expected {len(names)} fields, got {len(row)}")
                yield OrderedDict((names[i], _convert(row[i], types[i], na_value, names[i], where)) for i in keep)

    ds = Dataset(elements)
    if ignore_errors:
        ds = ds.ignore_errors()
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size)
    if label_name is not None:
        ds = ds.map(lambda f: (OrderedDict((k, v) for k, v in f.items() if k != label_name), f[label_name]))
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)
