"""lamina's version. Its one source is pyproject.toml's `version` (Cargo.toml's workspace
version is kept equal by tests/packaging/test_metadata.py): an installed lamina reads it from
its distribution metadata, a source checkout on PYTHONPATH from pyproject.toml itself."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path


def _source_tree_version() -> str | None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if not pyproject.is_file():
        return None
    text = pyproject.read_text(encoding="utf-8")
    if not re.search(r'^name\s*=\s*"lamina"', text, re.MULTILINE):
        return None
    found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else None


def _version() -> str:
    # The checkout first: an older lamina installed in the same environment would answer
    # importlib.metadata with its own version.
    from_source = _source_tree_version()
    if from_source is not None:
        return from_source
    try:
        return metadata.version("lamina")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
