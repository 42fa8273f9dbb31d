"""lamina: a Keras-style modeling toolkit whose every tensor operation runs in a Rust engine.

The engine (``lamina._core``) holds tensors, ops and autodiff; this package is its thin Python
face plus the Keras-style API built on it.
"""

from lamina._core import Tensor, Variable
from lamina.tensors import convert_to_tensor, tensor
from lamina.autodiff import GradientTape, stop_gradient
from lamina import ops, random, utils

__version__ = "0.1.0"

__all__ = [
    "GradientTape",
    "Tensor",
    "Variable",
    "convert_to_tensor",
    "ops",
    "random",
    "stop_gradient",
    "tensor",
    "utils",
]
