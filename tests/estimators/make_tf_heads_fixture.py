"""Makes tests/fixtures/estimators/tf_heads.json with TensorFlow 2.15's tf.estimator: the
evaluation metric keys and prediction keys of each head, and the accuracy of the MultiHead
program of test_heads.py (DNNEstimator on iris: species + petal width). Run with the TF venv:

    /work/venv-tf/bin/python tests/estimators/make_tf_heads_fixture.py
"""

import importlib.metadata
import json
import os
import sys
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_iris

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
STEPS, SEEDS = 1000, (0, 1, 2)  # TF reaches its plateau by 1,000 steps (0.85 at 300)


def iris():
    x, y = load_iris(return_X_y=True)
    return x.astype("float32"), y.astype("int64")


def head_cases(x, y):
    """(name, head, labels) of each head the tests compare."""
    return [
        ("binary", tf.estimator.BinaryClassHead(), (y == 0).astype("int64")),
        ("multi_class", tf.estimator.MultiClassHead(3), y),
        ("multi_label", tf.estimator.MultiLabelHead(3, thresholds=[0.5]), np.eye(3, dtype="int64")[y]),
        ("regression", tf.estimator.RegressionHead(), x[:, 3]),
        ("poisson", tf.estimator.PoissonRegressionHead(), np.round(x[:, 2])),
        ("logistic", tf.estimator.LogisticRegressionHead(), x[:, 3] / 2.5),
        ("multi_head", tf.estimator.MultiHead([tf.estimator.MultiClassHead(3, name="species"),
                                               tf.estimator.RegressionHead(name="petal")]),
         {"species": y, "petal": x[:, 3]}),
    ]


def fn(x, labels, shuffle):
    return tf.compat.v1.estimator.inputs.numpy_input_fn({"x": x}, labels, batch_size=32, shuffle=shuffle,
                                                        num_epochs=None if shuffle else 1)


def main():
    x, y = iris()
    column = tf.feature_column.numeric_column("x", shape=(4,))
    keys = {}
    for name, head, labels in head_cases(x, y):
        est = tf.estimator.DNNEstimator(head, hidden_units=[8], feature_columns=[column], model_dir=tempfile.mkdtemp())
        est.train(fn(x, labels, True), steps=2)
        metrics = est.evaluate(fn(x, labels, False))
        prediction = next(est.predict(tf.compat.v1.estimator.inputs.numpy_input_fn({"x": x}, shuffle=False)))
        keys[name] = {"metrics": sorted(metrics), "predictions": sorted("/".join(k) if isinstance(k, tuple) else k
                                                                         for k in prediction)}
    accuracy = []
    for seed in SEEDS:
        head = tf.estimator.MultiHead([tf.estimator.MultiClassHead(3, name="species"),
                                       tf.estimator.RegressionHead(name="petal")])
        est = tf.estimator.DNNEstimator(head, hidden_units=[16], feature_columns=[column], optimizer="Adam",
                                        model_dir=tempfile.mkdtemp(), config=tf.estimator.RunConfig(tf_random_seed=seed))
        labels = {"species": y, "petal": x[:, 3]}
        est.train(fn(x, labels, True), steps=STEPS)
        accuracy.append(float(est.evaluate(fn(x, labels, False))["accuracy/species"]))
    out = {"versions": {"tensorflow": tf.__version__,
                        "tensorflow_estimator": importlib.metadata.version("tensorflow-estimator"),
                        "python": sys.version.split()[0]},
           "keys": keys,
           "multi_head": {"steps": STEPS, "seeds": list(SEEDS), "accuracy_species": accuracy,
                          "mean_accuracy_species": float(np.mean(accuracy))}}
    with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_heads.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
