"""Reductions over any axes, with keepdims (keras.ops names and signatures).

sum/prod keep integer dtypes (bool counts as int32); mean, var, std and logsumexp compute in
float (integers give float32); max/min keep the dtype; argmax/argmin return int32; any/all
return bool; count_nonzero returns int32.
"""

from lamina import _core

sum = _core.sum  # noqa: A001 (keras.ops name)
mean = _core.mean
max = _core.max  # noqa: A001
min = _core.min  # noqa: A001
prod = _core.prod
var = _core.var
std = _core.std
logsumexp = _core.logsumexp
argmax = _core.argmax
argmin = _core.argmin
any = _core.any  # noqa: A001
all = _core.all  # noqa: A001
count_nonzero = _core.count_nonzero

__all__ = [
    "sum",
    "mean",
    "max",
    "min",
    "prod",
    "var",
    "std",
    "logsumexp",
    "argmax",
    "argmin",
    "any",
    "all",
    "count_nonzero",
]
