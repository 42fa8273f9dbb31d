"""The documentation site, built once per test session with warnings as errors."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lamina

ROOT = Path(__file__).resolve().parents[2]
# The children import the lamina this test process imported (a checkout's or an installed one).
LAMINA_HOME = str(Path(lamina.__file__).resolve().parents[1])


def require_docs_extra() -> None:
    """Skips without the `docs` extra, unless CI=true (then the missing extra is a failure)."""
    missing = [m for m in ("sphinx", "myst_parser", "furo") if importlib.util.find_spec(m) is None]
    if missing:
        message = f"the docs extra is not installed (missing {', '.join(missing)}): pip install '.[docs]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Builds the site as the README says (`python -m sphinx -W -b html docs ...`) and returns
    its directory."""
    require_docs_extra()
    out = tmp_path_factory.mktemp("docs") / "html"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([LAMINA_HOME, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           str(ROOT / "docs"), str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"the docs build failed:\n{done.stderr[-5000:]}"
    return out
