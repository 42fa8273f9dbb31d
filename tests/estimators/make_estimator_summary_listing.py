"""Writes tests/fixtures/tensorboard/estimator_listing.json: the scalar tags and steps that
TensorFlow's canned Estimators write into model_dir for estimator_summary_config.py.

Estimators left TensorFlow after 2.15, so this runs by hand in a venv with the last of them:
    python3 -m venv /work/venv-tf && /work/venv-tf/bin/pip install tensorflow-cpu==2.15.1 tensorflow-estimator==2.15.0
    /work/venv-tf/bin/python tests/estimators/make_estimator_summary_listing.py
"""

import json
import os
import sys
import tempfile
import types
from importlib.metadata import version

here = os.path.dirname(__file__)
sys.path[:0] = [here, os.path.join(here, "..", "callbacks")]

import tensorflow as tf  # noqa: E402

from estimator_summary_config import run  # noqa: E402
from tb_events import listing  # noqa: E402

tf_like = types.SimpleNamespace(estimator=tf.estimator, feature_column=tf.feature_column,
                                numpy_input_fn=tf.compat.v1.estimator.inputs.numpy_input_fn)
# TensorFlow's summary hooks read the global step in the same session.run as the train op, so
# now and then they see it already incremented and the steps shift by one: keep the listing
# that most of three runs give, and say how many gave it.
listings = []
for _ in range(3):
    with tempfile.TemporaryDirectory() as model_dir:
        run(tf_like, model_dir)
        listings.append(json.dumps(listing(model_dir), sort_keys=True))
common = max(set(listings), key=listings.count)
runs = json.loads(common)
out = {"versions": {"tensorflow": tf.__version__, "tensorflow_estimator": version("tensorflow-estimator"),
                    "python": sys.version.split()[0]},
       "runs_agreeing": f"{listings.count(common)} of 3", "runs": runs}
path = os.path.join(here, "..", "fixtures", "tensorboard", "estimator_listing.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", os.path.normpath(path))
