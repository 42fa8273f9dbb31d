"""lamina.data.Dataset: the tf.data-style pipeline."""

import numpy as np
import pytest

from lamina.data import Dataset


def test_slices_shuffle_batch_repeat_take_skip():
    x = np.arange(10)
    ds = Dataset.from_tensor_slices(x)
    assert [int(v) for v in ds] == list(range(10))
    b = list(ds.batch(4))
    assert [len(v) for v in b] == [4, 4, 2] and ds.batch(4).cardinality() == 3
    assert [len(v) for v in ds.batch(4, drop_remainder=True)] == [4, 4]
    sh = np.concatenate(list(ds.shuffle(10, seed=1).batch(5)))
    assert sorted(sh.tolist()) == list(range(10)) and sh.tolist() != list(range(10))
    assert np.array_equal(np.concatenate(list(ds.shuffle(10, seed=1).batch(5))), sh)
    assert [int(v) for v in ds.take(3)] == [0, 1, 2]
    assert [int(v) for v in ds.skip(8)] == [8, 9]
    assert len(list(ds.repeat(3))) == 30


def test_tuples_dicts_map_filter_prefetch():
    x, y = np.arange(6, dtype="float32"), np.arange(6) % 2
    ds = Dataset.from_tensor_slices((x, y))
    doubled = [a for a, _ in ds.map(lambda a, b: (a * 2, b))]
    assert doubled == [0, 2, 4, 6, 8, 10]
    odd = [int(b) for _, b in ds.filter(lambda a, b: b == 1)]
    assert odd == [1, 1, 1]
    d = Dataset.from_tensor_slices({"a": x, "b": y}).batch(3)
    first = next(iter(d))
    assert set(first) == {"a", "b"} and first["a"].shape == (3,)
    pre = list(ds.batch(2).prefetch(2))
    assert len(pre) == 3 and pre[0][0].tolist() == [0.0, 1.0]


def test_buffered_shuffle_is_a_permutation_and_generator_source():
    ds = Dataset.from_tensor_slices(np.arange(100)).shuffle(10, seed=3)
    out = [int(v) for v in ds]
    assert sorted(out) == list(range(100)) and out != list(range(100))

    def gen():
        for i in range(5):
            yield np.float32(i), np.int64(i % 2)

    g = Dataset.from_generator(gen).batch(2)
    batches = list(g)
    assert len(batches) == 3 and batches[0][0].tolist() == [0.0, 1.0]
    assert len(list(g)) == 3  # re-iterable


def test_array_batches_when_shuffling_are_gathered_rows():
    """fit's shuffled batches from numpy (`_core.take_rows`): every row once per epoch, with
    its label, for each dtype and for non-contiguous arrays (which go through numpy)."""
    from lamina import _core
    from lamina.models.data_adapter import ArrayAdapter

    rng = np.random.default_rng(0)
    x = rng.normal(size=(23, 3, 2)).astype("float32")
    y = np.arange(23, dtype=np.int64)
    for xs in (x, x.astype("float64"), x[:, :, ::-1], x.astype("int32")):
        batches = list(ArrayAdapter(xs, y, batch_size=5, shuffle=True))
        ids = np.concatenate([np.asarray(b[1]) for b in batches])
        assert sorted(ids) == list(range(23)) and not np.array_equal(ids, np.arange(23))
        got = np.concatenate([np.asarray(b[0]) for b in batches])
        expected = xs.astype("float32") if xs.dtype == np.float64 else xs  # float64 is cast to floatx
        np.testing.assert_array_equal(got, expected[ids])
    np.testing.assert_array_equal(np.asarray(_core.take_rows(x, np.array([2, 0, 2]))), x[[2, 0, 2]])
    with pytest.raises(IndexError, match="row index 23 is out of bounds for an array with 23 rows"):
        _core.take_rows(x, np.array([1, 23]))
