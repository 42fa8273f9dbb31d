"""Sphinx configuration of lamina's documentation: build with

    python -m sphinx -W -b html docs docs/_build/html

To add a guide: write docs/guides/<name>.md (MyST Markdown), list it in guides/index.md's
toctree and in tests/docs/test_site_build.py's pages. Its ```python blocks run as tests, in order,
in one interpreter (tests/docs/test_guides_run.py); use ```console for commands not to run. A new
public namespace goes in api_pages.NAMESPACES; new names in an existing one appear by themselves.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The checkout's lamina when its engine is built in place (maturin develop, or a copied
# _core.*.so), else the installed one.
if any(p.suffix in (".so", ".pyd") for p in (HERE.parent / "python" / "lamina").glob("_core.*")):
    sys.path.insert(0, str(HERE.parent / "python"))
sys.path.insert(0, str(HERE))

import lamina  # noqa: E402
from api_pages import write_api_pages  # noqa: E402
from keras_gaps import write_keras_gaps  # noqa: E402

project = "lamina"
author = "The lamina authors"
copyright = "The lamina authors"
release = lamina.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "docstring_markdown",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated", "README.md"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"lamina {release}"
html_static_path = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True, "undoc-members": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = [("Call arguments", "params_style")]
nitpicky = False

write_api_pages(HERE / "api")
write_keras_gaps(HERE / "_generated" / "keras_missing.md")


def _skip_foreign_members(app, what, name, obj, skip, options):
    # scikit-learn adds set_*_request methods to every estimator class; they are its API, not lamina's.
    if (getattr(obj, "__module__", None) or "").startswith("sklearn"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
