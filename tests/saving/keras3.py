"""Keras 3, when this Python has it (lamina never needs it): `keras` or None, and why not."""

import os


def _import():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
    except Exception as e:  # ImportError, or a broken TensorFlow/JAX install behind it
        return None, f"Keras is not importable here ({type(e).__name__}: {e})"
    if int(keras.__version__.split(".")[0]) < 3:
        return None, f"Keras {keras.__version__} is installed; these checks need Keras 3"
    return keras, ""


keras, SKIP_REASON = _import()
