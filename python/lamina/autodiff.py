"""GradientTape: TensorFlow's eager autodiff interface over the engine's Rust tape."""

from __future__ import annotations

import contextlib
from typing import Any

from lamina import _core


def _flatten(structure: Any) -> list:
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    return [structure]


def _pack_like(structure: Any, flat: list) -> Any:
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, (list, tuple)):
            return type(s)(build(x) for x in s)
        if isinstance(s, dict):
            return {k: build(s[k]) for k in sorted(s)}
        return next(it)

    return build(structure)


def stop_gradient(x: Any) -> _core.Tensor:
    """The same values as `x`, treated as a constant by autodiff."""
    return _core.stop_gradient(x)


class GradientTape:
    """Records operations for automatic differentiation, as `tf.GradientTape` does.

    Args:
        persistent: allow more than one `gradient` call (the recorded backward rules are
            kept until the tape is deleted).
        watch_accessed_variables: accepted for compatibility; trainable Variables are
            always tracked.

    Example:
        with lamina.GradientTape() as tape:
            y = x * x
        dy_dx = tape.gradient(y, x)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False

    def __enter__(self) -> "GradientTape":
        _core.tape_enter()
        self._recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._recording:
            _core.tape_exit()
            self._recording = False

    def watch(self, tensor: Any) -> None:
        """Makes `tensor` (or each tensor of a nested structure) a gradient source."""
        for t in _flatten(tensor):
            if not isinstance(t, _core.Tensor):
                raise TypeError(f"GradientTape.watch expects tensors, got {type(t).__name__}")
            t._watch()

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stops recording inside the tape's block."""
        _core.pause_recording()
        try:
            yield
        finally:
            _core.resume_recording()

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None, unconnected_gradients: str = "none") -> Any:
        """Gradient of `target` (summed if not scalar) with respect to `sources`.

        Args:
            target: a tensor or nested structure of tensors.
            sources: a tensor, Variable or nested structure of them.
            output_gradients: optional gradients of the targets (same structure).
            unconnected_gradients: "none" (default) gives None for a source the target does
                not depend on; "zero" gives zeros.

        Returns:
            Gradients with the structure of `sources`.
        """
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients; "
                "use GradientTape(persistent=True) for more"
            )
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got {unconnected_gradients!r}")
        self._used = True
        targets = _flatten(target)
        flat_sources = _flatten(sources)
        seeds = None if output_gradients is None else _flatten(output_gradients)
        grads = _core.gradient(targets, flat_sources, seeds, self._persistent)
        if unconnected_gradients == "zero":
            from lamina import ops

            grads = [ops.zeros_like(s) if g is None else g for g, s in zip(grads, flat_sources)]
        return _pack_like(sources, grads)
