"""Writes tests/fixtures/tensorboard/keras_listing.json: the runs, tags, plugins and steps that
Keras 3's TensorBoard callback (on TensorFlow) writes for each configuration of tb_configs.py.

CI has no TensorFlow, so this runs by hand in a separate venv:
    python3 -m venv /work/venv-tf-keras3 && /work/venv-tf-keras3/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 tensorboard==2.21.0
    KERAS_BACKEND=tensorflow /work/venv-tf-keras3/bin/python tests/callbacks/make_keras_tensorboard_listing.py
"""

import json
import os
import sys
import tempfile

os.environ["KERAS_BACKEND"] = "tensorflow"
sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
import tensorboard  # noqa: E402
import tensorflow as tf  # noqa: E402

from tb_configs import CONFIGS, run  # noqa: E402
from tb_events import listing  # noqa: E402

out = {"versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "tensorboard": tensorboard.__version__,
                    "python": sys.version.split()[0]}, "configs": {}}
for name in CONFIGS:
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as log_dir:
        run(keras, name, log_dir)
        out["configs"][name] = listing(log_dir)
path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tensorboard", "keras_listing.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", os.path.normpath(path))
