"""Elementwise ops: arithmetic, math functions, activations, comparisons, logical ops, casts.

All of them broadcast like numpy and run in the Rust engine (SIMD kernels for float32, both
cores for large tensors). Dtype rule: binary arithmetic computes in the promoted dtype of its
operands (bool counts as int32); `divide` and the float functions (exp, log, sqrt, tanh,
sigmoid and the other activations, floor, ceil, ...) give float32 for integer inputs; negative,
abs, sign, square, relu, relu6 and round keep integer dtypes; comparisons, logical ops and
isnan/isinf/isfinite return bool. Python scalars take the dtype of the tensor beside them.
"""

from lamina import _core

add = _core.add
subtract = _core.subtract
multiply = _core.multiply
divide = _core.divide
power = _core.power
negative = _core.negative
abs = _core.abs  # noqa: A001 (keras.ops name)
absolute = _core.absolute
sign = _core.sign
exp = _core.exp
expm1 = _core.expm1
log = _core.log
log1p = _core.log1p
sqrt = _core.sqrt
rsqrt = _core.rsqrt
square = _core.square
reciprocal = _core.reciprocal
sin = _core.sin
cos = _core.cos
tanh = _core.tanh
sigmoid = _core.sigmoid
relu = _core.relu
relu6 = _core.relu6
leaky_relu = _core.leaky_relu
elu = _core.elu
selu = _core.selu
gelu = _core.gelu
softplus = _core.softplus
softsign = _core.softsign
silu = _core.silu
swish = _core.swish
hard_sigmoid = _core.hard_sigmoid
hard_silu = _core.hard_silu
hard_swish = _core.hard_swish
minimum = _core.minimum
maximum = _core.maximum
clip = _core.clip
where = _core.where
equal = _core.equal
not_equal = _core.not_equal
less = _core.less
less_equal = _core.less_equal
greater = _core.greater
greater_equal = _core.greater_equal
logical_and = _core.logical_and
logical_or = _core.logical_or
logical_not = _core.logical_not
logical_xor = _core.logical_xor
bitwise_and = _core.bitwise_and
bitwise_or = _core.bitwise_or
bitwise_xor = _core.bitwise_xor
bitwise_invert = _core.bitwise_invert
cast = _core.cast
isnan = _core.isnan
isfinite = _core.isfinite
isinf = _core.isinf
floor = _core.floor
ceil = _core.ceil
round = _core.round  # noqa: A001 (keras.ops name)
floor_divide = _core.floor_divide
mod = _core.mod

__all__ = [
    "add", "subtract", "multiply", "divide", "power", "negative", "abs", "absolute", "sign",
    "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos",
    "tanh", "sigmoid", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "softplus",
    "softsign", "silu", "swish", "hard_sigmoid", "hard_silu", "hard_swish", "minimum",
    "maximum", "clip", "where", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_invert", "cast", "isnan", "isfinite", "isinf",
    "floor", "ceil", "round", "floor_divide", "mod",
]
