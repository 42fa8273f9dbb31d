"""Compare lamina's public names with real Keras 3's, namespace by namespace.

Used by tests/test_keras_inventory.py, and runnable as a script:
`python tests/keras_inventory.py` prints the coverage table;
`python tests/keras_inventory.py --write-not-yet` rewrites the NOT_YET_BUILT list in
tests/keras_inventory_exclusions.py from what is missing now (the lead reviews that diff).
"""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

# Keras namespaces the inventory covers, in the order of the report.
NAMESPACES = [
    "layers", "ops", "ops.nn", "ops.numpy", "ops.linalg", "ops.image", "activations", "losses", "metrics",
    "optimizers", "optimizers.schedules", "callbacks", "initializers", "regularizers", "constraints", "utils",
    "models", "saving", "random", "tree", "backend", "config", "preprocessing", "datasets",
]
# Rows of the table that sum several namespaces ("ops" counts ops with nn, numpy, linalg, image).
GROUPS = {"ops (all)": ["ops", "ops.nn", "ops.numpy", "ops.linalg", "ops.image"]}


def _resolve(root, dotted: str):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            try:
                obj = importlib.import_module(f"{root.__name__}.{dotted}")
            except ImportError:
                return None
            break
    return obj


def keras_names(namespace: str) -> set:
    import keras

    mod = _resolve(keras, namespace)
    return {n for n in dir(mod) if not n.startswith("_")}


def missing_names(namespace: str) -> set:
    """Keras' public names in `namespace` that lamina's namespace of the same path lacks."""
    import lamina

    mod = _resolve(lamina, namespace)
    want = keras_names(namespace)
    if mod is None:
        return want
    return {n for n in want if not hasattr(mod, n)}


def coverage() -> dict:
    """{namespace: (present, total, missing set)}."""
    out = {}
    for ns in NAMESPACES:
        miss = missing_names(ns)
        total = len(keras_names(ns))
        out[ns] = (total - len(miss), total, miss)
    return out


def table(cov: dict, excluded: dict) -> str:
    rows = [f"{'namespace':<22}{'have':>6}{'total':>7}{'share':>8}{'excluded':>10}"]

    def row(name, have, total, exc):
        rows.append(f"{name:<22}{have:>6}{total:>7}{100 * have / max(total, 1):>7.1f}%{exc:>10}")

    for ns, (have, total, miss) in cov.items():
        row(ns, have, total, len(miss & set(excluded.get(ns, {}))))
    for group, members in GROUPS.items():
        have = sum(cov[m][0] for m in members)
        total = sum(cov[m][1] for m in members)
        row(group, have, total, sum(len(cov[m][2] & set(excluded.get(m, {}))) for m in members))
    have = sum(v[0] for v in cov.values())
    total = sum(v[1] for v in cov.values())
    row("overall", have, total, sum(len(v[2] & set(excluded.get(k, {}))) for k, v in cov.items()))
    return "\n".join(rows)


def _write_not_yet(cov: dict, excluded: dict) -> None:
    path = os.path.join(os.path.dirname(__file__), "keras_inventory_exclusions.py")
    text = open(path).read()
    marker = "NOT_YET_BUILT = {"
    head = text[: text.index(marker)]
    lines = [marker]
    for ns, (_, _, miss) in cov.items():
        names = sorted(miss - set(excluded.get(ns, {})))
        if names:
            lines.append(f"    {ns!r}: [")
            line = "       "
            for n in names:
                piece = f" {n!r},"
                if len(line) + len(piece) > 110:
                    lines.append(line)
                    line = "       "
                line += piece
            lines.append(line)
            lines.append("    ],")
    lines.append("}")
    open(path, "w").write(head + "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    from keras_inventory_exclusions import EXCLUDED

    cov = coverage()
    print(table(cov, EXCLUDED))
    if "--write-not-yet" in sys.argv:
        _write_not_yet(cov, EXCLUDED)
