"""Bad records, undecodable images, vanished files; ignore_errors' count; save/load, snapshot,
cache files; the random sources' contracts (tf.data's random numbers cannot be matched)."""

import os
import shutil

import numpy as np
import pytest

import lamina.data as D
import lamina.io as lio
from lamina.data.readers import DataLossError
from tf_data_cases import FIXTURES, require

RECORDS = os.path.join(FIXTURES, "examples.tfrecord")


def _records(path, **kw):
    return list(D.TFRecordDataset(path, **kw).as_numpy_iterator())


def _record_offsets(path):
    data = open(path, "rb").read()
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += 16 + int.from_bytes(data[pos:pos + 8], "little")
    return offsets


def test_written_records_read_back_and_match_tensorflows_file(tmp_path):
    good = _records(RECORDS)
    out = str(tmp_path / "copy.tfrecord")
    with lio.TFRecordWriter(out) as w:
        for r in good:
            w.write(r)
    assert open(out, "rb").read() == open(RECORDS, "rb").read()  # byte-identical to TensorFlow's writer


def test_corrupt_crc_names_file_and_offset_and_ignore_errors_skips_and_counts(tmp_path):
    bad = str(tmp_path / "bad.tfrecord")
    data = bytearray(open(RECORDS, "rb").read())
    third = _record_offsets(RECORDS)[2]
    data[third + 12] ^= 0xFF  # first data byte of record 2
    open(bad, "wb").write(bytes(data))
    with pytest.raises(DataLossError, match=rf"bad\.tfrecord: corrupted record at offset {third}"):
        _records(bad)
    ds = D.TFRecordDataset(bad).ignore_errors()
    kept = list(ds.as_numpy_iterator())
    good = _records(RECORDS)
    assert kept == good[:2] + good[3:]
    assert ds.skipped_count == 1 and "offset" in str(ds.skipped_errors[0])


def test_truncated_file_names_file_and_offset(tmp_path):
    cut = str(tmp_path / "cut.tfrecord")
    data = open(RECORDS, "rb").read()
    open(cut, "wb").write(data[:-5])
    last = _record_offsets(RECORDS)[-1]
    with pytest.raises(DataLossError, match=rf"cut\.tfrecord: truncated record at offset {last}"):
        _records(cut)
    ds = D.TFRecordDataset([cut, RECORDS]).ignore_errors()
    assert len(list(ds.as_numpy_iterator())) == 4 + 5 and ds.skipped_count == 1


def test_missing_file_is_named():
    with pytest.raises(FileNotFoundError, match="nope.tfrecord"):
        _records("/nonexistent/nope.tfrecord")


def test_undecodable_image_names_its_file_and_is_skippable(tmp_path):
    require("PIL")
    for i in range(3):
        shutil.copy(os.path.join(FIXTURES, "rgb.png"), tmp_path / f"img{i}.png")
    (tmp_path / "img1.png").write_bytes(b"\x89PNG not really")
    ds = D.Dataset.list_files(str(tmp_path / "*.png"), shuffle=False).map(lio.read_file).map(lio.decode_png)
    with pytest.raises(ValueError, match=r"decode_png: cannot decode the image \(.*img1\.png\)"):
        list(ds)
    kept = ds.ignore_errors()
    assert [x.shape for x in kept.as_numpy_iterator()] == [(5, 7, 3)] * 2 and kept.skipped_count == 1


def test_map_errors_become_element_errors_that_batches_carry():
    def bad(x):
        if x == 3:
            raise ValueError("three")
        return x
    ds = D.Dataset.range(8).map(bad).batch(2)
    with pytest.raises(ValueError, match="three"):
        list(ds)
    kept = ds.ignore_errors()
    assert [b.tolist() for b in kept.as_numpy_iterator()] == [[0, 1], [4, 5], [6, 7]] and kept.skipped_count == 1


def test_save_load_round_trip(tmp_path):
    ds = D.Dataset.from_tensor_slices({"x": np.arange(6).reshape(3, 2), "s": np.array([b"a", b"b\x00", b""], object)})
    for compression in (None, "GZIP"):
        path = str(tmp_path / f"saved-{compression}")
        ds.save(path, compression=compression)
        back = list(D.Dataset.load(path).as_numpy_iterator())
        want = list(ds.as_numpy_iterator())
        assert [b["s"] for b in back] == [b"a", b"b\x00", b""]
        assert all(np.array_equal(a["x"], b["x"]) for a, b in zip(back, want))
        assert D.Dataset.load(path).cardinality() == 3
    with pytest.raises(FileNotFoundError, match="no saved dataset"):
        D.Dataset.load(str(tmp_path / "nothing"))


@pytest.mark.parametrize("method", ["snapshot", "cache"])
def test_snapshot_and_file_cache_replay_from_disk(method, tmp_path):
    calls = []
    path = str(tmp_path / "snap")

    def build():
        return getattr(D.Dataset.range(5).map(lambda x: calls.append(1) or x * 3), method)(path)

    first = list(build().as_numpy_iterator())
    second = list(build().as_numpy_iterator())  # a new pipeline, as in another process
    assert first == second == [0, 3, 6, 9, 12] and len(calls) == 5


def test_shuffle_contracts():
    ds = D.Dataset.range(20).shuffle(20, seed=3)
    a, b = list(ds.as_numpy_iterator()), list(ds.as_numpy_iterator())
    assert sorted(a) == list(range(20)) and a != b  # reshuffled each epoch
    fixed = D.Dataset.range(20).shuffle(20, seed=3, reshuffle_each_iteration=False)
    assert list(fixed.as_numpy_iterator()) == list(fixed.as_numpy_iterator())
    assert list(D.Dataset.range(10).shuffle(1).as_numpy_iterator()) == list(range(10))
    # a buffer of 3 can only move an element forward by 2 places
    out = list(D.Dataset.range(30).shuffle(3, seed=0).as_numpy_iterator())
    assert all(out.index(v) >= v - 2 for v in range(30))


def test_sample_from_datasets_contracts():
    a, b = D.Dataset.range(0, 50), D.Dataset.range(100, 150)
    only_a = list(D.Dataset.sample_from_datasets([a, b], weights=[1.0, 0.0], seed=1).as_numpy_iterator())
    assert only_a == list(range(50))
    both = list(D.Dataset.sample_from_datasets([a, b], seed=1).as_numpy_iterator())
    assert sorted(both) == list(range(50)) + list(range(100, 150))
    assert [x for x in both if x < 100] == list(range(50))  # each dataset's own order is kept
    stopped = list(D.Dataset.sample_from_datasets([a.take(3), b], seed=1, stop_on_empty_dataset=True)
                   .as_numpy_iterator())
    assert len([x for x in stopped if x < 100]) == 3 and len(stopped) < 53


def test_random_and_list_files(tmp_path):
    r = D.Dataset.random(seed=5).take(4)
    assert list(r.as_numpy_iterator()) == list(r.as_numpy_iterator()) and D.Dataset.random().cardinality() == -1
    for name in ("b.txt", "a.txt", "c.csv"):
        (tmp_path / name).write_text(name)
    assert list(D.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False).as_numpy_iterator()) == [
        os.fsencode(tmp_path / "a.txt"), os.fsencode(tmp_path / "b.txt")]
    assert sorted(D.Dataset.list_files(str(tmp_path / "*"), seed=1).as_numpy_iterator()) == sorted(
        os.fsencode(tmp_path / n) for n in ("a.txt", "b.txt", "c.csv"))
    with pytest.raises(FileNotFoundError, match="no files matched"):
        D.Dataset.list_files(str(tmp_path / "*.png"))


def test_element_spec_and_rejection_resample():
    spec = D.Dataset.range(1, 6).map(np.arange).padded_batch(2).element_spec
    assert spec.shape == (2, None) and spec.dtype == np.int64
    labels = D.Dataset.from_tensor_slices(np.array([0] * 90 + [1] * 10))
    out = list(labels.repeat(20).rejection_resample(lambda x: x, [0.5, 0.5], initial_dist=[0.9, 0.1], seed=0)
               .as_numpy_iterator())
    classes = np.array([c for c, _ in out])
    assert all(c == int(e) for c, e in out) and 0.4 < classes.mean() < 0.6


def test_parse_example_errors_name_the_feature():
    require("google.protobuf")
    raw = next(D.TFRecordDataset(RECORDS).as_numpy_iterator())
    with pytest.raises(ValueError, match="'pair' of example 0 has 2 values"):
        lio.parse_single_example(raw, {"pair": lio.FixedLenFeature([3], np.float32)})
    with pytest.raises(ValueError, match="'id' of example 0 is a int64_list"):
        lio.parse_single_example(raw, {"id": lio.FixedLenFeature([], np.float32)})
    with pytest.raises(ValueError, match="record 0 is not a serialized"):
        lio.parse_example([b"\xff\xff\xff"], {"id": lio.FixedLenFeature([], np.int64)})
