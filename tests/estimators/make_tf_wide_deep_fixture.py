"""Makes tests/fixtures/estimators/tf_wide_deep.json: the accuracy of wide_deep_program.py
under TensorFlow 2.15 (shared embeddings + crossed columns). Run with the TF venv:

    /work/venv-tf/bin/python tests/estimators/make_tf_wide_deep_fixture.py
"""

import importlib.metadata
import json
import os
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(__file__))
import wide_deep_program as program  # noqa: E402

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
accuracy = [program.run(tf, tf.compat.v1.estimator.inputs.numpy_input_fn, tempfile.mkdtemp(), s,
                        lambda: tf.keras.optimizers.legacy.Adagrad(learning_rate=0.05),
                        lambda: tf.Graph().as_default()) for s in program.SEEDS]
out = {"versions": {"tensorflow": tf.__version__, "tensorflow_estimator": importlib.metadata.version("tensorflow-estimator"),
                    "numpy": np.__version__},
       "steps": program.STEPS, "seeds": list(program.SEEDS), "accuracy": accuracy, "mean_accuracy": float(np.mean(accuracy))}
with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_wide_deep.json"), "w") as f:
    json.dump(out, f, indent=1)
print(out)
