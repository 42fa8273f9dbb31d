"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D and the global poolings."""

from lamina.layers.pooling.global_pooling import (GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                                                  GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                                                  GlobalMaxPooling2D)
from lamina.layers.pooling.pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, MaxPool1D,
                                           MaxPool2D, MaxPooling1D, MaxPooling2D)

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "MaxPool1D", "MaxPool2D", "AvgPool1D",
    "AvgPool2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
]
