"""`import lamina as tf` keeps TensorFlow's `tf.keras` spelling working."""

import lamina as tf


def test_tf_keras_is_lamina():
    assert tf.keras.layers.Dense is tf.layers.Dense
    model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(2)])
    assert model.output_shape == (None, 2)
