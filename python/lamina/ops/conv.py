"""Convolution and pooling ops with keras.ops names and signatures (channels_last by default,
kernels laid out spatial axes first, then input channels, then output channels)."""

from lamina import _core

conv = _core.conv
depthwise_conv = _core.depthwise_conv
separable_conv = _core.separable_conv
conv_transpose = _core.conv_transpose
max_pool = _core.max_pool
average_pool = _core.average_pool

__all__ = ["average_pool", "conv", "conv_transpose", "depthwise_conv", "max_pool", "separable_conv"]
