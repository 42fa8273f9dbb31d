"""The pipelines checked against tf.data: each case builds the same pipeline from either
`tensorflow.data` or `lamina.data`, given small library helpers (`ops`). make_tf_fixtures.py
runs them under TensorFlow and records the outputs; test_dataset_vs_tf.py runs them under lamina
and compares."""

import os

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _case_list(D, ops):
    Dataset = D.Dataset
    r10 = lambda: Dataset.range(10)  # noqa: E731
    ragged = lambda: Dataset.range(1, 6).map(ops.arange)  # noqa: E731
    cases = {
        "range": lambda: Dataset.range(2, 11, 3),
        "from_tensor_slices_tuple": lambda: Dataset.from_tensor_slices(([1, 2, 3], [[1.5, 2.5], [3.5, 4.5], [5.5, 6.5]])),
        "from_tensor_slices_dict": lambda: Dataset.from_tensor_slices({"a": [1, 2], "b": [[1, 2], [3, 4]]}),
        "from_tensors": lambda: Dataset.from_tensors(([1, 2], 3)),
        "batch": lambda: r10().batch(3),
        "batch_drop_remainder": lambda: r10().batch(3, drop_remainder=True),
        "unbatch": lambda: r10().batch(4).unbatch(),
        "map_tuple": lambda: Dataset.zip((r10(), r10())).map(lambda a, b: a * 10 + b),
        "map_parallel": lambda: r10().map(lambda x: x * x, num_parallel_calls=D.AUTOTUNE),
        "filter": lambda: r10().filter(lambda x: x % 3 == 0),
        "repeat_take_skip": lambda: Dataset.range(4).repeat(3).skip(2).take(7),
        "cache": lambda: Dataset.range(3).cache().repeat(2),
        "prefetch": lambda: r10().prefetch(D.AUTOTUNE),
        "padded_batch": lambda: ragged().padded_batch(2),
        "padded_batch_shapes_values": lambda: ragged().padded_batch(3, padded_shapes=[6], padding_values=ops.int64(-1)),
        "padded_batch_drop": lambda: ragged().padded_batch(2, drop_remainder=True),
        "interleave_2_2": lambda: Dataset.range(1, 6).interleave(lambda x: Dataset.range(x).map(lambda y: x * 10 + y),
                                                                 cycle_length=2, block_length=2),
        "interleave_3_1": lambda: Dataset.range(1, 6).interleave(lambda x: Dataset.range(x).map(lambda y: x * 10 + y),
                                                                 cycle_length=3, block_length=1),
        "interleave_parallel": lambda: Dataset.range(1, 6).interleave(
            lambda x: Dataset.range(x).map(lambda y: x * 10 + y), cycle_length=2, block_length=3,
            num_parallel_calls=2, deterministic=True),
        "flat_map": lambda: Dataset.range(1, 4).flat_map(lambda x: Dataset.range(x)),
        "window_3_2": lambda: r10().window(3, 2).flat_map(lambda w: w.batch(10)),
        "window_3_1_2": lambda: r10().window(3, 1, 2).flat_map(lambda w: w.batch(10)),
        "window_4_drop": lambda: r10().window(4, drop_remainder=True).flat_map(lambda w: w.batch(10)),
        "window_2_5": lambda: r10().window(2, 5).flat_map(lambda w: w.batch(10)),
        "window_tuple": lambda: Dataset.zip((r10(), r10())).window(3).flat_map(
            lambda a, b: Dataset.zip((a.batch(5), b.batch(5)))),
        "shard": lambda: r10().shard(3, 1),
        "zip": lambda: Dataset.zip((Dataset.range(5), Dataset.range(10, 13))),
        "zip_dict": lambda: Dataset.zip({"x": Dataset.range(3), "y": Dataset.range(5, 8)}),
        "concatenate": lambda: Dataset.range(3).concatenate(Dataset.range(7, 9)),
        "enumerate": lambda: Dataset.range(10, 13).enumerate(5),
        "scan": lambda: r10().scan(ops.int64(0), lambda s, x: (s + x, s * 2)),
        "take_while": lambda: r10().take_while(lambda x: x < 4),
        "unique": lambda: Dataset.from_tensor_slices([1, 3, 1, 2, 3, 5, 2]).unique(),
        "choose_from_datasets": lambda: Dataset.choose_from_datasets(
            [Dataset.range(3), Dataset.range(10, 20)], Dataset.from_tensor_slices(ops.int64([0, 1, 1, 0, 0, 0, 1]))),
        "choose_from_datasets_no_stop": lambda: Dataset.choose_from_datasets(
            [Dataset.range(2), Dataset.range(10, 20)], Dataset.from_tensor_slices(ops.int64([0, 0, 0, 1, 0, 1])),
            stop_on_empty_dataset=False),
        "rebatch": lambda: r10().batch(4).rebatch(3),
        "rebatch_list": lambda: r10().batch(5).rebatch([2, 3]),
        "rebatch_drop": lambda: r10().batch(4).rebatch(3, drop_remainder=True),
        "group_by_window": lambda: r10().group_by_window(lambda x: x % 3, lambda k, ds: ds.batch(10), window_size=2),
        "bucket_by_sequence_length": lambda: Dataset.from_tensor_slices(ops.int64([1, 5, 2, 7, 3, 8, 4, 1, 6]))
            .map(ops.arange).bucket_by_sequence_length(lambda x: ops.size(x), [3, 6], [2, 2, 2]),
        "bucket_pad_to_boundary": lambda: Dataset.from_tensor_slices(ops.int64([1, 5, 2, 4, 3]))
            .map(ops.arange).bucket_by_sequence_length(lambda x: ops.size(x), [3, 6], [2, 2, 2],
                                                       pad_to_bucket_boundary=True),
        "counter": lambda: Dataset.counter(3, 2).take(4),
        "ignore_errors": lambda: Dataset.from_tensor_slices(ops.float32([1, 2, 0, 4, 0])).map(ops.fail_if_zero)
            .ignore_errors(),
        "apply": lambda: r10().apply(lambda ds: ds.filter(lambda x: x > 6)),
        "from_generator": lambda: Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), output_signature=ops.spec_int64_2),
        "text_lines": lambda: D_text(D, ["lines_a.txt", "lines_b.txt"]),
        "text_lines_gzip": lambda: D_text(D, ["lines_a.txt.gz"], "GZIP"),
        "tfrecord_raw": lambda: D.TFRecordDataset([os.path.join(FIXTURES, "examples.tfrecord")]),
        "tfrecord_zlib": lambda: D.TFRecordDataset([os.path.join(FIXTURES, "examples.tfrecord.zlib")], "ZLIB"),
        "tfrecord_gzip_parallel": lambda: D.TFRecordDataset([os.path.join(FIXTURES, "examples.tfrecord.gz"),
                                                             os.path.join(FIXTURES, "examples.tfrecord.gz")],
                                                            "GZIP", num_parallel_reads=2).take(7),
        "csv": lambda: D.experimental.make_csv_dataset(os.path.join(FIXTURES, "table.csv"), batch_size=2,
                                                       label_name="label", shuffle=False, num_epochs=1),
        "slices_shard_batch_repeat": lambda: Dataset.from_tensor_slices(ops.int64(list(range(11)))).shard(4, 3)
            .repeat(3).batch(2, drop_remainder=True),
        "slices_repeat_batch": lambda: Dataset.from_tensor_slices(ops.int64([1, 2, 3])).repeat().batch(2).take(4),
        "take_skip_minus_one": lambda: Dataset.range(5).take(-1).concatenate(Dataset.range(3).skip(-1)),
        "repeat_zero": lambda: Dataset.range(5).repeat(0),
        "interleave_long_block": lambda: Dataset.range(1, 4).interleave(lambda x: Dataset.range(x * 2),
                                                                        cycle_length=5, block_length=3),
        "padded_batch_dict": lambda: Dataset.range(1, 5).map(lambda x: {"a": ops.arange(x), "b": x})
            .padded_batch(3, padding_values={"a": ops.int64(9), "b": ops.int64(0)}),
        "padded_batch_strings": lambda: Dataset.from_tensor_slices(ops.strings(["a", "bb", "ccc"])).batch(1)
            .padded_batch(2),
        "unique_strings": lambda: Dataset.from_tensor_slices(ops.strings(["x", "y", "x", "z", "y"])).unique(),
        "unbatch_tuple": lambda: Dataset.from_tensor_slices((ops.int64([[1, 2], [3, 4]]), ops.int64([[5, 6], [7, 8]])))
            .unbatch(),
        "enumerate_tuple": lambda: Dataset.zip((Dataset.range(2), Dataset.range(5, 7))).enumerate(),
        "zip_nested": lambda: Dataset.zip(((Dataset.range(3), Dataset.range(3, 6)), Dataset.range(6, 8))),
        "group_by_window_size_func": lambda: Dataset.range(12).group_by_window(
            lambda x: x % 2, lambda k, ds: ds.batch(5), window_size_func=lambda k: k + 2),
        "bucket_drop_remainder": lambda: Dataset.from_tensor_slices(ops.int64([1, 5, 2, 7, 3, 8, 4, 1, 6]))
            .map(ops.arange).bucket_by_sequence_length(lambda x: ops.size(x), [3, 6], [2, 2, 2], drop_remainder=True),
        "bucket_no_padding": lambda: Dataset.from_tensor_slices(ops.int64([2, 1, 2, 2, 1]))
            .map(lambda x: ops.arange(x) * 0 + x).map(lambda x: x[:1])
            .bucket_by_sequence_length(lambda x: ops.size(x), [2], [2, 2], no_padding=True),
        "text_lines_parallel": lambda: D.TextLineDataset([os.path.join(FIXTURES, n) for n in
                                                          ("lines_a.txt", "lines_b.txt")], num_parallel_reads=2),
        "csv_select_defaults": lambda: D.experimental.make_csv_dataset(
            os.path.join(FIXTURES, "table.csv"), batch_size=3, select_columns=["age", "city"],
            column_defaults=[ops.int64(0), ops.strings("")], shuffle=False, num_epochs=1),
    }
    return cases


def require(module: str) -> None:
    """Skips a test whose optional package is missing, but fails it under CI=true."""
    import importlib.util

    import pytest

    if importlib.util.find_spec(module.split(".")[0]) is None or importlib.util.find_spec(module) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is missing (pip install lamina[test])")
        pytest.skip(f"{module} is not installed")


def D_text(D, names, compression=None):
    return D.TextLineDataset([os.path.join(FIXTURES, n) for n in names], compression)


def cases(D, ops) -> dict:
    return _case_list(D, ops)


# terminal operations: name -> fn(D, ops) returning a value (not a dataset)
def terminal_cases(D, ops) -> dict:
    Dataset = D.Dataset
    return {
        "reduce": lambda: Dataset.range(10).reduce(ops.int64(0), lambda s, x: s + x),
        "get_single_element": lambda: Dataset.from_tensors(([1, 2], 3)).get_single_element(),
        "cardinality_range": lambda: Dataset.range(10).cardinality(),
        "cardinality_batch": lambda: Dataset.range(10).batch(3).cardinality(),
        "cardinality_batch_drop": lambda: Dataset.range(10).batch(3, drop_remainder=True).cardinality(),
        "cardinality_repeat": lambda: Dataset.range(10).repeat().cardinality(),
        "cardinality_filter": lambda: Dataset.range(10).filter(lambda x: x > 2).cardinality(),
        "cardinality_shard": lambda: Dataset.range(10).shard(3, 1).cardinality(),
        "cardinality_skip": lambda: Dataset.range(10).skip(4).cardinality(),
        "cardinality_take_repeat": lambda: Dataset.range(10).repeat().take(5).cardinality(),
        "cardinality_concatenate": lambda: Dataset.range(3).concatenate(Dataset.range(4)).cardinality(),
        "cardinality_zip": lambda: Dataset.zip((Dataset.range(3), Dataset.range(5))).cardinality(),
        "cardinality_enumerate": lambda: Dataset.range(3).enumerate().cardinality(),
        "cardinality_counter": lambda: Dataset.counter().cardinality(),
        "cardinality_slices_shard": lambda: Dataset.from_tensor_slices(ops.int64(list(range(11)))).shard(4, 3).cardinality(),
        "cardinality_repeat_zero": lambda: Dataset.range(5).repeat(0).cardinality(),
        "cardinality_take_minus_one": lambda: Dataset.range(5).take(-1).cardinality(),
        "cardinality_skip_minus_one": lambda: Dataset.range(5).skip(-1).cardinality(),
        "cardinality_skip_infinite": lambda: Dataset.range(5).repeat().skip(3).cardinality(),
        "cardinality_empty_repeat": lambda: Dataset.range(0).repeat().cardinality(),
        "cardinality_map": lambda: Dataset.range(5).map(lambda x: x).cardinality(),
        "cardinality_window": lambda: Dataset.range(10).window(3, 2).cardinality(),
        "cardinality_window_drop": lambda: Dataset.range(11).window(4, 3, 2, drop_remainder=True).cardinality(),
        "cardinality_window_drop_short": lambda: Dataset.range(3).window(4, drop_remainder=True).cardinality(),
        "cardinality_padded_batch": lambda: Dataset.range(10).padded_batch(4).cardinality(),
        "cardinality_enumerate_repeat": lambda: Dataset.range(3).repeat().enumerate().cardinality(),
        "parse_example": lambda: ops.parse_all(D),
    }


def encode(value):
    """A JSON form of an element: arrays keep their dtype and values, strings are latin-1."""
    import numpy as np

    if hasattr(value, "indices") and hasattr(value, "dense_shape"):
        return {"sparse": [encode(np.asarray(value.indices)), encode(np.asarray(value.values)),
                           encode(np.asarray(value.dense_shape))]}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, bytes):
        return {"bytes": value.decode("latin-1")}
    a = np.asarray(value)
    if a.dtype.kind in "OS":
        return {"strings": [x.decode("latin-1") for x in a.ravel().tolist()], "shape": list(a.shape)}
    return {"dtype": a.dtype.name, "shape": list(a.shape), "values": a.ravel().tolist()}
