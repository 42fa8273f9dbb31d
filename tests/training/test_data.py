"""lamina.data.Dataset: the tf.data-style pipeline."""

import numpy as np

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
