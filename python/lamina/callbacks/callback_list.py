"""CallbackList: dispatches every hook to the user's callbacks plus History and the progress bar."""

from __future__ import annotations

from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar import ProgbarLogger
from lamina.distribution.training import is_chief

_HOOKS = [name for name in dir(Callback) if name.startswith("on_")]


class CallbackList:
    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, mode="train", **params):
        self.callbacks = list(callbacks or [])
        if not is_chief(model):  # under data parallelism rank 0 alone writes files and shows progress
            self.callbacks = [c for c in self.callbacks if not getattr(c, "_chief_only", False)]
            add_progbar = False
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks must be lamina.callbacks.Callback instances, got {c!r}")
        if add_history:
            history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if history is None:
                history = History()
                self.callbacks.append(history)
            model.history = history
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger(mode=mode))
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(dict(params))
        # Only hooks that some callback overrides (in its class, or per instance as LambdaCallback
        # does) are dispatched (batch hooks run every step).
        for hook in _HOOKS:
            active = [getattr(c, hook) for c in self.callbacks
                      if getattr(type(c), hook) is not getattr(Callback, hook) or hook in vars(c)]
            setattr(self, hook, _dispatcher(active))


def _dispatcher(methods):
    if not methods:
        return lambda *args, **kwargs: None

    def call(*args, **kwargs):
        for m in methods:
            m(*args, **kwargs)

    return call
