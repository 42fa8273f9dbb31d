"""Writes the API reference's pages (docs/api/*.rst, not committed) at build time: one page per
public namespace of lamina, with an autodoc entry for every public name in it, so a name added
to a namespace appears in the reference without editing the docs."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

# The public namespaces, in the order the reference lists them.
NAMESPACES = [
    "lamina", "lamina.layers", "lamina.models", "lamina.optimizers", "lamina.optimizers.schedules",
    "lamina.losses", "lamina.metrics", "lamina.callbacks", "lamina.activations", "lamina.initializers",
    "lamina.regularizers", "lamina.constraints", "lamina.ops", "lamina.random", "lamina.data",
    "lamina.datasets", "lamina.utils", "lamina.saving", "lamina.export", "lamina.feature_column",
    "lamina.estimators", "lamina.tuner", "lamina.distribute", "lamina.distribution", "lamina.data.experimental",
    "lamina.io", "lamina.preprocessing", "lamina.tree", "lamina.backend",
]


def public_names(module) -> list[str]:
    """`__all__` when the module has one, else its public functions and classes from lamina."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items()
                 if not n.startswith("_") and (inspect.isclass(v) or callable(v))
                 and (getattr(v, "__module__", "") or "").startswith("lamina")]
    return sorted(dict.fromkeys(names))


def _entry(module_name: str, name: str, value, home: bool) -> str:
    # A name re-exported by several namespaces (lamina.Model is lamina.models.Model) is indexed
    # on the most specific one, its home; the others show it without a second index entry.
    option = "" if home else "   :no-index:\n"
    if inspect.ismodule(value):
        return ""  # a sub-namespace: it has its own page
    if inspect.isclass(value):
        # A model's fit/evaluate/predict/compile come from its trainer base class: list them.
        inherited = "   :inherited-members: object\n" if _is_model(value) else ""
        return f".. autoclass:: {module_name}.{name}\n{option}{inherited}"
    if callable(value):
        return f".. autofunction:: {module_name}.{name}\n{option}"
    return f".. autodata:: {module_name}.{name}\n   :annotation:\n{option}"


def _is_model(cls) -> bool:
    from lamina.models import Model

    return issubclass(cls, Model)


def _homes() -> dict[int, str]:
    """For each public object, the last namespace in NAMESPACES that lists it."""
    homes = {}
    for module_name in NAMESPACES:
        module = importlib.import_module(module_name)
        for name in public_names(module):
            homes[id(getattr(module, name))] = module_name
    return homes


def write_api_pages(out: Path) -> None:
    out.mkdir(exist_ok=True)
    pages = []
    homes = _homes()
    for module_name in NAMESPACES:
        module = importlib.import_module(module_name)
        title = f"``{module_name}``"
        lines = [title, "=" * len(title), "", f".. module:: {module_name}", "   :no-index:", ""]
        summary = (inspect.getdoc(module) or "").split("\n\n")[0]
        if summary:
            lines += [summary, ""]
        for name in public_names(module):
            value = getattr(module, name)
            entry = _entry(module_name, name, value, homes.get(id(value)) == module_name)
            if entry:
                lines += [entry]
        text = "\n".join(lines) + "\n"
        page = out / f"{module_name}.rst"
        if not page.exists() or page.read_text() != text:  # unchanged pages keep Sphinx's cache
            page.write_text(text)
        pages.append(module_name)
    index = ["API reference", "=============", "",
             "Every public name of lamina, by namespace, from its docstring.", "",
             ".. toctree::", "   :maxdepth: 1", ""] + [f"   {p}" for p in pages]
    text = "\n".join(index) + "\n"
    if not (out / "index.rst").exists() or (out / "index.rst").read_text() != text:
        (out / "index.rst").write_text(text)
