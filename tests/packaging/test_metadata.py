"""Packaging: one version everywhere, the licence, typing marker and metadata a library ships."""

import re
import sys
from pathlib import Path

import lamina

ROOT = Path(__file__).resolve().parents[2]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None


def _pyproject() -> dict:
    if tomllib is None:
        import pytest

        pytest.skip("tomllib needs Python 3.11")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_one_version_in_pyproject_cargo_and_lamina():
    version = _pyproject()["project"]["version"]
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]
    assert lamina.__version__ == version == cargo


def test_changelog_has_a_section_for_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(lamina.__version__)}\]", changelog, re.MULTILINE)


def test_metadata_a_library_ships():
    project = _pyproject()["project"]
    assert project["license"] == {"file": "LICENSE"} and project["readme"] == "README.md"
    assert project["authors"] == [{"name": "The lamina authors"}]
    assert "License :: OSI Approved :: Apache Software License" in project["classifiers"]
    assert project["requires-python"] == ">=3.10"
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:200]
    extras = project["optional-dependencies"]
    assert set(extras["docs"]) <= set(extras["test"]), "the docs build is a test: test needs the docs extra"


def test_typed_package_with_a_stub_for_the_engine():
    package = Path(lamina.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_core.pyi").is_file()
