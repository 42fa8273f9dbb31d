"""Activation layers."""

from lamina.layers.activations.elu import ELU
from lamina.layers.activations.prelu import PReLU
from lamina.layers.activations.softmax import Softmax

__all__ = ["ELU", "PReLU", "Softmax"]
