"""CallbackList: dispatches every hook to the user's callbacks plus History and the progress bar."""

from __future__ import annotations

from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar import ProgbarLogger
from lamina.distribution.training import is_chief

_HOOKS = [name for name in dir(Callback) if name.startswith("on_") and name not in ("on_batch_begin", "on_batch_end")]


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
        # does) are dispatched (batch hooks run every step); overriding a legacy alias counts.
        for hook in _HOOKS:
            names = (hook,) + _LEGACY_ALIASES.get(hook, ())
            active = [getattr(c, hook) for c in self.callbacks
                      if any(getattr(type(c), n) is not getattr(Callback, n) or n in vars(c) for n in names)]
            setattr(self, hook, _dispatcher(active, hook not in _HOOKS_WITHOUT_INDEX))


# The hooks Keras calls with only `logs`; the others also get the epoch or batch index.
_HOOKS_WITHOUT_INDEX = {"on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
                        "on_predict_end"}
_LEGACY_ALIASES = {"on_train_batch_begin": ("on_batch_begin",), "on_train_batch_end": ("on_batch_end",)}


def _dispatcher(methods, takes_index: bool):
    if not methods:
        return lambda *args, **kwargs: None

    def call(*args, logs=None):
        # Every hook gets a logs dict, never None, as in Keras.
        if len(args) > (1 if takes_index else 0):
            *args, logs = args
        args = (*args, {} if logs is None else logs)
        for m in methods:
            m(*args)

    return call
