"""Volumetric (3-D) layers, composed from the engine's 2-D ops over depth slices."""

from lamina.layers.volumetric.conv3d import Conv3D, Convolution3D
from lamina.layers.volumetric.conv3d_transpose import Conv3DTranspose, Convolution3DTranspose
from lamina.layers.volumetric.pooling3d import (AveragePooling3D, AvgPool3D, GlobalAveragePooling3D, GlobalAvgPool3D,
                                                GlobalMaxPool3D, GlobalMaxPooling3D, MaxPool3D, MaxPooling3D)
from lamina.layers.volumetric.reshaping3d import Cropping3D, UpSampling3D, ZeroPadding3D

__all__ = ["Conv3D", "Convolution3D", "Conv3DTranspose", "Convolution3DTranspose", "MaxPooling3D", "AveragePooling3D", "MaxPool3D", "AvgPool3D",
           "GlobalAveragePooling3D", "GlobalMaxPooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D", "ZeroPadding3D",
           "Cropping3D", "UpSampling3D"]
