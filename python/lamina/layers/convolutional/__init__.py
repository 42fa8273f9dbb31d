"""Convolution layers: Conv1D/2D, Conv1DTranspose/2DTranspose, DepthwiseConv1D/2D and
SeparableConv1D/2D, each over one of the engine's convolution ops."""

from lamina.layers.convolutional.conv import Conv1D, Conv2D, Convolution1D, Convolution2D
from lamina.layers.convolutional.conv_transpose import (Conv1DTranspose, Conv2DTranspose, Convolution1DTranspose,
                                                        Convolution2DTranspose)
from lamina.layers.convolutional.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from lamina.layers.convolutional.separable_conv import (SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
                                                        SeparableConvolution2D)

__all__ = [
    "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "Conv1DTranspose", "Conv2DTranspose",
    "Convolution1DTranspose", "Convolution2DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
    "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
]
