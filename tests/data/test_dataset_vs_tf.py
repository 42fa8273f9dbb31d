"""Every case in tf_data_cases.py gives tf.data's elements (values, dtypes, shapes), as recorded
by make_tf_fixtures.py under TensorFlow 2.15."""

import json
import os

import numpy as np
import pytest

import lamina.data as D
import lamina.io as lio
import tf_data_cases
from make_tf_fixtures_spec import feature_spec

with open(os.path.join(tf_data_cases.FIXTURES, "tf_data_expected.json")) as f:
    EXPECTED = json.load(f)


class LaminaOps:
    arange = staticmethod(lambda x: np.arange(x))
    int64 = staticmethod(lambda v: np.asarray(v, np.int64))
    float32 = staticmethod(lambda v: np.asarray(v, np.float32))
    size = staticmethod(np.size)
    spec_int64_2 = D.TensorSpec((2,), np.int64)

    @staticmethod
    def strings(v):
        a = np.array(v, dtype=object)
        return a.item().encode() if a.ndim == 0 else np.array([x.encode() for x in v], dtype=object)

    @staticmethod
    def fail_if_zero(x):
        if x == 0:
            raise ValueError("division by zero")
        return np.float32(1) / x

    @staticmethod
    def parse_all(D):
        batch = next(iter(D.TFRecordDataset(os.path.join(tf_data_cases.FIXTURES, "examples.tfrecord")).batch(10)))
        spec = feature_spec(lio, {"int64": np.int64, "float32": np.float32, "string": "string"})
        single = {k: v for k, v in spec.items() if not isinstance(v, lio.FixedLenSequenceFeature)}
        return lio.parse_example(batch, spec), lio.parse_single_example(batch[3], single)


CASES = tf_data_cases.cases(D, LaminaOps)
TERMINAL = tf_data_cases.terminal_cases(D, LaminaOps)


def test_every_recorded_case_is_run():
    assert set(CASES) == set(EXPECTED["cases"]) and set(TERMINAL) == set(EXPECTED["terminal"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_elements_match_tf_data(name):
    got = [tf_data_cases.encode(e) for e in CASES[name]().as_numpy_iterator()]
    assert got == EXPECTED["cases"][name]


@pytest.mark.parametrize("name", sorted(TERMINAL))
def test_terminal_results_match_tf_data(name):
    if name == "parse_example":
        tf_data_cases.require("google.protobuf")
    assert tf_data_cases.encode(TERMINAL[name]()) == EXPECTED["terminal"][name]


@pytest.mark.parametrize("name", ["rgb.png", "gray.png", "rgb.jpg"])
def test_image_decoding_matches_tf(name):
    tf_data_cases.require("PIL")
    data = lio.read_file(os.path.join(tf_data_cases.FIXTURES, name))
    for key, kwargs in (("decode_image", {}), ("decode_image_3", {"channels": 3})):
        want = EXPECTED["images"][name][key]
        got = lio.decode_image(data, **kwargs)
        assert list(got.shape) == want["shape"] and got.dtype.name == want["dtype"]
        diff = np.abs(got.astype(int).ravel() - np.asarray(want["values"]))
        if name.endswith(".png"):  # lossless: exact
            assert diff.max() == 0
        else:  # Pillow's and TF's JPEG decoders upsample chroma differently; this noise image is their worst case
            assert diff.max() <= 8 and diff.mean() < 3


def test_dataset_has_tf_datas_public_methods_but_ragged_and_sparse_batch():
    missing = {m for m in EXPECTED["dataset_methods"] if not hasattr(D.Dataset, m)}
    # lamina has no ragged or sparse tensors to batch into
    assert missing == {"ragged_batch", "sparse_batch"}
    assert len(EXPECTED["dataset_methods"]) == 48
