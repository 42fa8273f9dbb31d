"""Heads and head-based Estimators, with `import lamina as tf`, against TensorFlow 2.15
(tests/fixtures/estimators/tf_heads.json, made by make_tf_heads_fixture.py): the same metric
and prediction keys per head, and the MultiHead program's accuracy within 1 point."""

import json
import os

import numpy as np
import pytest

import lamina as tf

FIXTURE = json.load(open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_heads.json")))


def iris():
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return x.astype("float32"), y.astype("int64")


def fn(x, labels, shuffle):
    return tf.estimator.inputs.numpy_input_fn({"x": x}, labels, batch_size=32, shuffle=shuffle,
                                              num_epochs=None if shuffle else 1)


def head_cases(x, y):
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


@pytest.mark.parametrize("case", range(7), ids=[c[0] for c in head_cases(*iris())])
def test_metric_and_prediction_keys_are_tfs(case, tmp_path):
    x, y = iris()
    name, head, labels = head_cases(x, y)[case]
    column = tf.feature_column.numeric_column("x", shape=(4,))
    est = tf.estimator.DNNEstimator(head, hidden_units=[8], feature_columns=[column], model_dir=str(tmp_path))
    est.train(fn(x, labels, True), steps=2)
    metrics = est.evaluate(fn(x, labels, False))
    prediction = next(est.predict(tf.estimator.inputs.numpy_input_fn({"x": x}, shuffle=False)))
    keys = {"metrics": sorted(metrics),
            "predictions": sorted("/".join(k) if isinstance(k, tuple) else k for k in prediction)}
    assert keys == FIXTURE["keys"][name]
    assert all(np.isfinite(v) for v in metrics.values())


def test_multi_head_program_reaches_tf_accuracy(tmp_path):
    x, y = iris()
    column = tf.feature_column.numeric_column("x", shape=(4,))
    head = tf.estimator.MultiHead([tf.estimator.MultiClassHead(3, name="species"),
                                   tf.estimator.RegressionHead(name="petal")])
    est = tf.estimator.DNNEstimator(head, hidden_units=[16], feature_columns=[column], optimizer="Adam",
                                    model_dir=str(tmp_path), config=tf.estimator.RunConfig(tf_random_seed=0))
    labels = {"species": y, "petal": x[:, 3]}
    est.train(fn(x, labels, True), steps=FIXTURE["multi_head"]["steps"])
    metrics = est.evaluate(fn(x, labels, False))
    assert metrics["accuracy/species"] >= FIXTURE["multi_head"]["mean_accuracy_species"] - 0.01, metrics
    assert metrics["loss"] == pytest.approx(metrics["loss/species"] + metrics["loss/petal"], rel=1e-5)


def test_multi_head_checks_names_and_labels():
    with pytest.raises(ValueError, match="must have name"):
        tf.estimator.MultiHead([tf.estimator.RegressionHead(), tf.estimator.RegressionHead(name="b")])
    head = tf.estimator.MultiHead([tf.estimator.RegressionHead(name="a"), tf.estimator.RegressionHead(name="b")])
    with pytest.raises(ValueError, match=r"lack heads \['b'\]"):
        head.encode_labels({"a": np.zeros(3)})


def test_poisson_and_logistic_losses_match_formulas():
    logits = tf.convert_to_tensor(np.array([[0.5], [-1.0], [2.0]], np.float32))
    labels = tf.convert_to_tensor(np.array([[0.0], [1.0], [3.0]], np.float32))
    poisson = np.asarray(tf.estimator.PoissonRegressionHead().unreduced_loss(logits, labels))[:, 0]
    l, z = np.array([0.5, -1.0, 2.0]), np.array([0.0, 1.0, 3.0])
    stirling = np.where(z > 1, z * np.log(np.maximum(z, 1)) - z + 0.5 * np.log(2 * np.pi * np.maximum(z, 1)), 0)
    np.testing.assert_allclose(poisson, np.exp(l) - z * l + stirling, rtol=1e-5)
    logistic = np.asarray(tf.estimator.LogisticRegressionHead().unreduced_loss(logits, labels / 3.0))[:, 0]
    p = 1 / (1 + np.exp(-l))
    np.testing.assert_allclose(logistic, -(z / 3 * np.log(p) + (1 - z / 3) * np.log(1 - p)), rtol=1e-5)


def test_add_metrics(tmp_path):
    x, y = iris()
    column = tf.feature_column.numeric_column("x", shape=(4,))
    est = tf.estimator.DNNClassifier(hidden_units=[8], feature_columns=[column], n_classes=3, model_dir=str(tmp_path))
    est.train(fn(x, y, True), steps=20)

    def top_class_mean(labels, predictions):
        mean = tf.metrics.Mean()
        mean.update_state(np.asarray(predictions["class_ids"], np.float32))
        return {"class_id_mean": mean}

    metrics = tf.estimator.add_metrics(est, top_class_mean).evaluate(fn(x, y, False))
    class_ids = np.array([p["class_ids"][0] for p in est.predict(tf.estimator.inputs.numpy_input_fn({"x": x},
                                                                                                      shuffle=False))])
    assert metrics["class_id_mean"] == pytest.approx(class_ids.mean(), rel=1e-6)
    assert "class_id_mean" not in est.evaluate(fn(x, y, False))


def test_vocab_info_remaps_warm_started_rows(tmp_path):
    old_vocab, new_vocab = tmp_path / "old.txt", tmp_path / "new.txt"
    old_vocab.write_text("a\nb\nc\n")
    new_vocab.write_text("c\nd\na\n")
    from lamina.estimators.runtime import remap_vocab

    old = np.arange(6, dtype=np.float32).reshape(3, 2)
    info = tf.estimator.VocabInfo(str(new_vocab), 3, 1, str(old_vocab))
    np.testing.assert_array_equal(remap_vocab(old, (4, 2), info, "emb"), [[4, 5], [0, 0], [0, 1], [0, 0]])
    with pytest.raises(ValueError, match="3 tokens \\+ 1 OOV"):
        remap_vocab(old, (3, 2), info, "emb")
