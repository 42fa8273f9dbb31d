"""Convolution and pooling ops with keras.ops names and signatures (channels_last, HWIO kernels)."""

__all__ = []
