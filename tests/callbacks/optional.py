"""Optional test dependencies: skipped when missing, but a failure when CI=true (CI installs them)."""

import importlib
import os
import shutil

import pytest


def require(module: str):
    """Imports `module`; skips the test when it is missing, unless CI=true."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def require_program(name: str) -> str:
    """The path of the program `name`; skips the test when absent, unless CI=true."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed, and CI=true requires it")
        pytest.skip(f"{name} is not installed")
    return path
