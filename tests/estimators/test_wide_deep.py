"""The wide & deep program (wide_deep_program.py: shared embeddings, a crossed column) with
`import lamina as tf`, against TensorFlow 2.15's accuracy on the same data
(tests/fixtures/estimators/tf_wide_deep.json, made by make_tf_wide_deep_fixture.py).

TF's guide reads these data from TFRecord Examples; that needs lamina.io's TFRecordDataset and
parse_example (the data branch), so here the program reads numpy arrays."""

import json
import os

import numpy as np
import pytest

import lamina as tf

import wide_deep_program as program  # beside this file (pytest puts the folder on sys.path)

def adagrad():
    return tf.optimizers.Adagrad(learning_rate=0.05)


FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_wide_deep.json")


def test_wide_deep_with_shared_embeddings_reaches_tf_accuracy(tmp_path):
    tf_figures = json.load(open(FIXTURE))
    accuracy = program.run(tf, tf.estimator.inputs.numpy_input_fn, str(tmp_path), 0, adagrad)
    assert accuracy >= tf_figures["mean_accuracy"] - 0.01, (accuracy, tf_figures)


def test_shared_embeddings_share_one_table(tmp_path):
    x, y, _, _ = program.data(n=200)
    est = program.estimator(tf, str(tmp_path), 0, adagrad)
    est.train(tf.estimator.inputs.numpy_input_fn(x, y, batch_size=50, shuffle=True, num_epochs=1))
    tables = [n for n in est.get_variable_names() if n.endswith("embedding_weights")]
    assert tables == ["dnn/input_from_feature_columns/input_layer/doc_query_shared_embedding/embedding_weights"], tables
    assert est.get_variable_value(tables[0]).shape == (20, 8)


def test_shared_embeddings_check_buckets():
    fc = tf.feature_column
    with pytest.raises(ValueError, match="same number of buckets"):
        fc.shared_embeddings([fc.categorical_column_with_identity("a", 5), fc.categorical_column_with_identity("b", 6)],
                             dimension=2)
    columns = fc.shared_embeddings([fc.categorical_column_with_identity("a", 5)], dimension=2,
                                   shared_embedding_collection_name="ab")
    assert [c.table_name for c in columns] == ["ab"] and np.isclose(columns[0].dimension, 2)
