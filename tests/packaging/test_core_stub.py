"""The committed stub of the engine (python/lamina/_core.pyi) is what tools/make_core_stub.py
writes from the engine now built: a binding added, removed or given another signature without
rerunning it fails here. Docstring lines are left out of the comparison, so an engine built
before or after a reworded docstring passes alike."""

import importlib.util
from pathlib import Path

import lamina
from lamina import _core

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("make_core_stub", ROOT / "tools" / "make_core_stub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _declarations(stub: str) -> list[str]:
    return [line for line in stub.splitlines() if not line.strip().startswith('"""')]


def test_committed_stub_matches_the_engine():
    committed = (Path(lamina.__file__).parent / "_core.pyi").read_text()
    assert _declarations(committed) == _declarations(_generator().render()), \
        "rerun: PYTHONPATH=python python tools/make_core_stub.py"


def test_stub_names_every_public_engine_name():
    stub = (Path(lamina.__file__).parent / "_core.pyi").read_text()
    missing = [n for n in _core.__all__ if f"def {n}(" not in stub and f"class {n}" not in stub]
    assert not missing
