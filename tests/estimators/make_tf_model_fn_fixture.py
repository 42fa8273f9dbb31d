"""Makes tests/fixtures/estimators/tf_model_fn.json with TensorFlow 2.15's tf.estimator:
the accuracy of the custom model_fn CNN on digits of test_model_fn.py, and the order in which
session hooks fire. Run with the TF venv (CI has no TensorFlow):

    /work/venv-tf/bin/python tests/estimators/make_tf_model_fn_fixture.py
"""

import importlib.metadata
import json
import os
import sys
import tempfile

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
STEPS, SEEDS = 300, (0, 1, 2)


def digits():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32").reshape(-1, 8, 8, 1)
    return train_test_split(x, y.astype("int32"), test_size=0.3, random_state=0)


def model_fn(features, labels, mode, params):
    x = tf.keras.layers.Conv2D(16, 3, activation="relu")(features["x"])
    logits = tf.keras.layers.Dense(10)(tf.keras.layers.Flatten()(x))
    classes = tf.argmax(logits, axis=1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer(params["lr"])
        return tf.estimator.EstimatorSpec(mode, loss=loss,
                                          train_op=opt.minimize(loss, tf.compat.v1.train.get_global_step()))
    return tf.estimator.EstimatorSpec(mode, loss=loss,
                                      eval_metric_ops={"accuracy": tf.compat.v1.metrics.accuracy(labels, classes)})


class Recorder(tf.estimator.SessionRunHook):
    def __init__(self, name, events):
        self.name, self.events = name, events

    def begin(self):
        self.events.append([self.name, "begin", None])

    def after_create_session(self, session, coord):
        self.events.append([self.name, "after_create_session", int(session.run(tf.compat.v1.train.get_global_step()))])

    def before_run(self, run_context):
        self.events.append([self.name, "before_run", None])
        return tf.estimator.SessionRunArgs({"global_step": tf.compat.v1.train.get_global_step()})

    def after_run(self, run_context, run_values):
        self.events.append([self.name, "after_run", int(run_values.results["global_step"])])

    def end(self, session):
        self.events.append([self.name, "end", int(session.run(tf.compat.v1.train.get_global_step()))])


def main():
    xtr, xte, ytr, yte = digits()
    train_fn = tf.compat.v1.estimator.inputs.numpy_input_fn({"x": xtr}, ytr, batch_size=32, shuffle=True,
                                                             num_epochs=None)
    eval_fn = tf.compat.v1.estimator.inputs.numpy_input_fn({"x": xte}, yte, batch_size=64, shuffle=False)
    accuracies = []
    for seed in SEEDS:
        est = tf.estimator.Estimator(model_fn, tempfile.mkdtemp(), params={"lr": 0.01},
                                     config=tf.estimator.RunConfig(tf_random_seed=seed))
        est.train(train_fn, steps=STEPS)
        accuracies.append(float(est.evaluate(eval_fn)["accuracy"]))
    events = []
    est = tf.estimator.Estimator(model_fn, tempfile.mkdtemp(), params={"lr": 0.01})
    est.train(train_fn, hooks=[Recorder("a", events), Recorder("b", events),
                               tf.estimator.StopAtStepHook(last_step=3)], steps=10)
    est.train(train_fn, hooks=[Recorder("a", events)], steps=2)
    out = {"versions": {"tensorflow": tf.__version__, "tensorflow_estimator": importlib.metadata.version("tensorflow-estimator"),
                        "python": sys.version.split()[0]},
           "cnn_digits": {"steps": STEPS, "seeds": list(SEEDS), "accuracy": accuracies,
                          "mean_accuracy": float(np.mean(accuracies))},
           "hook_events": events}
    path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_model_fn.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out["cnn_digits"]))


if __name__ == "__main__":
    main()
