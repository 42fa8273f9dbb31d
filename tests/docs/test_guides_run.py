"""The documentation's code runs: every ```python block of a page under docs/ runs, in order, in
one fresh interpreter per page (a page reads like a notebook), so a guide cannot drift from what
lamina does. ```console blocks and other languages are shown, not run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lamina

ROOT = Path(__file__).resolve().parents[2]
# The children import the lamina this test process imported (a checkout's or an installed one).
LAMINA_HOME = str(Path(lamina.__file__).resolve().parents[1])
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts and "api" not in p.parts)
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# Pages whose code needs an optional extra: the module it imports, and the extra to install.
EXTRAS = {"sklearn": "test", "tensorboardX": "tensorboard", "onnx": "onnx", "optuna": "tuner"}


def python_blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


def test_the_guides_have_code_to_run():
    runnable = [p.relative_to(DOCS).as_posix() for p in PAGES if python_blocks(p)]
    assert {"getting-started.md", "guides/models.md", "guides/training.md", "guides/saving.md"} <= set(runnable)


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)], ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_code_runs(page, tmp_path):
    blocks = python_blocks(page)
    # Each block is compiled under its own name, so a traceback says which block of the page failed.
    script = "\n".join(
        f"exec(compile({block!r}, '{page.name} block {i + 1}', 'exec'))" for i, block in enumerate(blocks))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([LAMINA_HOME, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    missing = re.search(r"ModuleNotFoundError: No module named '([\w.]+)'", done.stderr)
    if done.returncode != 0 and missing and missing.group(1).split(".")[0] in EXTRAS:
        extra = EXTRAS[missing.group(1).split(".")[0]]
        if os.environ.get("CI") == "true":
            pytest.fail(f"{page.name} needs {missing.group(1)}: pip install '.[{extra}]'")
        pytest.skip(f"{page.name} needs {missing.group(1)}: pip install '.[{extra}]'")
    assert done.returncode == 0, f"{page.relative_to(ROOT)} failed:\n{done.stderr[-3000:]}"
