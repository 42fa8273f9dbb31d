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
