"""Neural-network ops with keras.ops names: softmax, log_softmax, the fused losses and the
normalizations.

The losses return per-sample values (no reduction over the batch): `binary_crossentropy` is
elementwise like keras.ops; the categorical forms reduce the class axis; `mean_squared_error`
and `mean_absolute_error` average the last axis like keras.losses. `batch_norm_train` is a
lamina addition: one fused op returning `(output, batch_mean, batch_variance)` for
BatchNormalization layers in training.
"""

from lamina import _core
from lamina.ops.attention import dot_product_attention

softmax = _core.softmax
log_softmax = _core.log_softmax
binary_crossentropy = _core.binary_crossentropy
categorical_crossentropy = _core.categorical_crossentropy
sparse_categorical_crossentropy = _core.sparse_categorical_crossentropy
mean_squared_error = _core.mean_squared_error
mean_absolute_error = _core.mean_absolute_error
moments = _core.moments
batch_normalization = _core.batch_normalization
layer_normalization = _core.layer_normalization
batch_norm_train = _core.batch_norm_train

__all__ = [
    "softmax",
    "log_softmax",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "moments",
    "batch_normalization",
    "layer_normalization",
    "batch_norm_train",
    "dot_product_attention",
]

# keras.ops.nn also holds the activations, convolutions and pools of lamina.ops.
from lamina.ops._activations_extra import *  # noqa: F401,F403,E402
from lamina.ops.conv import *  # noqa: F401,F403,E402
from lamina.ops.elementwise import (elu, gelu, hard_sigmoid, hard_silu, hard_swish, leaky_relu, relu, relu6,  # noqa: F401,E402
                                    selu, sigmoid, silu, softplus, softsign, swish)
from lamina.ops._shape import one_hot  # noqa: F401,E402
