"""Real Keras 3 (jax backend) as a reference: `real_keras()` returns the keras module, skips the
test where Keras 3 is missing, and fails it under CI=true (CI installs Keras)."""

import os

import pytest


def real_keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except Exception as e:  # ImportError, or a broken JAX behind it
        why = f"Keras 3 is not importable ({type(e).__name__}: {e})"
    else:
        if int(keras.__version__.split(".")[0]) >= 3:
            return keras
        why = f"Keras {keras.__version__} is installed; these checks need Keras 3"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {why}")
    pytest.skip(why)


def long_only(*values, **kwargs):
    """A pytest.param that runs only with LAMINA_LONG_TESTS=1: more cases of a comparison with
    Keras whose first cases run in CI (each Keras op compiles under JAX on first use, which is
    what makes these slow)."""
    return pytest.param(*values, marks=pytest.mark.skipif(not os.environ.get("LAMINA_LONG_TESTS"),
                                                          reason="more Keras cases: set LAMINA_LONG_TESTS=1"), **kwargs)
