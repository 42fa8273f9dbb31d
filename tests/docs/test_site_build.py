"""The site builds with warnings as errors and holds every page and every public name."""

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs"))

from api_pages import NAMESPACES, public_names  # noqa: E402


def test_every_page_is_built(built_site):
    for page in ("index", "getting-started", "coming-from", "architecture", "changelog", "guides/index",
                 "guides/models", "guides/training", "guides/custom-loop", "guides/saving", "guides/estimators",
                 "guides/data", "guides/gpu", "guides/distributed", "guides/tensorboard", "guides/export-serving", "guides/tuning",
                 "api/index", "search"):
        assert (built_site / f"{page}.html").is_file(), page


def test_every_public_name_has_an_api_entry(built_site):
    missing = []
    for module_name in NAMESPACES:
        html = (built_site / "api" / f"{module_name}.html").read_text(encoding="utf-8")
        module = importlib.import_module(module_name)
        for name in public_names(module):
            if isinstance(getattr(module, name), type(sys)):
                continue  # sub-namespaces have their own page
            if f'id="{module_name}.{name}"' not in html and f">{name}<" not in html:
                missing.append(f"{module_name}.{name}")
    assert not missing, missing


def test_every_public_namespace_has_a_page():
    import lamina

    namespaces = {f"lamina.{n}" for n in lamina.__all__ if isinstance(getattr(lamina, n), type(sys))}
    namespaces.discard("lamina.estimator")  # TensorFlow's name for lamina.estimators
    assert not namespaces - set(NAMESPACES), "add them to docs/api_pages.NAMESPACES"


def test_fit_is_documented_with_its_arguments(built_site):
    html = (built_site / "api" / "lamina.models.html").read_text(encoding="utf-8")
    for argument in ("batch_size", "epochs", "validation_split", "callbacks"):
        assert argument in html


def test_coming_from_lists_what_the_keras_inventory_says_is_missing(built_site):
    sys.path.insert(0, str(ROOT / "tests"))
    from keras_inventory_exclusions import EXCLUDED, NOT_YET_BUILT

    html = (built_site / "coming-from.html").read_text(encoding="utf-8")
    for namespace, names in NOT_YET_BUILT.items():
        for name in names:
            assert f">{name}<" in html, f"keras.{namespace}.{name} is missing but the page does not say so"
    for namespace, names in EXCLUDED.items():
        for name in names:
            assert f">{namespace}.{name}<" in html
