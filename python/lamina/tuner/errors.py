"""KerasTuner's errors: raise `FailedTrialError` in a model-building function to give up on a
trial without retrying it; a `FatalError` stops the search."""


class FailedTrialError(Exception):
    """The trial failed and is not retried."""


class FatalError(Exception):
    """Stops the search."""


class FatalValueError(FatalError, ValueError):
    pass


class FatalTypeError(FatalError, TypeError):
    pass


class FatalRuntimeError(FatalError, RuntimeError):
    pass
