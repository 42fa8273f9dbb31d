"""Real Keras 3 (jax backend) for differential tests: `keras`, or a skip when it is not
importable; with CI=true a missing Keras fails instead of skipping."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")


def _import():
    try:
        import keras
    except Exception as e:  # ImportError, or a broken JAX install behind it
        return None, f"Keras 3 (jax backend) is not importable ({type(e).__name__}: {e})"
    if int(keras.__version__.split(".")[0]) < 3:
        return None, f"Keras {keras.__version__} is installed; these checks need Keras 3"
    return keras, ""


keras, _REASON = _import()


def require_keras():
    """The keras module; skips the test when missing (fails under CI=true)."""
    if keras is None:
        if os.environ.get("CI") == "true":
            pytest.fail(_REASON)
        pytest.skip(_REASON)
    return keras
