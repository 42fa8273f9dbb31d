"""The Keras inventory: lamina's public names against real Keras 3's, per namespace.

Fails when a Keras name is missing from lamina without being on one of the lists in
tests/keras_inventory_exclusions.py (EXCLUDED, with a reason; NOT_YET_BUILT, the known gaps),
so coverage cannot fall silently. Prints the coverage table (excluded and not-yet-built names
count as missing) and the size of each list. Skipped where Keras 3 is missing, failed under
CI=true.
"""

import re

import keras_inventory as inventory
from keras_inventory_exclusions import EXCLUDED, NOT_YET_BUILT
from keras_ref import real_keras


def test_every_missing_keras_name_is_listed(capsys):
    real_keras()
    coverage = inventory.coverage()
    unlisted, stale = {}, {}
    for ns, (_, _, missing) in coverage.items():
        listed = set(EXCLUDED.get(ns, {})) | set(NOT_YET_BUILT.get(ns, []))
        if missing - listed:
            unlisted[ns] = sorted(missing - listed)
        if listed - missing:
            stale[ns] = sorted(listed - missing)
    with capsys.disabled():
        print("\n" + inventory.table(coverage, EXCLUDED))
        print(f"not yet built: {sum(len(v) for v in NOT_YET_BUILT.values())} names; "
              f"excluded: {sum(len(v) for v in EXCLUDED.values())}")
        if stale:
            print(f"listed as missing but now present (regenerate the list): {stale}")
    assert not unlisted, (
        f"Keras names missing from lamina and on no list: {unlisted}. Build them, or add them to "
        "NOT_YET_BUILT (python tests/keras_inventory.py --write-not-yet) or, with a reason, to EXCLUDED.")


def test_every_exclusion_has_a_reason():
    for ns, names in EXCLUDED.items():
        assert ns in inventory.NAMESPACES, f"unknown namespace {ns!r} in EXCLUDED"
        for name, reason in names.items():
            assert isinstance(reason, str) and len(reason.split()) >= 5, f"{ns}.{name}: give a real reason"
    for ns, names in NOT_YET_BUILT.items():
        assert ns in inventory.NAMESPACES and names == sorted(names) and all(re.fullmatch(r"\w+", n) for n in names)
