"""What flows between a pipeline's stages: elements, or an ElementError in place of one."""

from __future__ import annotations

from typing import Callable

from lamina.data.structure import call_unpacked

INFINITE = -1
UNKNOWN = -2


class ElementError:
    """An exception raised while producing one element, carried in that element's place."""

    def __init__(self, exc: BaseException):
        self.exc = exc


def _failed(e) -> bool:
    return isinstance(e, ElementError)


def _guarded(fn: Callable, element):
    if _failed(element):
        return element
    try:
        return call_unpacked(fn, element)
    except Exception as exc:  # noqa: BLE001 - tf.data turns any error in a map function into an element error
        return ElementError(exc)


def _raise_failed(e):
    if _failed(e):
        raise e.exc
    return e


END = object()
