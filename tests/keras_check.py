"""Real Keras 3 for the interop and differential tests: `keras = require_keras()`.

The `test` extra installs Keras with JAX (`pip install ".[test]"`), so in CI (`CI=true`) a
missing or broken Keras fails the test; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os

import pytest


def _import():
    # JAX is the backend the test extra installs; Keras would default to TensorFlow.
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
    except Exception as e:  # ImportError, or a broken JAX/TensorFlow install behind it
        return None, f"Keras is not importable here ({type(e).__name__}: {e})"
    if int(keras.__version__.split(".")[0]) < 3:
        return None, f"Keras {keras.__version__} is installed; these checks need Keras 3"
    return keras, ""


def require_keras():
    """The `keras` module (Keras 3), else skip the calling test or module; under CI=true, fail.

    Returns:
        The imported `keras` module.
    """
    keras, reason = _import()
    if keras is not None:
        return keras
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI installs it with `pip install \".[test]\"`", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
