"""Spatial reshaping layers: ZeroPadding1D/2D, UpSampling1D/2D, Cropping1D/2D."""

from lamina.layers.reshaping.cropping import Cropping1D, Cropping2D
from lamina.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D
from lamina.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", "Cropping1D", "Cropping2D"]
