"""On the bundled datasets the canned estimators reach what their TensorFlow counterparts and
scikit-learn reach (see bench/results_estimators.md for TensorFlow 2.15's figures)."""

import numpy as np
import pytest

from lamina import estimators as E
from lamina import feature_column as fc
from lamina import optimizers
from lamina.datasets import diabetes, iris


def named(x, names):
    return {n: x[:, i] for i, n in enumerate(names)}


def test_dnn_classifier_on_iris():
    (x, y), (xt, yt) = iris.load_data()
    columns = [fc.numeric_column(n) for n in iris.FEATURE_NAMES]
    accuracies = []
    for seed in (0, 1):
        est = E.DNNClassifier([16, 16], columns, n_classes=3, config=E.RunConfig(tf_random_seed=seed))
        est.train(E.inputs.numpy_input_fn(named(x, iris.FEATURE_NAMES), y, batch_size=32, num_epochs=None,
                                          shuffle=True, seed=seed), steps=2000)
        result = est.evaluate(E.inputs.numpy_input_fn(named(xt, iris.FEATURE_NAMES), yt, shuffle=False))
        accuracies.append(result["accuracy"])
    assert min(accuracies) >= 0.95, accuracies


def test_linear_regressor_on_diabetes_matches_least_squares():
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    (x, y), (xt, yt) = diabetes.load_data()
    mean, std = x.mean(axis=0), x.std(axis=0)
    column = fc.numeric_column("x", shape=(10,), normalizer_fn=lambda v: (v - mean) / std)
    # The targets are in the hundreds; TF's default FTRL rate (0.2) needs ~10^5 steps to get there,
    # a larger one a few thousand.
    est = E.LinearRegressor([column], optimizer=optimizers.Ftrl(learning_rate=5.0), config=E.RunConfig(tf_random_seed=0))
    est.train(E.inputs.numpy_input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True, seed=0), steps=3000)
    predicted = np.array([p["predictions"][0] for p in est.predict(E.inputs.numpy_input_fn({"x": xt}, shuffle=False))])
    r2 = 1 - ((yt - predicted) ** 2).sum() / ((yt - yt.mean()) ** 2).sum()
    reference = sklearn_linear.LinearRegression().fit(x, y).score(xt, yt)
    assert r2 >= reference - 0.02, (r2, reference)


def mixed_table(n, seed):
    """A census-like table: numbers and categories, the label depending on both and on a cross."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 80, n)
    hours = rng.normal(40, 10, n)
    job = rng.choice(["clerk", "engineer", "farmer", "nurse", "teacher"], n)
    city = rng.choice([f"city_{i}" for i in range(30)], n)
    score = (0.04 * (age - 45) + 0.05 * (hours - 40) + np.select([job == "engineer", job == "farmer"], [1.5, -1.0], 0.0)
             + np.where((job == "nurse") & (age > 50), 2.0, 0.0) + rng.normal(0, 0.5, n))
    return {"age": age, "hours": hours, "job": job, "city": city}, (score > 0).astype(np.int64)


def test_wide_and_deep_on_a_mixed_table():
    train, y = mixed_table(3000, 0)
    test, yt = mixed_table(1000, 1)
    age = fc.numeric_column("age", normalizer_fn=lambda v: (v - 49) / 17)
    hours = fc.numeric_column("hours", normalizer_fn=lambda v: (v - 40) / 10)
    job = fc.categorical_column_with_vocabulary_list("job", ["clerk", "engineer", "farmer", "nurse", "teacher"])
    city = fc.categorical_column_with_hash_bucket("city", 50)
    age_buckets = fc.bucketized_column(fc.numeric_column("age"), [30, 40, 50, 60])
    est = E.DNNLinearCombinedClassifier(
        linear_feature_columns=[job, city, age_buckets, fc.crossed_column([job, age_buckets], 100)],
        dnn_feature_columns=[age, hours, fc.indicator_column(job), fc.embedding_column(city, 4)],
        dnn_hidden_units=[32, 16], linear_optimizer=optimizers.Ftrl(0.1), dnn_optimizer=optimizers.Adagrad(0.05),
        config=E.RunConfig(tf_random_seed=0))
    est.train(E.inputs.numpy_input_fn(train, y, batch_size=64, num_epochs=None, shuffle=True, seed=0), steps=1500)
    result = est.evaluate(E.inputs.numpy_input_fn(test, yt, shuffle=False))
    assert result["accuracy"] > 0.85 and result["auc"] > 0.92, result
    assert result["accuracy"] > result["accuracy_baseline"] + 0.2
