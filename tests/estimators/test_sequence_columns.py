"""Sequence feature columns and SequenceFeatures feeding an RNN in a custom model_fn, with
`import lamina as tf`."""

import numpy as np
import pytest

import lamina as tf

fc = tf.feature_column


def test_sequence_features_pads_and_concatenates_in_name_order():
    words = fc.sequence_categorical_column_with_vocabulary_list("w", ["a", "b", "c"], num_oov_buckets=1)
    layer = fc.SequenceFeatures([fc.embedding_column(words, 4), fc.sequence_numeric_column("n"),
                                 fc.indicator_column(fc.sequence_categorical_column_with_identity("i", 3))])
    features = {"w": [["a", "c"], ["b"], ["c", "c", "z"]], "n": [[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]],
                "i": [[0, 1], [2], [1, 1, 0]]}
    x, lengths = layer(features)
    x = np.asarray(x)
    table = np.asarray(layer.weights[0])
    assert x.shape == (3, 3, 3 + 1 + 4) and lengths.tolist() == [2, 1, 3]
    # i_indicator, then n, then w_embedding; zeros past each example's end.
    np.testing.assert_allclose(x[1, 0], np.concatenate([[0, 0, 1], [3.0], table[1]]), rtol=1e-6)
    np.testing.assert_allclose(x[2, 2], np.concatenate([[1, 0, 0], [6.0], table[3]]), rtol=1e-6)  # 'z': OOV bucket
    assert not x[1, 1:].any() and not x[0, 2].any()


def test_sequence_features_check_columns_and_lengths():
    with pytest.raises(ValueError, match="sequence dense columns"):
        fc.SequenceFeatures([fc.numeric_column("x")])
    layer = fc.SequenceFeatures([fc.sequence_numeric_column("a"), fc.sequence_numeric_column("b")])
    with pytest.raises(ValueError, match="lengths"):
        layer({"a": [[1.0], [2.0, 3.0]], "b": [[1.0, 2.0], [2.0, 3.0]]})


def test_rnn_model_fn_on_sequence_columns(tmp_path):
    rng = np.random.default_rng(0)
    tokens = np.array(["up", "down", "flat"])
    ids = rng.integers(0, 3, (600, 6))
    y = ((ids == 0).sum(axis=1) > (ids == 1).sum(axis=1)).astype(np.int64)
    features = {"tokens": tokens[ids]}

    def model_fn(features, labels, mode):
        column = fc.sequence_categorical_column_with_vocabulary_list("tokens", list(tokens))
        x, _ = fc.SequenceFeatures([fc.embedding_column(column, 4)])(features)
        logits = tf.layers.Dense(2)(tf.layers.SimpleRNN(8)(x))
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"class": tf.ops.argmax(logits, axis=1)})
        loss = tf.ops.mean(tf.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        accuracy = tf.metrics.Accuracy()
        accuracy.update_state(labels, tf.ops.argmax(logits, axis=1))
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.optimizers.Adam(0.02),
                                          eval_metric_ops={"accuracy": accuracy})

    est = tf.estimator.Estimator(model_fn, str(tmp_path))
    inputs = tf.estimator.inputs
    est.train(inputs.numpy_input_fn(features, y, batch_size=32, shuffle=True, num_epochs=None), steps=300)
    result = est.evaluate(inputs.numpy_input_fn(features, y, batch_size=100, shuffle=False))
    assert result["accuracy"] > 0.9, result
    # The embedding table is one weight, reused at every step: it is in the checkpoint.
    assert any(n.endswith("embedding_weights") for n in est.get_variable_names())
