"""Every feature column: what it gives a batch, and TensorFlow's errors when misused."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from lamina import estimators as E
from lamina import feature_column as fc
from lamina.estimators.network import FeatureInput, InputPlan, tensors
from lamina.feature_column._inputs import FeatureBatch


def batch(**features):
    return FeatureBatch({k: np.asarray(v) for k, v in features.items()})


def test_numeric_column_shapes_and_normalizer():
    col = fc.numeric_column("a", shape=(2,), normalizer_fn=lambda x: x * 10)
    out = col.dense_values(batch(a=[[1, 2], [3, 4]]))
    np.testing.assert_array_equal(out, [[10, 20], [30, 40]])
    assert out.dtype == np.float32 and col.dense_width == 2
    assert fc.numeric_column("b").dense_values(batch(b=[1, 2])).shape == (2, 1)
    with pytest.raises(ValueError, match="numeric_column 'a' has shape \\(2,\\)"):
        col.dense_values(batch(a=[1.0, 2.0]))
    with pytest.raises(TypeError, match="normalizer_fn must be a callable"):
        fc.numeric_column("a", normalizer_fn=3)
    with pytest.raises(ValueError, match="default_value must be equal to given shape"):
        fc.numeric_column("a", shape=(2,), default_value=[1, 2, 3])
    with pytest.raises(ValueError, match="key must be a non-empty string"):
        fc.numeric_column(3)


def test_numeric_column_refuses_text_and_nan():
    col = fc.numeric_column("age")
    with pytest.raises(ValueError, match="Feature 'age' needs numeric values"):
        col.dense_values(batch(age=["x", "y"]))
    with pytest.raises(ValueError, match="Feature 'age' contains NaN \\(first at row 1\\)"):
        col.dense_values(batch(age=[1.0, np.nan]))
    with pytest.raises(ValueError, match="Feature 'age' is not in features dictionary.*column 'age'"):
        col.dense_values(batch(other=[1.0]))


def test_bucketized_column():
    col = fc.bucketized_column(fc.numeric_column("a"), [0.0, 10.0])
    b = batch(a=[-5.0, 0.0, 9.9, 10.0])
    np.testing.assert_array_equal(col.sparse_ids(b).ids[:, 0], [0, 1, 1, 2])
    np.testing.assert_array_equal(col.dense_values(b).argmax(axis=1), [0, 1, 1, 2])
    assert col.num_buckets == 3 and col.name == "a_bucketized"
    two = fc.bucketized_column(fc.numeric_column("v", shape=(2,)), [0.0])
    np.testing.assert_array_equal(two.sparse_ids(batch(v=[[-1, 1]])).ids, [[0, 3]])  # element 1 has ids 2..3
    with pytest.raises(ValueError, match="boundaries must be a sorted list"):
        fc.bucketized_column(fc.numeric_column("a"), [1.0, 0.0])
    with pytest.raises(ValueError, match="source_column must be a column generated with numeric_column"):
        fc.bucketized_column(fc.categorical_column_with_identity("a", 3), [1.0])


def test_identity_column():
    col = fc.categorical_column_with_identity("n", 4)
    s = col.sparse_ids(batch(n=[[1, 2], [3, -1]]))
    np.testing.assert_array_equal(s.ids, [[1, 2], [3, 0]])
    np.testing.assert_array_equal(s.weights, [[1, 1], [1, 0]])  # -1 is an empty slot
    with pytest.raises(ValueError, match="value 7 \\(row 1\\) is outside \\[0, 4\\) and the column has no default_value"):
        col.sparse_ids(batch(n=[1, 7]))
    with_default = fc.categorical_column_with_identity("n", 4, default_value=0)
    np.testing.assert_array_equal(with_default.sparse_ids(batch(n=[1, 7])).ids[:, 0], [1, 0])
    with pytest.raises(ValueError, match="num_buckets 0 < 1"):
        fc.categorical_column_with_identity("n", 0)
    with pytest.raises(ValueError, match="needs integer values"):
        col.sparse_ids(batch(n=["a"]))


def test_vocabulary_list_column():
    col = fc.categorical_column_with_vocabulary_list("c", ["a", "b", "c"])
    np.testing.assert_array_equal(col.sparse_ids(batch(c=["c", "a", b"b"])).ids[:, 0], [2, 0, 1])
    with pytest.raises(ValueError, match="Categorical column 'c': value 'zz' \\(row 1\\) is not in the vocabulary"):
        col.sparse_ids(batch(c=["a", "zz"]))
    with pytest.raises(ValueError, match="has string values but the feature has dtype float64"):
        col.sparse_ids(batch(c=[1.0, 2.0]))
    oov = fc.categorical_column_with_vocabulary_list("c", ["a", "b"], num_oov_buckets=3)
    ids = oov.sparse_ids(batch(c=["a", "q", "r", "q"])).ids[:, 0]
    assert ids[0] == 0 and all(2 <= i < 5 for i in ids[1:]) and ids[1] == ids[3]
    assert oov.num_buckets == 5
    default = fc.categorical_column_with_vocabulary_list("c", ["a", "b"], default_value=1)
    np.testing.assert_array_equal(default.sparse_ids(batch(c=["x"])).ids[:, 0], [1])
    ints = fc.categorical_column_with_vocabulary_list("i", [10, 20])
    np.testing.assert_array_equal(ints.sparse_ids(batch(i=[20, 10])).ids[:, 0], [1, 0])
    with pytest.raises(ValueError, match="Duplicate keys in vocabulary_list"):
        fc.categorical_column_with_vocabulary_list("c", ["a", "a"])
    with pytest.raises(ValueError, match="Can't specify both num_oov_buckets and default_value"):
        fc.categorical_column_with_vocabulary_list("c", ["a"], default_value=0, num_oov_buckets=1)
    with pytest.raises(ValueError, match="must be non-empty"):
        fc.categorical_column_with_vocabulary_list("c", [])


def test_vocabulary_file_column(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\nbird\n")
    col = fc.categorical_column_with_vocabulary_file("pet", str(path))
    assert col.vocabulary_size == 3
    np.testing.assert_array_equal(col.sparse_ids(batch(pet=["bird", "cat"])).ids[:, 0], [2, 0])
    short = fc.categorical_column_with_vocabulary_file("pet", str(path), vocabulary_size=2, num_oov_buckets=1)
    np.testing.assert_array_equal(short.sparse_ids(batch(pet=["bird", "dog"])).ids[:, 0], [2, 1])
    assert pickle.loads(pickle.dumps(col)) == col
    with pytest.raises(ValueError, match="does not exist"):
        fc.categorical_column_with_vocabulary_file("pet", str(tmp_path / "missing.txt"))


# Buckets of these values; a change of the hash would move every hashed feature of a saved model.
STABLE = {"apple": 18, "banana": 56, "cherry": 93}


def test_hash_bucket_is_stable():
    col = fc.categorical_column_with_hash_bucket("f", 100)
    values = ["apple", "banana", "cherry"]
    ids = col.sparse_ids(batch(f=values)).ids[:, 0]
    assert dict(zip(values, ids.tolist())) == STABLE
    code = ("import numpy as np; from lamina import feature_column as fc; from lamina.feature_column._inputs import "
            "FeatureBatch; print(fc.categorical_column_with_hash_bucket('f', 100).sparse_ids(FeatureBatch({'f': "
            "np.array(['apple', 'banana', 'cherry'])})).ids[:, 0].tolist())")
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.strip() == str(ids.tolist()), out.stderr
    int_col = fc.categorical_column_with_hash_bucket("n", 10, dtype="int64")
    assert 0 <= int_col.sparse_ids(batch(n=[5])).ids[0, 0] < 10
    with pytest.raises(ValueError, match="hash_bucket_size must be at least 1"):
        fc.categorical_column_with_hash_bucket("f", 0)
    with pytest.raises(ValueError, match="has string values but the feature has dtype"):
        col.sparse_ids(batch(f=[1.5]))


def test_crossed_column():
    bucket = fc.bucketized_column(fc.numeric_column("x"), [0.0])
    col = fc.crossed_column(["c", bucket], 50)
    b = batch(c=["a", "a", "b"], x=[-1.0, 1.0, -1.0])
    ids = col.sparse_ids(b).ids[:, 0]
    assert len(set(ids.tolist())) == 3 and all(0 <= i < 50 for i in ids)
    assert col.name == "c_X_x_bucketized"
    multi = fc.crossed_column(["p", "q"], 1000).sparse_ids(batch(p=[["a", "b"]], q=[["x", "y"]]))
    assert multi.ids.shape == (1, 4) and len(set(multi.ids[0].tolist())) == 4  # the cartesian product
    other_key = fc.crossed_column(["c", bucket], 50, hash_key=7).sparse_ids(b).ids[:, 0]
    assert not np.array_equal(ids, other_key)
    with pytest.raises(ValueError, match="keys must be a list with length > 1"):
        fc.crossed_column(["c"], 10)
    with pytest.raises(ValueError, match="categorical_column_with_hash_bucket is not supported for crossing"):
        fc.crossed_column([fc.categorical_column_with_hash_bucket("c", 5), "d"], 10)


def test_indicator_and_weighted_columns():
    cat = fc.categorical_column_with_identity("n", 3)
    np.testing.assert_array_equal(fc.indicator_column(cat).dense_values(batch(n=[[0, 0], [2, -1]])),
                                  [[2, 0, 0], [0, 0, 1]])
    weighted = fc.weighted_categorical_column(cat, "w")
    b = batch(n=[[0, 2]], w=[[0.5, 3.0]])
    np.testing.assert_allclose(fc.indicator_column(weighted).dense_values(b), [[0.5, 0, 3.0]])
    assert weighted.name == "n_weighted_by_w"
    with pytest.raises(ValueError, match="must have the shape of the ids"):
        weighted.sparse_ids(batch(n=[[0, 2]], w=[[1.0]]))
    with pytest.raises(ValueError, match="Input must be a CategoricalColumn"):
        fc.indicator_column(fc.numeric_column("a"))


@pytest.mark.parametrize("combiner", ["mean", "sqrtn", "sum"])
def test_embedding_column_combiners_run_in_the_engine(combiner):
    cat = fc.weighted_categorical_column(fc.categorical_column_with_identity("n", 5), "w")
    col = fc.embedding_column(cat, 3, combiner=combiner)
    layer = FeatureInput(InputPlan([col], "dnn", linear=False), "scope", seed=0)
    table = np.asarray(layer._tables[0])
    ids, w = np.array([[1, 4], [2, -1]]), np.array([[1.0, 2.0], [3.0, 0.0]], np.float32)
    out = np.asarray(layer(tensors(layer.plan.prepare(batch(n=ids, w=w)))))
    present = ids >= 0
    rows = table[np.where(present, ids, 0)] * (w * present)[..., None]
    expected = rows.sum(axis=1)
    if combiner == "mean":
        expected /= (w * present).sum(axis=1, keepdims=True)
    elif combiner == "sqrtn":
        expected /= np.sqrt(((w * present) ** 2).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    assert abs(table.std() - 1 / np.sqrt(3)) < 0.3  # truncated normal, stddev 1/sqrt(dimension)


def test_embedding_column_errors():
    cat = fc.categorical_column_with_identity("n", 5)
    with pytest.raises(ValueError, match="Invalid dimension"):
        fc.embedding_column(cat, 0)
    with pytest.raises(ValueError, match="combiner must be one of"):
        fc.embedding_column(cat, 2, combiner="max")
    with pytest.raises(ValueError, match="Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt`"):
        fc.embedding_column(cat, 2, ckpt_to_load_from="x")


def test_dnn_refuses_raw_categorical_columns():
    est = E.DNNClassifier([4], feature_columns=[fc.categorical_column_with_identity("n", 3)])
    fn = E.inputs.numpy_input_fn({"n": np.array([0, 1])}, np.array([0, 1]), shuffle=False)
    with pytest.raises(ValueError, match="Items of feature_columns must be a DenseColumn. You can wrap a categorical"):
        est.train(fn, steps=1)
    with pytest.raises(ValueError, match="Duplicate feature column name"):
        E.LinearClassifier([fc.numeric_column("a"), fc.numeric_column("a", shape=(2,))]).train(fn, steps=1)


def test_contrib_aliases():
    assert fc.real_valued_column("r", dimension=3) == fc.numeric_column("r", shape=(3,))
    assert fc.sparse_column_with_keys("k", ["a", "b"]) == fc.categorical_column_with_vocabulary_list("k", ["a", "b"])
    assert fc.sparse_column_with_hash_bucket("h", 10) == fc.categorical_column_with_hash_bucket("h", 10)
    integerized = fc.sparse_column_with_integerized_feature("i", bucket_size=4)
    np.testing.assert_array_equal(integerized.sparse_ids(batch(i=[1, 6, 9])).ids[:, 0], [1, 2, 1])
    assert fc.one_hot_column(integerized) == fc.indicator_column(integerized)


def test_columns_are_values():
    a = fc.embedding_column(fc.categorical_column_with_hash_bucket("h", 10), 4)
    b = fc.embedding_column(fc.categorical_column_with_hash_bucket("h", 10), 4)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(AttributeError, match="immutable"):
        a.dimension = 8
