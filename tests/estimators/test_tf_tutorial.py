"""TensorFlow's premade-estimator tutorial (iris, DNNClassifier), written in its pattern with
`import lamina as tf`; and both call forms (TensorFlow's input_fn and scikit-learn's arrays)
of train / evaluate / predict / fit / score, positionally and by keyword."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as tf

pd = pytest.importorskip("pandas")

CSV_COLUMN_NAMES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species"]
SPECIES = ["Setosa", "Versicolor", "Virginica"]


def load_iris_frames():
    """The tutorial reads iris_training.csv / iris_test.csv; lamina bundles the same data."""
    (x_train, y_train), (x_test, y_test) = tf.datasets.iris.load_data()
    train = pd.DataFrame(x_train, columns=CSV_COLUMN_NAMES[:4]).assign(Species=y_train)
    test = pd.DataFrame(x_test, columns=CSV_COLUMN_NAMES[:4]).assign(Species=y_test)
    return train, test


def input_fn(features, labels, training=True, batch_size=256):
    """An input function for training or evaluating."""
    dataset = tf.data.Dataset.from_tensor_slices((dict(features), labels))
    if training:
        dataset = dataset.shuffle(1000).repeat()
    return dataset.batch(batch_size)


def predict_input_fn(features, batch_size=256):
    """An input function for prediction."""
    return tf.data.Dataset.from_tensor_slices(dict(features)).batch(batch_size)


@pytest.mark.filterwarnings("ignore:Using temporary folder")
def test_premade_estimator_tutorial():
    train, test = load_iris_frames()
    train_y = train.pop("Species")
    test_y = test.pop("Species")

    my_feature_columns = []
    for key in train.keys():
        my_feature_columns.append(tf.feature_column.numeric_column(key=key))

    classifier = tf.estimator.DNNClassifier(feature_columns=my_feature_columns, hidden_units=[30, 10], n_classes=3)
    classifier.train(input_fn=lambda: input_fn(train, train_y, training=True), steps=1000)
    eval_result = classifier.evaluate(input_fn=lambda: input_fn(test, test_y, training=False))
    print("\nTest set accuracy: {accuracy:0.3f}\n".format(**eval_result))
    assert eval_result["accuracy"] >= 0.9

    expected = ["Setosa", "Versicolor", "Virginica"]
    predict_x = {
        "SepalLength": [5.1, 5.9, 6.9],
        "SepalWidth": [3.3, 3.0, 3.1],
        "PetalLength": [1.7, 4.2, 5.4],
        "PetalWidth": [0.5, 1.5, 2.1],
    }
    predictions = classifier.predict(input_fn=lambda: predict_input_fn(predict_x))
    got = []
    for pred_dict, expec in zip(predictions, expected):
        class_id = pred_dict["class_ids"][0]
        probability = pred_dict["probabilities"][class_id]
        print('Prediction is "{}" ({:.1f}%), expected "{}"'.format(SPECIES[class_id], 100 * probability, expec))
        assert np.isclose(np.sum(pred_dict["probabilities"]), 1.0, atol=1e-5)
        got.append(SPECIES[class_id])
    assert got == expected


def test_estimator_is_tfs_name_for_estimators():
    assert tf.estimator is tf.estimators
    from lamina import estimator

    assert estimator.DNNClassifier is tf.estimators.DNNClassifier


def test_from_tensor_slices_takes_lists_as_tensors():
    """tf.data converts a Python list to one tensor; tuples and dicts are structure."""
    rows = list(tf.data.Dataset.from_tensor_slices({"a": [1.0, 2.0, 3.0], "b": [[1, 2], [3, 4], [5, 6]]}))
    assert len(rows) == 3
    np.testing.assert_array_equal(rows[1]["a"], 2.0)
    np.testing.assert_array_equal(rows[2]["b"], [5, 6])
    (first,) = list(tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]).take(1))
    np.testing.assert_array_equal(first, [1, 2])


@pytest.fixture(scope="module")
def fitted():
    train, _ = load_iris_frames()
    y = train.pop("Species").to_numpy()
    x = train.to_numpy()
    columns = [tf.feature_column.numeric_column(key=k) for k in train.keys()]
    est = tf.estimator.DNNClassifier(hidden_units=[8], feature_columns=columns, n_classes=3, model_dir=None)
    est.train(lambda: input_fn(train, y), steps=50)
    return est, train, x, y


def _input(train, y):
    return lambda: input_fn(train, y, training=False)


@pytest.mark.filterwarnings("ignore:Using temporary folder")
def test_tf_style_calls_positional_and_keyword(fitted):
    est, train, _, y = fitted
    assert est.train(_input(train, y), None, 5) is est  # input_fn, hooks, steps
    assert est.train(input_fn=_input(train, y), steps=5) is est
    by_position = est.evaluate(_input(train, y), 1)
    by_keyword = est.evaluate(input_fn=_input(train, y), steps=1)
    assert by_position == by_keyword
    positional = list(est.predict(lambda: predict_input_fn(train), ["class_ids"]))
    keyword = list(est.predict(input_fn=lambda: predict_input_fn(train), predict_keys=["class_ids"]))
    assert len(positional) == len(keyword) == len(train)
    assert [p["class_ids"][0] for p in positional] == [p["class_ids"][0] for p in keyword]


@pytest.mark.filterwarnings("ignore:Using temporary folder")
def test_sklearn_style_calls_positional_and_keyword():
    pytest.importorskip("sklearn")
    (x, y), (xt, yt) = tf.datasets.iris.load_data()
    est = tf.estimator.DNNClassifier(hidden_units=[8], epochs=5, random_state=0)
    assert est.fit(x, y) is est
    assert est.fit(X=x, y=y, sample_weight=np.ones(len(y))) is est
    np.testing.assert_array_equal(est.predict(xt), est.predict(X=xt))
    assert est.score(xt, yt) == est.score(X=xt, y=yt)
    with pytest.raises(TypeError, match="either"):
        est.predict(xt, input_fn=lambda: predict_input_fn({"x0": xt[:, 0]}))
    with pytest.raises(TypeError, match="X or input_fn"):
        est.predict()
