"""What the op fuzz suite knows about each op of `lamina.ops`: its kind (which picks the argument
strategy in test_op_fuzz.py) and its numpy reference, where numpy defines the result.

Until the engine-boundary op table exists this list is the source; `test_every_op_is_fuzzed`
fails when `lamina.ops.__all__` gains an op missing here. A reference takes the same arguments
as the op, with numpy arrays in place of tensors; it raising means "numpy does not define
this", and then any clean error (or any result) from lamina is accepted.
"""

import numpy as np


def _ints(a):
    """lamina's dtype rule: bool takes part in arithmetic as int32 (numpy keeps it bool)."""
    a = np.asarray(a)
    return a.astype(np.int32) if a.dtype == np.bool_ else a


def _arith1(f):
    return lambda x: f(_ints(x))


def _arith2(f):
    return lambda a, b: f(_ints(a), _ints(b))


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _float1(f):
    return lambda x: f(_float(x))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _logsumexp(x, axis=None, keepdims=False):
    x = _float(x)
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros([1] * x.ndim)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis if axis is not None else tuple(range(x.ndim)))


def _int_sum(x, axis=None, keepdims=False):
    x = _ints(x)
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind in "iu" else None)


def _int_prod(x, axis=None, keepdims=False):
    x = _ints(x)
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind in "iu" else None)


def _softmax(x, axis=-1):
    x = _float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    x = _float(x)
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def _cast(x, dtype):
    if np.asarray(x).dtype.kind == "f" and np.dtype(dtype).kind in "iub" and not np.all(np.isfinite(x)):
        raise ValueError("casting NaN/Inf to an integer is undefined in numpy")
    return np.asarray(x).astype(dtype)


def _full_like(x, fill_value):
    dtype = np.asarray(x).dtype
    if dtype.kind in "iu" and not (np.iinfo(dtype).min <= fill_value <= np.iinfo(dtype).max):
        raise ValueError("an out-of-range (or NaN) fill of an integer dtype is undefined in numpy")
    return np.full_like(x, fill_value)


def _one_hot(x, num_classes, axis=-1):
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        raise TypeError("numpy's reference takes integer class ids")
    eye = np.eye(num_classes + 1, num_classes)  # the last row: out-of-range ids give zeros
    out = eye[np.where((x >= 0) & (x < num_classes), x, num_classes)]
    return np.moveaxis(out, -1, axis)


def _slice(x, start_indices, shape):
    x = np.asarray(x)
    if len(start_indices) != x.ndim or len(shape) != x.ndim:
        raise ValueError("rank mismatch")
    if any(s < 0 or n < 0 or s + n > d for s, n, d in zip(start_indices, shape, x.shape)):
        raise ValueError("out of range")
    return x[tuple(slice(s, s + n) for s, n in zip(start_indices, shape))]


def _take(x, indices, axis=None):
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError("integer indices")
    return np.take(x, indices, axis=axis)


def _split(x, indices_or_sections, axis=0):
    return np.split(x, indices_or_sections, axis=axis)


def _unstack(x, num=None, axis=0):
    x = np.asarray(x)
    parts = list(np.moveaxis(x, axis, 0))
    if num is not None and num != len(parts):
        raise ValueError("num mismatch")
    return parts


def _arange(start, stop=None, step=None):
    return np.arange(start, stop, 1 if step is None else step)


# name -> (kind, numpy reference or None)
OPS = {
    # elementwise, one operand
    "negative": ("unary", _arith1(np.negative)),
    "abs": ("unary", _arith1(np.abs)),
    "absolute": ("unary", _arith1(np.abs)),
    "sign": ("unary", _arith1(np.sign)),
    "exp": ("unary", _float1(np.exp)),
    "expm1": ("unary", _float1(np.expm1)),
    "log": ("unary", _float1(np.log)),
    "log1p": ("unary", _float1(np.log1p)),
    "sqrt": ("unary", _float1(np.sqrt)),
    "rsqrt": ("unary", _float1(lambda x: 1 / np.sqrt(x))),
    "square": ("unary", _arith1(np.square)),
    "reciprocal": ("unary", _float1(lambda x: 1 / x)),
    "sin": ("unary", _float1(np.sin)),
    "cos": ("unary", _float1(np.cos)),
    "tanh": ("unary", _float1(np.tanh)),
    "sigmoid": ("unary", _float1(_sigmoid)),
    "relu": ("unary", _arith1(lambda x: np.maximum(x, np.zeros((), x.dtype)))),  # NaN stays NaN, as in Keras
    "relu6": ("unary", _arith1(lambda x: np.clip(x, 0, 6))),
    "leaky_relu": ("unary", None),
    "elu": ("unary", None),
    "selu": ("unary", None),
    "gelu": ("unary", None),
    "softplus": ("unary", _float1(lambda x: np.logaddexp(0, x))),
    "softsign": ("unary", _float1(lambda x: x / (1 + np.abs(x)))),
    "silu": ("unary", _float1(lambda x: x * _sigmoid(x))),
    "swish": ("unary", _float1(lambda x: x * _sigmoid(x))),
    "hard_sigmoid": ("unary", _float1(lambda x: np.clip(x / 6 + 0.5, 0, 1))),
    "hard_silu": ("unary", _float1(lambda x: x * np.clip(x / 6 + 0.5, 0, 1))),
    "hard_swish": ("unary", _float1(lambda x: x * np.clip(x / 6 + 0.5, 0, 1))),
    "isnan": ("unary", np.isnan),
    "isfinite": ("unary", np.isfinite),
    "isinf": ("unary", np.isinf),
    "floor": ("unary", _float1(np.floor)),
    "ceil": ("unary", _float1(np.ceil)),
    "round": ("unary", None),
    "logical_not": ("unary", np.logical_not),
    "bitwise_invert": ("unary", lambda x: np.invert(np.asarray(x)) if np.asarray(x).dtype.kind in "iub" else np.invert(1.5)),
    "ravel": ("unary", np.ravel),
    "flatten": ("unary", np.ravel),
    # elementwise, two broadcasting operands
    "add": ("binary", _arith2(np.add)),
    "subtract": ("binary", _arith2(np.subtract)),
    "multiply": ("binary", _arith2(np.multiply)),
    "divide": ("binary", lambda a, b: np.true_divide(_float(a), _float(b))),
    "power": ("binary", None),
    "minimum": ("binary", _arith2(np.minimum)),
    "maximum": ("binary", _arith2(np.maximum)),
    "equal": ("binary", np.equal),
    "not_equal": ("binary", np.not_equal),
    "less": ("binary", np.less),
    "less_equal": ("binary", np.less_equal),
    "greater": ("binary", np.greater),
    "greater_equal": ("binary", np.greater_equal),
    "logical_and": ("binary", np.logical_and),
    "logical_or": ("binary", np.logical_or),
    "logical_xor": ("binary", np.logical_xor),
    "bitwise_and": ("binary", None),
    "bitwise_or": ("binary", None),
    "bitwise_xor": ("binary", None),
    "floor_divide": ("binary", None),
    "mod": ("binary", None),
    "clip": ("clip", np.clip),
    "where": ("where", np.where),
    "cast": ("cast", _cast),
    # reductions
    "sum": ("reduce", _int_sum),
    "mean": ("reduce", lambda x, axis=None, keepdims=False: np.mean(_float(x), axis=axis, keepdims=keepdims)),
    "max": ("reduce", lambda x, axis=None, keepdims=False: np.max(x, axis=axis, keepdims=keepdims)),
    "min": ("reduce", lambda x, axis=None, keepdims=False: np.min(x, axis=axis, keepdims=keepdims)),
    "prod": ("reduce", _int_prod),
    "var": ("reduce", lambda x, axis=None, keepdims=False: np.var(_float(x), axis=axis, keepdims=keepdims)),
    "std": ("reduce", lambda x, axis=None, keepdims=False: np.std(_float(x), axis=axis, keepdims=keepdims)),
    "logsumexp": ("reduce", _logsumexp),
    "argmax": ("arg_reduce", lambda x, axis=None, keepdims=False: np.argmax(x, axis=axis, keepdims=keepdims)),
    "argmin": ("arg_reduce", lambda x, axis=None, keepdims=False: np.argmin(x, axis=axis, keepdims=keepdims)),
    "any": ("reduce", lambda x, axis=None, keepdims=False: np.any(x, axis=axis, keepdims=keepdims)),
    "all": ("reduce", lambda x, axis=None, keepdims=False: np.all(x, axis=axis, keepdims=keepdims)),
    "count_nonzero": ("count_nonzero", lambda x, axis=None: np.count_nonzero(x, axis=axis)),
    # shapes
    "reshape": ("reshape", lambda x, newshape: np.reshape(x, newshape)),
    "transpose": ("transpose", lambda x, axes=None: np.transpose(x, axes)),
    "expand_dims": ("axis", lambda x, axis: np.expand_dims(x, axis)),
    "squeeze": ("squeeze", lambda x, axis=None: np.squeeze(x, axis)),
    "broadcast_to": ("broadcast_to", lambda x, shape: np.broadcast_to(x, shape)),
    "concatenate": ("join", lambda xs, axis=0: np.concatenate(xs, axis=axis)),
    "stack": ("join", lambda xs, axis=0: np.stack(xs, axis=axis)),
    "unstack": ("unstack", _unstack),
    "split": ("split", _split),
    "tile": ("repeats", lambda x, repeats: np.tile(x, repeats)),
    "repeat": ("repeat", lambda x, repeats, axis=None: np.repeat(x, repeats, axis=axis)),
    "flip": ("axes", lambda x, axis=None: np.flip(x, axis)),
    "swapaxes": ("two_axes", lambda x, axis1, axis2: np.swapaxes(x, axis1, axis2)),
    "moveaxis": ("two_axes", lambda x, source, destination: np.moveaxis(x, source, destination)),
    "pad": ("pad", None),
    "slice": ("slice", _slice),
    "slice_update": ("generic", None),
    "take": ("take", _take),
    "gather": ("take", _take),
    "take_along_axis": ("generic", None),
    "scatter": ("generic", None),
    "scatter_update": ("generic", None),
    "one_hot": ("one_hot", _one_hot),
    # creation
    "convert_to_tensor": ("unary", np.asarray),
    "zeros": ("shape", lambda shape: np.zeros(shape)),
    "ones": ("shape", lambda shape: np.ones(shape)),
    "full": ("full", lambda shape, fill_value: np.full(shape, fill_value)),
    "zeros_like": ("unary", np.zeros_like),
    "ones_like": ("unary", np.ones_like),
    "full_like": ("full_like", _full_like),
    "arange": ("arange", _arange),
    "eye": ("eye", lambda N, M=None, k=0: np.eye(N, M, k)),
    "identity": ("identity", np.identity),
    # linear algebra
    "matmul": ("matmul", np.matmul),
    "dot": ("matmul", np.dot),
    "tensordot": ("generic", None),
    "einsum": ("einsum", np.einsum),
    "outer": ("binary_any", np.outer),
    "inner": ("matmul", np.inner),
    "vdot": ("binary_any", None),
    "trace": ("diag", lambda x, offset=0, axis1=0, axis2=1: np.trace(x, offset, axis1, axis2)),
    "diagonal": ("diag", lambda x, offset=0, axis1=0, axis2=1: np.diagonal(x, offset, axis1, axis2)),
    "fused_linear": ("generic", None),
    # neural-network ops
    "softmax": ("axis", _softmax),
    "log_softmax": ("axis", _log_softmax),
    "binary_crossentropy": ("generic", None),
    "categorical_crossentropy": ("generic", None),
    "sparse_categorical_crossentropy": ("generic", None),
    "mean_squared_error": ("generic", None),
    "mean_absolute_error": ("generic", None),
    "moments": ("generic", None),
    "batch_normalization": ("generic", None),
    "layer_normalization": ("generic", None),
    "batch_norm_train": ("generic", None),
    "conv": ("conv", None),
    "depthwise_conv": ("conv", None),
    "separable_conv": ("generic", None),
    "conv_transpose": ("conv", None),
    "max_pool": ("pool", None),
    "average_pool": ("pool", None),
    "simple_rnn": ("generic", None),
    "lstm": ("generic", None),
    "gru": ("generic", None),
}

# Names an op's errors may use besides its own (ops exported under two names).
ALIASES = {"flatten": ("ravel",), "gather": ("take",), "absolute": ("abs",), "swish": ("silu",), "hard_swish": ("hard_silu",),
           "dot": ("matmul",), "inner": ("matmul",), "outer": ("matmul",), "vdot": ("matmul",), "tensordot": ("matmul",),
           "std": ("var",), "identity": ("eye",), "trace": ("diagonal",), "stack": ("concatenate",), "unstack": ("split",),
           "depthwise_conv": ("conv",), "separable_conv": ("conv", "depthwise_conv"), "conv_transpose": ("conv",),
           "convert_to_tensor": ("tensor",), "full_like": ("full",), "zeros_like": ("zeros",), "ones_like": ("ones",),
           "mean_squared_error": ("mse",), "mean_absolute_error": ("mae",)}
