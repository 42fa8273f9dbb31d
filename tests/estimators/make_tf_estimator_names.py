"""Writes tests/fixtures/estimators/tf_estimator_names.json: the public names of TensorFlow
2.15's tf.estimator (and tf.estimator.experimental) and tf.feature_column. Run with the TF venv:

    /work/venv-tf/bin/python tests/estimators/make_tf_estimator_names.py
"""

import importlib.metadata
import json
import os

import tensorflow as tf


def public(module) -> list:
    return sorted(n for n in dir(module) if not n.startswith("_"))


out = {"versions": {"tensorflow": tf.__version__,
                    "tensorflow_estimator": importlib.metadata.version("tensorflow-estimator")},
       "estimator": public(tf.estimator), "estimator.experimental": public(tf.estimator.experimental),
       "estimator.export": public(tf.estimator.export), "feature_column": public(tf.feature_column)}
with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_estimator_names.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out))
