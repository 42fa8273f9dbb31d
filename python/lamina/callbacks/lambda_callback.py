"""LambdaCallback: a callback built from plain functions."""

from __future__ import annotations

from lamina.callbacks.callback import Callback

_BATCH_ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class LambdaCallback(Callback):
    """Callback for creating simple, custom callbacks on-the-fly.

    The functions are called with the same arguments as the hooks they replace:
    `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`, `on_train_begin(logs)`,
    `on_train_end(logs)`, `on_train_batch_begin(batch, logs)`, `on_train_batch_end(batch, logs)`.
    Any other hook (`on_test_begin=...`, `on_predict_batch_end=...`, or Keras' `on_batch_begin`
    / `on_batch_end`, which mean the train batch hooks) can be passed as a keyword.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, fn in kwargs.items():
            name = _BATCH_ALIASES.get(name, name)
            if not name.startswith("on_"):
                setattr(self, name, fn)
                continue
            if not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            if hooks.get(name) is None:
                hooks[name] = fn
        for name, fn in hooks.items():
            if fn is not None:
                # An instance attribute shadows the base hook; CallbackList dispatches it.
                setattr(self, name, _with_logs(fn, indexed="epoch" in name or "batch" in name))


def _with_logs(fn, indexed: bool):
    """The user's function called as Keras calls it, `fn(epoch_or_batch, logs)` or `fn(logs)`,
    also when the loop leaves `logs` out."""
    if indexed:
        def hook(index, logs=None):
            return fn(index, logs)
    else:
        def hook(logs=None):
            return fn(logs)
    return hook
