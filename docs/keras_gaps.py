"""Writes docs/_generated/keras_missing.md, the "what is missing" list of the Coming-from page,
from tests/keras_inventory_exclusions.py (the Keras 3 names lamina lacks, which the inventory
test keeps true), so the page cannot claim more than lamina has."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXCLUSIONS = Path(__file__).resolve().parents[1] / "tests" / "keras_inventory_exclusions.py"


def _load():
    spec = importlib.util.spec_from_file_location("keras_inventory_exclusions", EXCLUSIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render() -> str:
    if not EXCLUSIONS.is_file():
        return "The Keras inventory is not in this checkout (`tests/keras_inventory_exclusions.py`).\n"
    gaps = _load()
    lines = ["Keras 3 names lamina does not have, by namespace (`keras.<namespace>`), from the Keras "
             "inventory test's lists.", "", "Left out on purpose:", ""]
    for namespace, names in sorted(gaps.EXCLUDED.items()):
        for name, reason in sorted(names.items()):
            lines.append(f"- `{namespace}.{name}`: {reason}")
    lines += ["", "Not built yet:", "", "| namespace | names |", "| --- | --- |"]
    for namespace, names in sorted(gaps.NOT_YET_BUILT.items()):
        lines.append(f"| `{namespace}` | {', '.join(f'`{n}`' for n in sorted(names))} |")
    return "\n".join(lines) + "\n"


def write_keras_gaps(out: Path) -> None:
    out.parent.mkdir(exist_ok=True)
    text = render()
    if not out.exists() or out.read_text() != text:  # unchanged: Sphinx keeps its cache
        out.write_text(text)
