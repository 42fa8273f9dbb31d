"""`lamina.tree`: Keras' keras.tree utilities for nested structures.

Containers are lists, tuples, namedtuples and dicts (plain dicts flattened in sorted key
order, OrderedDicts in insertion order); everything else, None included, is a leaf.
"""

from __future__ import annotations

import collections
from typing import Any, Callable


class MAP_TO_NONE:
    """Returned by a `traverse` function to replace a whole subtree with None."""


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(structure) -> bool:
    """True for lists, tuples and dicts (the containers this module walks into)."""
    return isinstance(structure, (list, tuple, dict))


def _keys(d: dict) -> list:
    if isinstance(d, collections.OrderedDict):
        return list(d)
    try:
        return sorted(d)
    except TypeError as e:
        raise TypeError(f"tree: dict keys must be sortable, got {list(d)}") from e


def _children(x) -> list:
    if isinstance(x, dict):
        return [x[k] for k in _keys(x)]
    return list(x)


def _child_keys(x) -> list:
    return _keys(x) if isinstance(x, dict) else list(range(len(x)))


def _rebuild(template, children: list):
    if isinstance(template, dict):
        items = dict(zip(_keys(template), children))
        if isinstance(template, collections.defaultdict):
            out = collections.defaultdict(template.default_factory)
            out.update((k, items[k]) for k in template)
            return out
        return type(template)((k, items[k]) for k in template)
    if _is_namedtuple(template):
        return type(template)(*children)
    return type(template)(children)


def flatten(structure) -> list:
    """The leaves of `structure`, depth first."""
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure) -> list:
    """(path, leaf) pairs, a path being the tuple of keys/indices from the root."""
    if not is_nested(structure):
        return [((), structure)]
    out = []
    for key, child in zip(_child_keys(structure), _children(structure)):
        out.extend(((key,) + path, leaf) for path, leaf in flatten_with_path(child))
    return out


def pack_sequence_as(structure, flat_sequence):
    """The leaves of `flat_sequence` arranged in the shape of `structure`."""
    flat_sequence = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"pack_sequence_as: the structure has {n} leaves but flat_sequence has {len(flat_sequence)}")
    it = iter(flat_sequence)

    def build(s):
        if not is_nested(s):
            return next(it)
        return _rebuild(s, [build(c) for c in _children(s)])

    return build(structure)


def _same_structure(a, b, check_types: bool) -> bool:
    if is_nested(a) != is_nested(b):
        return False
    if not is_nested(a):
        return True
    if check_types and type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict) != isinstance(b, dict) or isinstance(a, list) != isinstance(b, list):
        return False
    if isinstance(a, dict) and set(a) != set(b):
        return False
    ca, cb = _children(a), _children(b)
    return len(ca) == len(cb) and all(_same_structure(x, y, check_types) for x, y in zip(ca, cb))


def assert_same_structure(a, b, check_types=None) -> None:
    """Raises ValueError unless `a` and `b` nest the same containers the same way."""
    if not _same_structure(a, b, bool(check_types)):
        raise ValueError(f"Structures don't have the same nested structure: {a!r} and {b!r}")


def assert_same_paths(a, b) -> None:
    """Raises ValueError unless `a` and `b` have the same set of leaf paths."""
    pa = {p for p, _ in flatten_with_path(a)}
    pb = {p for p, _ in flatten_with_path(b)}
    if pa != pb:
        raise ValueError(f"Structures don't have the same paths: only in the first {sorted(pa - pb)}, "
                         f"only in the second {sorted(pb - pa)}")


def map_structure(func: Callable, *structures, none_is_leaf: bool = True):
    """func applied leafwise across structures of the same shape, in that shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure")
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    flats = [flatten(s) for s in structures]
    if none_is_leaf:
        out = [func(*leaves) for leaves in zip(*flats)]
    else:
        out = [None if leaves[0] is None else func(*leaves) for leaves in zip(*flats)]
    return pack_sequence_as(structures[0], out)


def map_structure_up_to(shallow_structure, func: Callable, *structures):
    """func applied to the subtrees of `structures` found at the leaves of `shallow_structure`."""

    def walk(shallow, subs):
        if not is_nested(shallow):
            return func(*subs)
        for s in subs:
            if not is_nested(s) or len(_children(s)) != len(_children(shallow)):
                raise ValueError(f"map_structure_up_to: {s!r} does not match the shallow structure {shallow!r}")
        kids = [walk(c, [_children(s)[i] for s in subs]) for i, c in enumerate(_children(shallow))]
        return _rebuild(shallow, kids)

    return walk(shallow_structure, list(structures))


def traverse(func: Callable, structure, top_down: bool = True):
    """Walks `structure` calling func on every node (containers included).

    Top down: a non-None return replaces the node (its children are not visited), None means
    visit the children, MAP_TO_NONE replaces the node with None. Bottom up: func sees nodes
    whose children are already processed; a None return keeps the node.
    """

    def fix(v):
        return None if v is MAP_TO_NONE else v

    def down(s):
        r = func(s)
        if r is not None:
            return fix(r)
        return _rebuild(s, [down(c) for c in _children(s)]) if is_nested(s) else s

    def up(s):
        node = _rebuild(s, [up(c) for c in _children(s)]) if is_nested(s) else s
        r = func(node)
        return node if r is None else fix(r)

    return down(structure) if top_down else up(structure)


def lists_to_tuples(structure):
    """The same structure with every list turned into a tuple."""

    def convert(s):
        if not is_nested(s):
            return s
        kids = [convert(c) for c in _children(s)]
        return tuple(kids) if isinstance(s, list) else _rebuild(s, kids)

    return convert(structure)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def map_shape_structure(func: Callable, structure):
    """func applied to every shape (a tuple or list of ints/None) in a nested structure of shapes."""
    if _is_shape(structure):
        return func(tuple(structure))
    if is_nested(structure):
        return _rebuild(structure, [map_shape_structure(func, c) for c in _children(structure)])
    raise ValueError(f"map_shape_structure: {structure!r} is neither a shape nor a container of shapes")


__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path", "is_nested",
    "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse",
]
