"""Runs every program of the corpus (prog_*.py): each follows one keras-io example or guide,
written for lamina as `import lamina as keras` with small synthetic data. A program whose
`MISSING` names a feature lamina lacks is expected to fail (strict xfail: it must start
passing, and lose its mark, once the feature lands)."""

import importlib
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
NAMES = sorted(p.stem for p in HERE.glob("prog_*.py"))


def _param(name):
    module = importlib.import_module(name)
    marks = [pytest.mark.xfail(strict=True, reason=f"needs {module.MISSING}")] if module.MISSING else []
    return pytest.param(module, id=name.removeprefix("prog_"), marks=marks)


@pytest.mark.parametrize("program", [_param(n) for n in NAMES])
def test_program(program):
    program.main()
